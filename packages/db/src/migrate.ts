import { createDb } from "./client";
import { DbEnv, dbConfigFrom } from "./env";

/**
 * Brings the database named by DATABASE_URL (or the embedded one under DATA_DIR) up to date, then
 * exits: the one-shot migration step of a deployment (`npm run db:migrate`). The processes would
 * migrate on start too (under an advisory lock); this step makes a failed migration stop the
 * deployment before any of them starts.
 */
const parsed = DbEnv.safeParse(process.env);
if (!parsed.success) {
  console.error(
    `Invalid configuration:\n${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n")}`,
  );
  process.exit(2);
}
const started = Date.now();
try {
  const db = await createDb(dbConfigFrom(parsed.data));
  await db.close();
  console.log(JSON.stringify({ msg: "migrated", driver: db.driver, ms: Date.now() - started }));
} catch (error) {
  console.error("migration failed:", error instanceof Error ? error.message : error);
  process.exit(1);
}
