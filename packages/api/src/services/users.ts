import { type Database, schema, type User } from "@parley/db";
import { and, asc, eq, gt, ilike, or, sql } from "drizzle-orm";
import type { Deps } from "../deps";
import { notFound } from "../errors";
import type { Page, PublicUser, SearchPageInput, UserRef } from "../schemas";
import { decodeCursor, keysetPage, likePattern, publicUserOf } from "./output";

const { users } = schema;

/** The user directory: everybody, by username, optionally filtered by a piece of name. */
export async function listUsers(deps: Deps, input: SearchPageInput): Promise<Page<PublicUser>> {
  const after = decodeCursor(input.cursor);
  const byName = sql<string>`lower(${users.username})`;
  const rows = await deps.db
    .select({ user: users, key: byName })
    .from(users)
    .where(
      and(
        after !== undefined ? gt(byName, after) : undefined,
        input.search
          ? or(ilike(users.username, likePattern(input.search)), ilike(users.displayName, likePattern(input.search)))
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

/** Finds a user by id or by username (case-insensitive). */
export async function findUser(db: Database, ref: UserRef): Promise<User> {
  const [user] = await db
    .select()
    .from(users)
    .where("userId" in ref ? eq(users.id, ref.userId) : sql`lower(${users.username}) = ${ref.username.toLowerCase()}`)
    .limit(1);
  if (!user) throw notFound("user");
  return user;
}
