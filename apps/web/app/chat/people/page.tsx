import type { Metadata } from "next";
import { People } from "@/client/people";

export const metadata: Metadata = { title: "People" };

export default function PeoplePage() {
  return <People />;
}
