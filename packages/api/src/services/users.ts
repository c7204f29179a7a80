import { type Database, schema, type User } from "@parley/db";
import { and, asc, eq, gt, ilike, or, sql } from "drizzle-orm";
import type { Deps } from "../deps";
import { notFound } from "../errors";
import type { DirectoryInput, PublicUser, UserRef } from "../schemas";
import { decodeCursor, encodeCursor, likePattern, publicUserOf } from "./output";

const { users } = schema;

/** The user directory: everybody, by username, optionally filtered by a piece of name. */
export async function listUsers(
  deps: Deps,
  input: DirectoryInput,
): Promise<{ items: PublicUser[]; nextCursor: string | null }> {
  const after = decodeCursor(input.cursor);
  const byName = sql`lower(${users.username})`;
  const rows = await deps.db
    .select()
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
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return {
    items: items.map(publicUserOf),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.username.toLowerCase()) : null,
  };
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
