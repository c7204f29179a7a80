import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface User {
    /** The Parley API token that signing in produced. */
    apiToken: string;
  }
  interface Session {
    /** The browser passes it to the realtime server in `connectionParams`. */
    apiToken: string;
    user: { id: number; username: string };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    apiToken: string;
    userId: number;
    username: string;
  }
}
