import { z } from "zod";

/**
 * An optional setting, where an empty value (`FOO=` in a shell or a compose file) means unset, as
 * it does for a person reading the configuration.
 */
export const optionalSetting = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^(postgres|postgresql|memory):\/\//.test(v), {
    message:
      "DATABASE_URL must be a postgres:// or postgresql:// URL (or memory:// for a throw-away embedded database)",
  });

export const DbEnv = z.object({
  /** PostgreSQL to connect to. Unset: embedded PGlite persisted under DATA_DIR. */
  DATABASE_URL: optionalSetting(postgresUrl),
  /** Where the embedded database (and the development JWT secret) live. */
  DATA_DIR: z.string().trim().min(1).default("./.data"),
  /** Connections per process in the PostgreSQL pool. */
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
});
export type DbEnv = z.infer<typeof DbEnv>;

export interface DbConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  poolMax: number;
}

export function dbConfigFrom(env: DbEnv): DbConfig {
  return { databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, poolMax: env.DB_POOL_MAX };
}
