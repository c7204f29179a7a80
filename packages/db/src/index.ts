export * from "./client";
export * from "./env";
export { foldName, storedName } from "./fold";
export type {
  Mention,
  Message,
  MessageChange,
  NoticeData,
  Reaction,
  Room,
  RoomMember,
  StoredFile,
  User,
} from "./schema";
export * as schema from "./schema";
