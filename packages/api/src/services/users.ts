import { type Database, foldName, schema, type User } from "@parley/db";
import { and, asc, eq, gt, ilike, isNull, like, or } from "drizzle-orm";
import type { Deps } from "../deps";
import { notFound } from "../errors";
import type { Page, PublicUser, SearchPageInput, UserRef } from "../schemas";
import { decodeCursor, keysetPage, likePattern, publicUserOf } from "./output";

const { users } = schema;

/**
 * The user directory (people search, mention autocomplete, direct-conversation pickers): every
 * account but deleted ones, by username, optionally filtered by a piece of name. A deleted account
 * is shown only where history needs it (its messages, its direct conversations).
 */
export async function listUsers(deps: Deps, input: SearchPageInput): Promise<Page<PublicUser>> {
  const after = decodeCursor(input.cursor);
  const byName = users.usernameKey;
  const rows = await deps.db
    .select({ user: users, key: byName })
    .from(users)
    .where(
      and(
        isNull(users.deletedAt),
        after !== undefined ? gt(byName, after) : undefined,
        input.search
          ? or(
              like(users.usernameKey, likePattern(foldName(input.search))),
              ilike(users.displayName, likePattern(input.search)), // a display name is no identity: plain ILIKE
            )
          : undefined,
      ),
    )
    .orderBy(asc(byName))
    .limit(input.limit + 1);
  return keysetPage(
    rows,
    input.limit,
    (r) => r.key,
    (r) => publicUserOf(r.user),
  );
}

/** Finds a user by id or by username (any spelling that `foldName` makes the same). */
export async function findUser(db: Database, ref: UserRef): Promise<User> {
  const [user] = await db
    .select()
    .from(users)
    .where("userId" in ref ? eq(users.id, ref.userId) : eq(users.usernameKey, foldName(ref.username)))
    .limit(1);
  if (!user) throw notFound("user");
  return user;
}
