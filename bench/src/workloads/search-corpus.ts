import type { Database } from "@parley/db";
import { type SQL, sql } from "drizzle-orm";
import { rowsOf } from "./room-fill";

/** The sizes of the search corpus (see `seedSearchCorpus`). */
export interface CorpusOptions {
  messages: number;
  /** Rooms (kind 'room'); about one in ten is private. */
  rooms: number;
  /** Direct conversations between other users (besides the measuring user's own). */
  directs: number;
  /** Users besides the measuring user; every room has `ROOM_MEMBERS` of them. */
  users: number;
  /** Rooms the measuring user is a member of, picked by a hash across the rooms' activity. */
  memberRooms: number;
  /** The measuring user's direct conversations. */
  memberDirects: number;
  /** Rooms of a second, light user (and no direct conversation): someone new, in a few rooms. */
  lightRooms: number;
}

/** What `seedSearchCorpus` stored, and what the measuring user may read of it. */
export interface Corpus extends CorpusOptions {
  vocabulary: number;
  wordsPerMessage: [number, number];
  /** Messages in the rooms and direct conversations the measuring user is a member of. */
  visibleMessages: number;
  /** The same for the light user. */
  lightVisibleMessages: number;
  seedMs: number;
  /** `VACUUM ANALYZE` afterwards (the GIN index's pending list merged, statistics gathered). */
  vacuumMs: number;
  tableBytes: number;
  searchIndexBytes: number;
}

/** Distinct words; their ranks follow Zipf's law (see `zipfRank`). */
export const VOCABULARY = 8000;
/** Each message has between these many words (uniformly), then perhaps one of the `PHRASES`. */
export const WORDS_PER_MESSAGE: [number, number] = [5, 25];
/** Members of each room, besides the measuring user where it is one. */
export const ROOM_MEMBERS = 20;
/** Share of messages said in direct conversations (the rest in rooms). */
const DIRECT_SHARE = 0.05;
/**
 * Collocations: phrase j is the words of ranks `PHRASE_BASE_RANK + 2j` and `+ 2j + 1` in that
 * order; a message ends with one of them, picked uniformly, with `PHRASE_SHARE` probability. Each
 * word is then in about 0.9% of messages, and each phrase in about 0.1%.
 */
export const PHRASES = 50;
export const PHRASE_BASE_RANK = 200;
const PHRASE_SHARE = 0.05;

/**
 * Syllables of the made-up vocabulary: word `rank` is `rank` written in bijective base 24 with
 * these as digits (ranks 1–24 one syllable, up to 600 two, up to 14,424 three), so frequent words
 * are short as in natural languages, every word is distinct, and all are plain ASCII words to
 * PostgreSQL's parser.
 */
const SYLLABLES = "ba de fi go ku la me ni po ru sa te vi zo ka le mi no pu ra se ti vo za".split(" ");

/** The word of a vocabulary rank (1-based), as the seeding SQL makes it. */
export function wordOf(rank: number): string {
  const s = (i: number) => SYLLABLES[i] ?? "";
  const n = SYLLABLES.length;
  if (rank <= n) return s(rank - 1);
  if (rank <= n + n * n) return s(Math.floor((rank - n - 1) / n)) + s((rank - n - 1) % n);
  const r = rank - n - n * n - 1;
  return s(Math.floor(r / (n * n))) + s(Math.floor(r / n) % n) + s(r % n);
}

/** Phrase `j` (0-based), as typed in quotes. */
export const phraseOf = (j: number) => `${wordOf(PHRASE_BASE_RANK + 2 * j)} ${wordOf(PHRASE_BASE_RANK + 2 * j + 1)}`;

/**
 * The chance that a message of `WORDS_PER_MESSAGE` words holds the word of `rank` at least once,
 * before phrases are added: Zipf with exponent 1 as `zipfRank` draws it, P(rank) = ln((r+1)/r) /
 * ln(V+1).
 */
export function expectedShare(rank: number): number {
  const p = Math.log((rank + 1) / rank) / Math.log(VOCABULARY + 1);
  const [lo, hi] = WORDS_PER_MESSAGE;
  let sum = 0;
  for (let n = lo; n <= hi; n++) sum += 1 - (1 - p) ** n;
  return sum / (hi - lo + 1);
}

/** The word of `rank` in SQL (`s` is the syllables' text[] in scope). */
function wordSql(rank: SQL): SQL {
  const n = SYLLABLES.length;
  return sql`(case when ${rank} <= ${n}::int then s[${rank}]
    when ${rank} <= ${n + n * n}::int then s[1 + (${rank} - ${n + 1}::int) / ${n}::int] || s[1 + (${rank} - ${n + 1}::int) % ${n}::int]
    else s[1 + (${rank} - ${n + n * n + 1}::int) / ${n * n}::int] || s[1 + ((${rank} - ${n + n * n + 1}::int) / ${n}::int) % ${n}::int]
      || s[1 + (${rank} - ${n + n * n + 1}::int) % ${n}::int] end)`;
}

