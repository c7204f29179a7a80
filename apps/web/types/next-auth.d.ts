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
    user: {
      id: number;
      username: string;
      /** "admin": the user menu links to the administration. */
      role: "member" | "admin";
      /** An administrator reset the password: the app shows nothing but "choose a new password". */
      mustChangePassword: boolean;
    };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    apiToken: string;
    userId: number;
    username: string;
    role?: "member" | "admin";
    mustChangePassword?: boolean;
  }
}
