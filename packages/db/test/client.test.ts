import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, describe, expect, it } from "vitest";
import { createDb, foldName, migrationsFolder, schema } from "../src";
import { createEmptyPostgresDatabase, dropPostgresDatabase } from "../src/testing";

const tables = async (db: Awaited<ReturnType<typeof createDb>>["db"]) => {
  const result = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  );
  return [...(Array.isArray(result) ? result : (result as { rows: { table_name: string }[] }).rows)].map(
    (r) => r.table_name,
  );
};
const expected = [
  "access_tokens",
  "audit_log",
  "files",
  "incoming_webhooks",
  "mentions",
  "message_changes",
  "messages",
  "outgoing_webhooks",
  "reactions",
  "registration_invites",
  "revoked_tokens",
  "room_members",
  "rooms",
  "server_settings",
  "users",
  "webhook_deliveries",
];
const migrationCount = async () =>
  (JSON.parse(await readFile(path.join(migrationsFolder, "meta/_journal.json"), "utf8")) as { entries: unknown[] })
    .entries.length;

describe("createDb on PostgreSQL", () => {
  const created: URL[] = [];
  afterAll(async () => {
    for (const url of created) await dropPostgresDatabase(url);
  });

  it("migrates a fresh database, once, even when several processes start together", async () => {
    const url = await createEmptyPostgresDatabase();
    created.push(url);
    const config = { databaseUrl: url.href, dataDir: "", poolMax: 2 };
    const handles = await Promise.all([createDb(config), createDb(config), createDb(config)]);
    expect(handles.map((h) => h.driver)).toEqual(["postgres", "postgres", "postgres"]);
    const { db } = handles[0] as (typeof handles)[0];
    expect(await tables(db)).toEqual(expected);
    const applied = await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect([...(applied as unknown as { n: number }[])][0]?.n).toBe(await migrationCount());
    await Promise.all(handles.map((h) => h.close()));
  });
});

describe("createDb on PGlite", () => {
  let dataDir: string;
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("keeps its data under DATA_DIR across restarts", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-db-"));
    const first = await createDb({ databaseUrl: undefined, dataDir, poolMax: 1 });
    expect(first.driver).toBe("pglite");
    expect(await tables(first.db)).toEqual(expected);
    await first.db.insert(schema.users).values({ username: "persisted", usernameKey: "persisted", passwordHash: "x" });
    await first.close();

    const second = await createDb({ databaseUrl: undefined, dataDir, poolMax: 1 });
    const users = await second.db.select().from(schema.users);
    expect(users.map((u) => u.username)).toEqual(["persisted"]);
    await second.close();
  });

  it("enforces unique username keys and gap-free sequence uniqueness in the schema itself", async () => {
    const handle = await createDb({ databaseUrl: "memory://", dataDir: "", poolMax: 1 });
    const user = (username: string) => ({ username, usernameKey: foldName(username), passwordHash: "x" });
    await handle.db.insert(schema.users).values(user("Ann"));
    await expect(handle.db.insert(schema.users).values(user("aNN"))).rejects.toThrow();
    const [room] = await handle.db.insert(schema.rooms).values({ name: "r", nameKey: "r" }).returning();
    const roomId = room?.id ?? 0;
    await handle.db.insert(schema.messages).values({ roomId, kind: "system", body: "a", seq: 1 });
    await expect(
      handle.db.insert(schema.messages).values({ roomId, kind: "system", body: "b", seq: 1 }),
    ).rejects.toThrow();
    await expect(
      handle.db.insert(schema.rooms).values({ kind: "direct", name: null, directKey: "1:2", isPrivate: false }),
    ).rejects.toThrow();
    await handle.close();
  });
});

