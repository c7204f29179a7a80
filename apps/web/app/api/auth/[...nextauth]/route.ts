import NextAuth from "next-auth";
import { authOptions } from "@/auth/options";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

async function handler(req: Request, context: RouteContext) {
  return NextAuth(req as never, context as never, await authOptions());
}

export { handler as GET, handler as POST };
