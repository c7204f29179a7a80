export * from "./client";
export * from "./env";
export { foldName, storedName } from "./fold";
export type { Message, NoticeData, Room, RoomMember, User } from "./schema";
export * as schema from "./schema";