describe("the read-state migration", () => {
  let folder: string;
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("starts existing memberships with their room read, not with all of its history unread", async () => {
    // The migrations up to 0000 only: the database as it was before read state existed.
    folder = await mkdtemp(path.join(tmpdir(), "parley-migrations-"));
    const journal = JSON.parse(await readFile(path.join(migrationsFolder, "meta/_journal.json"), "utf8"));
    await mkdir(path.join(folder, "meta"));
    await writeFile(
      path.join(folder, "meta/_journal.json"),
      JSON.stringify({ ...journal, entries: [journal.entries[0]] }),
    );
    await copyFile(path.join(migrationsFolder, "0000_init.sql"), path.join(folder, "0000_init.sql"));

    const client = await PGlite.create();
    const db = drizzle(client);
    await migrate(db, { migrationsFolder: folder });
    await db.execute(sql`insert into users (username, password_hash) values ('ann', 'x')`);
    await db.execute(sql`insert into rooms (name, last_seq) values ('busy', 7), ('quiet', 0)`);
    await db.execute(sql`insert into room_members (room_id, user_id) select id, 1 from rooms`);

    await migrate(db, { migrationsFolder });
    const rows = await db.execute<{ name: string; last_read_seq: string }>(
      sql`select name, last_read_seq from room_members join rooms on rooms.id = room_id order by name`,
    );
    expect(rows.rows.map((r) => [r.name, Number(r.last_read_seq)])).toEqual([
      ["busy", 7],
      ["quiet", 0],
    ]);
    await client.close();
  });
});

describe("the name-keys migration", () => {
  let folder: string;
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("keys existing names, keeps names that now fold alike apart, and takes no user's room named Lobby for the built-in lobby", async () => {
    // The migrations up to 0002: the database as it was before name keys existed.
    folder = await mkdtemp(path.join(tmpdir(), "parley-migrations-"));
    const journal = JSON.parse(await readFile(path.join(migrationsFolder, "meta/_journal.json"), "utf8"));
    await mkdir(path.join(folder, "meta"));
    const before = journal.entries.slice(0, 3) as { tag: string }[];
    await writeFile(path.join(folder, "meta/_journal.json"), JSON.stringify({ ...journal, entries: before }));
    for (const { tag } of before)
      await copyFile(path.join(migrationsFolder, `${tag}.sql`), path.join(folder, `${tag}.sql`));

    const client = await PGlite.create();
    const db = drizzle(client);
    await migrate(db, { migrationsFolder: folder });
    // Two names that lower() told apart and NFKC does not: full-width letters, a decomposed accent.
    await db.execute(
      sql`insert into users (username, email, password_hash) values ('Ann', 'Ann@Example.org', 'x'), ('ａｎｎ', 'ａｎｎ@example.org', 'x')`,
    );
    // A user's private room that today's name lookup would take for the lobby; a public room; and
    // one room twice, composed and decomposed.
    await db.execute(
      sql`insert into rooms (name, is_private) values ('Lobby', true), ('Straße', false), ('café', false), (${"cafe\u0301"}, false)`,
    );

    await migrate(db, { migrationsFolder });
    const users = await db.execute<{ username: string; username_key: string; email_key: string | null }>(
      sql`select username, username_key, email_key from users order by id`,
    );
    expect(users.rows).toEqual([
      { username: "Ann", username_key: "ann", email_key: "ann@example.org" },
      { username: "ａｎｎ_2", username_key: "ann_2", email_key: null },
    ]);
    const rooms = await db.execute<{ name: string; name_key: string; builtin: string | null }>(
      sql`select name, name_key, builtin from rooms order by id`,
    );
    expect(rooms.rows).toEqual([
      { name: "Lobby", name_key: "lobby", builtin: null },
      { name: "Straße", name_key: "straße", builtin: null }, // SQL's approximation: ß stays (see fold.ts)
      { name: "café", name_key: "café", builtin: null },
      { name: "cafe\u0301 4", name_key: "café 4", builtin: null },
    ]);
    expect(foldName("ａｎｎ_2")).toBe("ann_2"); // the renamed user logs in by the name shown
    await client.close();
  });
});
