import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { currentSession } from "@/auth/session";
import { AdminPage } from "@/client/admin-page";

export const metadata: Metadata = { title: "Administration" };

/** The administration: administrators only; anyone else gets the page that does not exist. */
export default async function AdministrationPage() {
  const session = await currentSession();
  if (session?.user.role !== "admin") notFound();
  return <AdminPage />;
}
