import { freePort } from "@parley/realtime/testing";
import { sql } from "drizzle-orm";
import type { ParleySystem } from "../systems/parley";
import { startPinned } from "../systems/pinned-process";
import { realtimeBundle } from "../systems/realtime-bundle";
import { httpClient } from "./http-client";
import { rowsOf, withDb } from "./room-fill";

/** A realtime instance whose database sessions log what the bench asked for, and a way to read that log. */
export interface LoggingInstance {
  /** A keep-alive HTTP client to the instance (one request at a time). */
  http: ReturnType<typeof httpClient>;
  /** Runs `work` and answers what the server logged meanwhile (every database's lines: filter them). */
  capture(work: () => Promise<void>): Promise<string>;
}

/**
 * Runs `work` against a third realtime instance of `parley` whose database sessions run with
 * `settings` (for example `log_statement = 'all'`, or auto_explain's): the settings are set on the
 * bench's database only (`ALTER DATABASE … SET`, reset afterwards), and the instance is started
 * after them so that its connections open under them (the run's two instances keep theirs). What
 * the server logs is read back with `pg_read_file` (the bench connects as a superuser) from
 * `pg_current_logfile()`, or Debian's `/var/log/postgresql/postgresql-<cluster>.log` when the
 * logging collector is off, or `BENCH_PG_LOG`. Throws before changing anything when that log
 * can't be read.
 */
export async function withLoggingInstance<T>(
  parley: ParleySystem,
  settings: Record<string, string>,
  work: (instance: LoggingInstance) => Promise<T>,
): Promise<T> {
  const dbName = databaseName(parley);
  const port = await freePort();
  return withDb(parley.database.url, async (db) => {
    const [where] = await rowsOf<{ file: string | null; cluster: string; dir: string }>(
      db,
      sql`select pg_current_logfile() as file, current_setting('cluster_name') as cluster,
                 current_setting('data_directory') as dir`,
    );
    const logFile =
      process.env.BENCH_PG_LOG ??
      (where?.file
        ? where.file.startsWith("/")
          ? where.file
          : `${where.dir}/${where.file}`
        : `/var/log/postgresql/postgresql-${(where?.cluster ?? "").replace("/", "-")}.log`);
    const size = async () =>
      Number(
        (await rowsOf<{ size: string | number }>(db, sql`select (pg_stat_file(${logFile})).size as size`))[0]?.size,
      );
    await size(); // fails here, before anything is changed, when the log can't be read
    const database = sql.identifier(dbName);
    for (const [name, value] of Object.entries(settings))
      await db.execute(sql`alter database ${database} set ${setting(name)} = ${sql.raw(literal(value))}`);
    const instance = await startPinned({
      name: "parley-realtime-logging",
      entry: await realtimeBundle(),
      env: { ...parley.env, REALTIME_PORT: String(port) },
      port,
    });
    const http = httpClient(instance.url, 1);
    try {
      return await work({
        http,
        async capture(run) {
          const from = await size();
          await run();
          const to = await size();
          const [text] = await rowsOf<{ text: string }>(
            db,
            sql`select pg_read_file(${logFile}, ${from}::bigint, ${to - from}::bigint) as text`,
          );
          return text?.text ?? "";
        },
      });
    } finally {
      http.close();
      await instance.stop();
      for (const name of Object.keys(settings))
        await db.execute(sql`alter database ${database} reset ${setting(name)}`);
    }
  });
}

/** The bench database's name, as the server log's `user@database` prefix shows it. */
export const databaseName = (parley: ParleySystem) =>
  decodeURIComponent(new URL(parley.database.url).pathname.slice(1));

/** A setting's name as identifiers (`auto_explain.log_analyze` is two). */
const setting = (name: string) =>
  sql.join(
    name.split(".").map((part) => sql.identifier(part)),
    sql`.`,
  );

/**
 * A setting's value as a quoted SQL literal. `ALTER DATABASE … SET` takes no bind parameters; the
 * values are the bench's own constants, and quotes are doubled all the same.
 */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * The log's messages from `database` (the Debian prefix `%m [%p] %q%u@%d `), each with its
 * continuation lines (those that start with a tab, as multi-line messages such as plans do).
 */
export function logMessagesOf(log: string, database: string): string[] {
  const start = new RegExp(`^\\S+ \\S+ \\S+ \\[\\d+\\] \\S*@${escapeRegExp(database)} `);
  const messages: string[] = [];
  let current: string[] | null = null;
  for (const line of log.split("\n")) {
    if (current && line.startsWith("\t")) {
      current.push(line);
      continue;
    }
    if (current) messages.push(current.join("\n"));
    current = start.test(line) ? [line] : null;
  }
  if (current) messages.push(current.join("\n"));
  return messages;
}

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
