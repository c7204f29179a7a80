export * from "./common";
export * from "./messages";
export * from "./rooms";
export * from "./users";
