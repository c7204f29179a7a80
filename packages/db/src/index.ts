export * from "./client";
export * from "./env";
export * as schema from "./schema";
export type { Message, NoticeData, Room, RoomMember, User } from "./schema";
