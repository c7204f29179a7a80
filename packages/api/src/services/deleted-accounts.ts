import { foldName } from "@parley/db";

/**
 * A deleted account keeps its row (its messages stay, under a "deleted user" label, as Mattermost
 * does) but loses its name: it is renamed to this placeholder, which no registration or rename can
 * take (see `assertUsernameAllowed`).
 */
export const deletedUsername = (userId: number) => `deleted-${userId}`;

/** Whether a username is a deleted account's placeholder (`deleted-<id>`, by `foldName`). */
export const isDeletedPlaceholder = (username: string) => /^deleted-\d+$/.test(foldName(username));
