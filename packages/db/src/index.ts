export * from "./client";
export * from "./env";
export type { Message, NoticeData, Room, RoomMember, User } from "./schema";
export * as schema from "./schema";
