import type { ParleySystem } from "../systems/parley";
import { databaseName, escapeRegExp, withLoggingInstance } from "./server-log";

/** The statements one request runs, as PostgreSQL logged them. */
export interface StatementCount {
  /** Statements per request, averaged over `requests`. */
  perRequest: number;
  requests: number;
  /** Each distinct statement (its column list elided, first 200 characters) and how often per request. */
  statements: { sql: string; perRequest: number }[];
}

/** A request to count: `body(i)` gives the i-th request's body (POST), each a change of its own. */
export interface Probe {
  method: "GET" | "POST";
  path: string;
  body?: (i: number) => string;
}

/**
 * Counts the SQL statements that a request costs, as PostgreSQL itself logs them:
 * `log_statement=all` set on the bench's database only (`ALTER DATABASE … SET`, reset
 * afterwards), a third realtime instance started so that its connections open under that setting
 * (the run's two instances keep theirs, which do not log), 3 warm-up requests (caches filled),
 * then `requests` requests whose log lines (`statement:` and `execute …:` under the database's
 * name) are read back from the server's log with `pg_read_file` (the bench connects as a
 * superuser). The log is `pg_current_logfile()`, or Debian's
 * `/var/log/postgresql/postgresql-<cluster>.log` when the logging collector is off, or
 * `BENCH_PG_LOG`. Each probe is counted in turn, over tRPC HTTP with the user's token. Throws
 * when the log can't be read.
 */
export async function countStatements(
  parley: ParleySystem,
  token: string,
  probes: Probe[],
  requests = 10,
): Promise<StatementCount[]> {
  const dbName = databaseName(parley);
  return withLoggingInstance(parley, { log_statement: "all" }, async ({ http, capture }) => {
    const counts: StatementCount[] = [];
    for (const probe of probes) {
      const call = (i: number) => http.call(probe.method, probe.path, probe.body?.(i) ?? null, token);
      for (let i = 0; i < 3; i++) await call(i);
      const log = await capture(async () => {
        for (let i = 3; i < 3 + requests; i++) await call(i);
      });
      counts.push(statementsIn(log, dbName, requests));
    }
    return counts;
  });
}

/** The logged statements of `database` in a slice of the server log, per request. */
function statementsIn(log: string, database: string, requests: number): StatementCount {
  const marker = new RegExp(`@${escapeRegExp(database)} LOG:\\s+(?:statement|execute [^:]*):\\s*(.*)$`);
  const byText = new Map<string, number>();
  let total = 0;
  for (const line of log.split("\n")) {
    const text = marker.exec(line)?.[1];
    if (text === undefined) continue;
    total++;
    // The column list says little; what is read, from where and how does.
    const key = text
      .replace(/\s+/g, " ")
      .replace(/^select (?!.*\bfrom\b.*\bselect\b).*? from /i, "select … from ")
      .slice(0, 200);
    byText.set(key, (byText.get(key) ?? 0) + 1);
  }
  const per = (n: number) => Math.round((n / requests) * 100) / 100;
  return {
    perRequest: per(total),
    requests,
    statements: [...byText].map(([text, n]) => ({ sql: text, perRequest: per(n) })),
  };
}
