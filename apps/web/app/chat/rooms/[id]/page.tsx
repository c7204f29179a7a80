import { notFound } from "next/navigation";
import { RoomView } from "@/client/room-view";

/** `/chat/rooms/<id>`, or `/chat/rooms/<id>?at=<seq>`: opened at the message with that sequence number (a search result). */
export default async function RoomPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ at?: string | string[] }>;
}) {
  const { id } = await params;
  const roomId = Number(id);
  if (!Number.isSafeInteger(roomId) || roomId <= 0) notFound();
  const { at: atParam } = await searchParams;
  const atNumber = typeof atParam === "string" && /^[1-9]\d{0,15}$/.test(atParam) ? Number(atParam) : undefined;
  const at = atNumber !== undefined && Number.isSafeInteger(atNumber) ? atNumber : undefined;
  // Keyed by room and place: moving to another conversation, or to another found message, starts its timeline afresh.
  return <RoomView key={`${roomId}@${at ?? "newest"}`} roomId={roomId} at={at} />;
}
