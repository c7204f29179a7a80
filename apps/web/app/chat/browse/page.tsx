import type { Metadata } from "next";
import { BrowseRooms } from "@/client/browse-rooms";

export const metadata: Metadata = { title: "Browse rooms" };

export default function BrowsePage() {
  return <BrowseRooms />;
}