/**
 * A Zipf-distributed rank in 1..VOCABULARY from a uniform `u` in [0, 1): floor(exp(u · ln(V+1))),
 * the inverse of the continuous 1/x distribution, so P(rank = r) = ln((r+1)/r) / ln(V+1) ≈ 1/(r ·
 * ln V) (Zipf's law with exponent 1; the most frequent word is in about 7.7% of words).
 */
const zipfRank = (u: SQL) => sql`least(${VOCABULARY}::int, floor(exp(${u} * ln(${VOCABULARY + 1}::float8)))::int)`;

/**
 * Seeds the search corpus in a fresh database migrated by Parley, in SQL (one statement per table,
 * `generate_series`; every value a bind parameter), then runs `VACUUM ANALYZE` on the tables:
 *
 * - `users` seed users (they never sign in: their password hash is not one);
 * - `rooms` rooms of `ROOM_MEMBERS` members each, about one in ten private (a hash of its number);
 * - `directs` direct conversations between seed users, and `memberDirects` between `me` and a
 *   seed user each;
 * - `me` a member of the `memberRooms` rooms with the smallest hash of their number (public and
 *   private alike, spread across the rooms' activity); `light` of `lightRooms` rooms by another hash;
 * - `messages` messages: 95% in rooms, room i's share ∝ √(i+1) − √i (a few busy rooms, a long tail:
 *   the busiest has 3%, the quietest 0.02%), 5% in direct conversations uniformly; the author a
 *   member of the room; sent at a steady pace over the last 365 days and inserted in that order
 *   (ids, `created_at` and the table's pages follow time, as in Parley), `seq` in that order per
 *   room (gap-free, `rooms.last_seq` set); the body 5–25 words drawn from the Zipf vocabulary,
 *   and in 5% of messages one of the `PHRASES` at its end.
 *
 * The messages are inserted with `messages_search_idx` in place, as Parley keeps it (PostgreSQL
 * computes `search_vector` in the insert; the GIN index's pending list is merged by the vacuum).
 */
