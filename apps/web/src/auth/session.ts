import { getServerSession, type Session } from "next-auth";
import { authOptions } from "./options";

/** The signed-in person's session in a server component or route, or null (revoked tokens included). */
export async function currentSession(): Promise<Session | null> {
  return getServerSession(await authOptions());
}
