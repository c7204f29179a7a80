import { expect, test } from "vitest";
import { assignRooms } from "../src/workloads/people";

test.each([
  [20, 10, 2],
  [250, 50, 5],
  [1000, 50, 5],
  [2000, 50, 5],
  [4000, 50, 5],
  [1030, 50, 5],
])(
  "%i people in rooms of %i, %i rooms each: one room per layer each, rooms full, layers mixed",
  (people, size, each) => {
    const rooms = assignRooms(people, size, each);
    const perLayer = Math.ceil(people / size);
    const members = new Map<number, number>();
    for (const mine of rooms) {
      expect(new Set(mine).size).toBe(each);
      for (const [k, room] of mine.entries()) {
        expect(Math.floor(room / perLayer), "a person's k-th room is in layer k").toBe(k);
        members.set(room, (members.get(room) ?? 0) + 1);
      }
    }
    expect(members.size).toBe(perLayer * each);
    for (const [room, count] of members) {
      const lastOfLayer = room % perLayer === perLayer - 1;
      if (lastOfLayer) expect(count).toBeLessThanOrEqual(size);
      else expect(count, `room ${room}`).toBe(size);
    }
    // Layers mix: two people sharing their first room rarely share their second.
    if (each > 1) {
      const firstMates = rooms.filter((r) => r[0] === rooms[0]?.[0]);
      const sameSecond = firstMates.filter((r) => r[1] === rooms[0]?.[1]).length;
      expect(sameSecond).toBeLessThan(firstMates.length);
    }
  },
);
