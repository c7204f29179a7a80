export { type AttachmentEntry, AttachmentList } from "./attachment-list";
export { Avatar, AvatarButton, type AvatarProps, initialsOf } from "./avatar";
export { BotMark } from "./bot-mark";
export { Composer, type ComposerProps, type Mentionable } from "./composer";
export { ConnectionBadge, type ConnectionState } from "./connection-badge";
export { EmojiPickerDialog, type EmojiPickerDialogProps, normalizeEmoji } from "./emoji-picker";
export { DropOverlay, useFileDrop } from "./file-drop";
export { fileSizeText } from "./file-size";
export { Icon, type IconComponent, type IconName, IconProvider, type IconSet } from "./icons";
export type { LinkComponent } from "./link";
export { type FoundLink, LINK_ATTRIBUTES, LinkifiedText, linksIn } from "./linkified-text";
export { type MemberEntry, MemberList } from "./member-list";
export { type FoundMention, MentionText, mentionsIn } from "./mention-text";
export { type MessageActionHandlers, MessageActions } from "./message-actions";
export { MessageEditor, type MessageEditorProps } from "./message-editor";
export {
  FileCard,
  FileLightbox,
  FileLightboxProvider,
  fileTypeText,
  fitWithin,
  type MessageFile,
  MessageFiles,
} from "./message-files";
export { type MessageAuthor, MessageItem, type MessageItemProps, type MessageStatus } from "./message-item";
export { type ListView, MessageList, type MessageListProps } from "./message-list";
export { ConfirmDialog, ModalDialog } from "./modal-dialog";
export { isConnected, PresenceDot, type PresenceStatus, presenceLabel } from "./presence-dot";
export { namesText, type ReactionEntry, ReactionsBar } from "./reactions-bar";
export { RoomList, type RoomListEntry, type RoomListProps, unreadLabel } from "./room-list";
export { ThreadSummaryButton, type ThreadSummaryProps } from "./thread-summary";
export { dayKeyOf, dayOf, fullDateOf, fullOf, timeOf } from "./time";
export { DayDivider, UnreadDivider } from "./timeline-divider";
export { TypingIndicator, typingText } from "./typing-indicator";