export async function seedSearchCorpus(
  db: Database,
  { me, light }: { me: number; light: number },
  options: CorpusOptions,
): Promise<Corpus> {
  const t0 = performance.now();
  const { users, rooms, directs, memberRooms, memberDirects, lightRooms, messages } = options;
  const allDirects = directs + memberDirects;
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into users (username, username_key, password_hash)
        select 'seed-' || g, 'seed-' || g, 'not a password hash' from generate_series(0, ${users - 1}::int) g`);
    // Users and rooms by their seed number (0-based), for the statements below.
    await tx.execute(sql`
      create temp table seed_users on commit drop as
        select (substr(username_key, 6))::int as ix, id from users where username_key like 'seed-%'`);
    await tx.execute(sql`create unique index on seed_users (ix)`);
    await tx.execute(sql`
      insert into rooms (kind, name, name_key, owner_id, is_private)
        select 'room', 'seed room ' || g, 'seed room ' || g, u.id, hashint4(g + 1) % 10 = 0
        from generate_series(0, ${rooms - 1}::int) g
        join seed_users u on u.ix = (g * 37) % ${users}::int`);
    // Direct conversation j: seed users j and j + 1, or the measuring user and seed user j.
    await tx.execute(sql`
      create temp table seed_pairs on commit drop as
        select j, a.id as a, case when j < ${directs}::int then b.id else ${me}::int end as b
        from generate_series(0, ${allDirects - 1}::int) j
        join seed_users a on a.ix = j % ${users}::int
        join seed_users b on b.ix = (j + 1) % ${users}::int`);
    await tx.execute(sql`
      insert into rooms (kind, direct_key, is_private)
        select 'direct', least(a, b) || ':' || greatest(a, b), true from seed_pairs`);
    // Room ix: rooms 0..rooms-1, then the direct conversations (the measuring user's last).
    await tx.execute(sql`
      create temp table seed_rooms on commit drop as
        select (substr(name_key, 11))::int as ix, id, null::int as a, null::int as b
        from rooms where kind = 'room' and name_key like 'seed room %'
        union all
        select ${rooms}::int + p.j, r.id, p.a, p.b
        from seed_pairs p join rooms r on r.direct_key = least(p.a, p.b) || ':' || greatest(p.a, p.b)`);
    await tx.execute(sql`create unique index on seed_rooms (ix)`);
    await tx.execute(sql`
      insert into room_members (room_id, user_id, role)
        select r.id, u.id, case when k = 0 then 'owner'::member_role else 'member'::member_role end
        from seed_rooms r
        cross join generate_series(0, ${ROOM_MEMBERS - 1}::int) k
        join seed_users u on u.ix = (r.ix * 37 + k * 53) % ${users}::int
        where r.ix < ${rooms}::int
      union all
        select r.id, m.id, 'member'::member_role from seed_rooms r cross join lateral (values (r.a), (r.b)) m(id)
        where r.ix >= ${rooms}::int
      union all
        select r.id, ${me}::int, 'member'::member_role
        from (select id from seed_rooms where ix < ${rooms}::int order by hashint4(ix), ix limit ${memberRooms}::int) r
      union all
        select r.id, ${light}::int, 'member'::member_role
        from (select id from seed_rooms where ix < ${rooms}::int order by hashint4(ix + 7919), ix limit ${lightRooms}::int) r`);
    const syllables = SYLLABLES.join(" ");
    await tx.execute(sql`
      insert into messages (room_id, author_id, kind, body, seq, created_at)
      select r.id,
        case when m.room_ix >= ${rooms}::int then case when m.u_author < 0.5 then r.a else r.b end else au.id end,
        'text',
        (select string_agg(${wordSql(sql`rank`)}, ' ')
           from (select ${zipfRank(sql`random()`)} as rank
                 from generate_series(1, ${WORDS_PER_MESSAGE[0]}::int + m.n_extra) k) words)
        || case when m.u_phrase < ${PHRASE_SHARE}::float8
             then ' ' || ${wordSql(sql`(${PHRASE_BASE_RANK}::int + 2 * m.phrase)`)} || ' ' || ${wordSql(sql`(${PHRASE_BASE_RANK + 1}::int + 2 * m.phrase)`)}
             else '' end,
        m.seq, m.created_at
      from (
        select d.*, row_number() over (partition by room_ix order by g) as seq
        from (
          select g,
            case when u_room_kind < ${DIRECT_SHARE}::float8
                 then ${rooms}::int + least(${allDirects - 1}::int, floor(u_room * ${allDirects}::int)::int)
                 else least(${rooms - 1}::int, floor(${rooms}::int * u_room ^ 2)::int) end as room_ix,
            now() - interval '365 days' * (1 - (g - random()) / ${messages}::int) as created_at,
            floor(random() * ${WORDS_PER_MESSAGE[1] - WORDS_PER_MESSAGE[0] + 1}::int)::int as n_extra,
            random() as u_author, floor(random() * ${ROOM_MEMBERS}::int)::int as member_k,
            random() as u_phrase, floor(random() * ${PHRASES}::int)::int as phrase
          from (select g, random() as u_room_kind, random() as u_room from generate_series(1, ${messages}::int) g) draws
        ) d
      ) m
      join seed_rooms r on r.ix = m.room_ix
      left join seed_users au on au.ix = (m.room_ix * 37 + m.member_k * 53) % ${users}::int
      cross join (select string_to_array(${syllables}::text, ' ') as s) syllables
      -- Stored in the order they were sent, as Parley stores them: ids and the table follow time.
      order by m.g`);
    await tx.execute(sql`
      update rooms set last_seq = m.last from (select room_id, max(seq) as last from messages group by room_id) m
      where rooms.id = m.room_id`);
    await tx.execute(
      sql`update room_members set last_read_seq = rooms.last_seq from rooms where rooms.id = room_members.room_id`,
    );
  });
  const seedMs = Math.round(performance.now() - t0);
  const t1 = performance.now();
  await db.execute(sql`vacuum analyze messages`);
  await db.execute(sql`vacuum analyze room_members`);
  await db.execute(sql`vacuum analyze rooms`);
  await db.execute(sql`vacuum analyze users`);
  const vacuumMs = Math.round(performance.now() - t1);
  const readable = (user: number) =>
    sql`(select count(*)::int from messages m join room_members rm on rm.room_id = m.room_id and rm.user_id = ${user}::int)`;
  const [sizes] = await rowsOf<{ visible: number; light: number; table: string | number; index: string | number }>(
    db,
    sql`select ${readable(me)} as visible, ${readable(light)} as light,
               pg_relation_size('messages') as table, pg_relation_size('messages_search_idx') as index`,
  );
  return {
    ...options,
    vocabulary: VOCABULARY,
    wordsPerMessage: WORDS_PER_MESSAGE,
    visibleMessages: sizes?.visible ?? 0,
    lightVisibleMessages: sizes?.light ?? 0,
    seedMs,
    vacuumMs,
    tableBytes: Number(sizes?.table ?? 0),
    searchIndexBytes: Number(sizes?.index ?? 0),
  };
}
