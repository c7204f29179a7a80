import { authenticate, CLIENT_ADDRESS_HEADER } from "@parley/api";
import { AppError, readableIssues } from "@parley/api/errors";
import { LoginInput, RegisterInput } from "@parley/api/schemas";
import { auth } from "@parley/api/services";
import type { AuthOptions, User } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { ZodError } from "zod";
import { SIGN_IN_PATH } from "./paths";
import { processRuntime } from "./runtime";

/**
 * A domain error, from this bundle's copy of @parley/api or the server's (the shared runtime's
 * rate limits throw the server's): known by name, since `instanceof` tells the copies apart.
 */
const isAppError = (error: unknown): error is AppError =>
  error instanceof AppError || (error instanceof Error && error.name === "AppError");

/** Why a sign-in failed, in words for the form; the browser receives it as next-auth's `error`. */
function signInError(error: unknown): Error {
  if (isAppError(error)) return new Error(error.message);
  if (error instanceof ZodError) return new Error(readableIssues(error));
  return error instanceof Error ? error : new Error(String(error));
}

const credentials = Credentials({
  name: "Parley account",
  credentials: {
    mode: { type: "text" },
    login: { label: "Username", type: "text" },
    username: { type: "text" },
    email: { type: "email" },
    password: { label: "Password", type: "password" },
    invite: { type: "text" },
  },
  /** Signs in (`mode=signin`) or creates the account (`mode=signup`) through Parley's auth service. */
  async authorize(input, req): Promise<User> {
    const { deps, log } = await processRuntime();
    // Set by server.ts on every request, over anything the client sent.
    const address = req.headers?.[CLIENT_ADDRESS_HEADER];
    const client = { address: typeof address === "string" && address ? address : null };
    try {
      const session =
        input?.mode === "signup"
          ? await auth.register(
              deps,
              RegisterInput.parse({
                username: input.username,
                email: input.email || undefined,
                password: input.password,
                invite: input.invite || undefined,
              }),
              client,
            )
          : await auth.login(deps, LoginInput.parse({ login: input?.login, password: input?.password }), client);
      return { id: String(session.user.id), name: session.user.username, apiToken: session.token };
    } catch (error) {
      if (!(isAppError(error) || error instanceof ZodError)) log.error({ err: error }, "sign-in failed");
      throw signInError(error);
    }
  },
});

/**
 * next-auth over Parley's own accounts. The session is a JWT cookie holding the API token; every
 * time it is read, the API token is checked (signature, expiry and the revocation list), so a
 * session cookie stops working the moment its token is revoked, on any process.
 */
export async function authOptions(): Promise<AuthOptions> {
  const { deps, log } = await processRuntime();
  return {
    providers: [credentials],
    session: { strategy: "jwt", maxAge: deps.auth.tokenTtlSeconds },
    pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
    callbacks: {
      async jwt({ token, user }) {
        const signedIn = user ? { ...token, apiToken: user.apiToken, userId: Number(user.id) } : token;
        // Throwing ends the session: next-auth clears the cookie. The role and a forced password
        // change are read with the token, so that an administrator's change shows at the next page.
        const actor = await authenticate(deps, signedIn.apiToken);
        return {
          ...signedIn,
          username: actor.username,
          role: actor.role,
          mustChangePassword: actor.mustChangePassword === true,
        };
      },
      session({ session, token }) {
        return {
          expires: session.expires,
          apiToken: token.apiToken,
          user: {
            id: token.userId,
            username: token.username,
            role: token.role ?? "member",
            mustChangePassword: token.mustChangePassword === true,
          },
        };
      },
    },
    events: {
      /** Signing out revokes the API token too, everywhere: its sockets close, its cookie stops working. */
      async signOut({ token }) {
        const actor = await authenticate(deps, token.apiToken).catch(() => null);
        if (actor) await auth.logout(deps, actor);
      },
    },
    logger: {
      error(code, metadata) {
        // An ended session read once more is expected, not a fault.
        if (code === "JWT_SESSION_ERROR") log.debug({ code }, "a session whose token has ended was refused");
        else log.error({ code, metadata }, "next-auth error");
      },
      warn(code) {
        log.warn({ code }, "next-auth warning");
      },
      debug(code, metadata) {
        log.debug({ code, metadata }, "next-auth");
      },
    },
  };
}
