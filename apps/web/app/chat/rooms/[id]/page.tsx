import { notFound } from "next/navigation";
import { RoomView } from "@/client/room-view";

export default async function RoomPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const roomId = Number(id);
  if (!Number.isSafeInteger(roomId) || roomId <= 0) notFound();
  // Keyed by room: moving to another conversation starts its timeline afresh.
  return <RoomView key={roomId} roomId={roomId} />;
}
