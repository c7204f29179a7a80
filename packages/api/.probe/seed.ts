import { createTestDatabase } from "@parley/db/testing";
import postgres from "postgres";

const N = Number(process.env.N ?? 1_000_000);
const database = await createTestDatabase("postgres");
const client = postgres(database.url, { max: 1, onnotice: () => {} });
const t0 = Date.now();
await client`insert into users (username, username_key, password_hash) values ('bulk','bulk','x'), ('me','me','x')`;
await client`insert into rooms (name, name_key, owner_id) select 'r'||g, 'r'||g, 1 from generate_series(1,1000) g`;
await client`insert into room_members (room_id, user_id) select g, 2 from generate_series(1,1000,20) g`; // 50 rooms
await client.unsafe(`
  insert into messages (room_id, author_id, kind, body, seq, created_at)
  select 1 + (g % 1000), 1, 'text',
    (select string_agg('w' || floor(pow(random(), 3) * 20000)::int, ' ') from generate_series(1, 8 + (g % 5)) k where g > 0),
    g / 1000 + 1, now() - make_interval(secs => ${N} - g)
  from generate_series(1, ${N}) g`);
await client`update rooms set last_seq = ${N / 1000 + 1}`;
await client`vacuum analyze messages`;
console.log(database.url, "seeded in", Date.now() - t0, "ms");
await client.end();
