export * as auth from "./auth";
export * as direct from "./direct";
export * as invites from "./invites";
export * as live from "./live";
export * as messages from "./messages";
export * as profile from "./profile";
export * as rooms from "./rooms";
export * as users from "./users";
