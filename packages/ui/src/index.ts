export { Avatar, type AvatarProps, initialsOf } from "./avatar";
export { type MessageAuthor, MessageItem, type MessageItemProps, timeOf } from "./message-item";
export { MessageList, type MessageListProps } from "./message-list";
