import { hash, verify } from "@node-rs/argon2";

/** OWASP's argon2id recommendation: 19 MiB, two passes, one lane. Runs on libuv's thread pool. */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => hash(password, ARGON2_OPTIONS);

/**
 * Whether `password` matches `passwordHash`. An account without a password (a bot, a deleted
 * account) matches nothing, after the time a real check would take.
 */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    await spendPasswordCheck(password);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

let dummyHash: Promise<string> | undefined;
/** Spends the time a real check would, so that a response does not reveal whether a user exists. */
export async function spendPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword("parley: no such user");
  await verifyPassword(await dummyHash, password);
}
