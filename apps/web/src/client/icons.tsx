import type { IconSet } from "@parley/ui";
import { ArrowDown, Hash, Lock, Pencil, Pin, PinOff, Reply, SmilePlus, Trash2, X } from "lucide-react";

/** The drawings behind @parley/ui's icons (lucide-react); the app's own icons import lucide directly. */
export const parleyIcons: IconSet = {
  react: SmilePlus,
  reply: Reply,
  edit: Pencil,
  pin: Pin,
  unpin: PinOff,
  delete: Trash2,
  close: X,
  privateRoom: Lock,
  room: Hash,
  jumpToLatest: ArrowDown,
};
