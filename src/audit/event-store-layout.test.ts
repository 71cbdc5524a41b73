/**
 * The event store's group rows against the layouts before them: a data dir written with a row per
 * record (the rows built here directly through the KV store, as the earlier code wrote them) is
 * read, looked up, delivered and purged by the current code, next to new group rows.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../storage/index.js';
import { EventStore } from './event-store.js';
import { lookupEvents } from './lookup.js';
import { toCloudTrailRecord, type CloudTrailRecord } from './record.js';
import { ACCOUNT, ROOT_IDENTITY, apiEvent, expectOutboxClearsAcrossReopen } from './testing.js';

const BASE = Date.UTC(2024, 4, 1, 12, 0, 0, 0);
const pad = (ms: number): string => String(ms).padStart(16, '0');
const keyOf = (r: CloudTrailRecord, ms: number): string => `${pad(ms)}/${r.eventID}`;

/** A MemoryBackend counting reads per key prefix. */
class ReadCountingKV extends MemoryBackend {
  gets: string[] = [];
  override async get(key: string): Promise<Buffer | undefined> {
    this.gets.push(key);
    return super.get(key);
  }
}

function rec(ms: number, over: Parameters<typeof apiEvent>[0] = {}) {
  const e = apiEvent({ time: new Date(ms), operation: 'Encrypt', ...over });
  return { ms, r: toCloudTrailRecord(e, ACCOUNT) };
}

/** The index-row prefixes the earlier code put a record under (EventId only for an id without its time). */
function prefixesOf(store: EventStore, r: CloudTrailRecord): string[] {
  return store.attributeValues(r).filter(([a]) => a !== 'EventId').map(([a, v]) => `audit/idx/${a}/${store.tag(a, v)}/`);
}

/**
 * Writes `items` as the layout before group rows did: a row per record under `audit/events/`, and
 * either one pending row with bare event keys (`compacted` false) or the index and outbox rows of a
 * compaction with bare keys and their manifest.
 */
async function writeRowPerRecord(kv: MemoryBackend, store: EventStore, items: readonly { ms: number; r: CloudTrailRecord }[], trail: string, compacted: boolean, gid: string): Promise<void> {
  const keys = items.map(({ r, ms }) => keyOf(r, ms));
  for (const [i, { r }] of items.entries()) await kv.put(`audit/events/${keys[i]}`, Buffer.from(JSON.stringify(r)));
  const rows = new Map<string, number[]>();
  for (const [i, { r }] of items.entries()) {
    for (const p of [...prefixesOf(store, r), `audit/outbox/${trail}/`]) rows.set(p, [...(rows.get(p) ?? []), i]);
  }
  if (!compacted) {
    let text = keys.join('\n') + '\n';
    for (const [p, idxs] of rows) text += '\n' + p + '\t' + idxs.join(',');
    await kv.put(`audit/pending/${pad(items[0]?.ms as number)}/${gid}`, Buffer.from(text));
    return;
  }
  // All in one second here.
  const second = pad((items[0]?.ms as number) - ((items[0]?.ms as number) % 1000));
  const manifest: string[] = [];
  for (const [p, idxs] of rows) {
    const row = `${p}${second}/${gid}`;
    manifest.push(row);
    await kv.put(row, Buffer.from(idxs.map((i) => keys[i]).join('\n')));
  }
  await kv.put(`audit/groups/${second}/${gid}`, Buffer.from(manifest.join('\n')));
}

describe('EventStore over data written with a row per record', () => {
  it('reads, looks up, delivers and purges old rows next to new group rows', async () => {
    const kv = new MemoryBackend();
    const setup = new EventStore(kv);
    await setup.load(); // creates the index key the old rows are tagged with
    // Second 0: compacted old rows; second 1: an old pending row; second 2: new group rows.
    const compactedOld = Array.from({ length: 4 }, (_, i) => rec(BASE + 100 + i * 10));
    const pendingOld = Array.from({ length: 3 }, (_, i) => rec(BASE + 1100 + i * 10, { identity: ROOT_IDENTITY }));
    await writeRowPerRecord(kv, setup, compactedOld, 't1', true, 'oldgroup1');
    await writeRowPerRecord(kv, setup, pendingOld, 't1', false, 'oldgroup2');
    const store = new EventStore(kv);
    await store.load(); // compacts the old pending row (as a restart after the upgrade would)
    expect(await kv.list('audit/pending/')).toEqual([]);
    const fresh = Array.from({ length: 5 }, (_, i) => rec(BASE + 2100 + i * 10));
    await Promise.all(fresh.map(({ r, ms }) => store.append(r, JSON.stringify(r), ms, ['t1'])));
    const all = [...compactedOld, ...pendingOld, ...fresh];
    const newestFirst = all.map(({ r, ms }) => keyOf(r, ms)).reverse();
    const now = new Date(BASE + 60_000);

    // LookupEvents without an attribute (directory rows, pending groups and old record rows), paged.
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await lookupEvents(store, { StartTime: new Date(BASE), EndTime: now, MaxResults: 4, ...(token ? { NextToken: token } : {}) }, now);
      seen.push(...page.Events.map((e) => e.EventId));
      for (const e of page.Events) expect((JSON.parse(e.CloudTrailEvent) as CloudTrailRecord).eventID).toBe(e.EventId);
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual(newestFirst.map((k) => k.slice(17)));
    // By attribute: Username Alice is every record but the root user's.
    const alice = await store.scan({ startMs: 0, endMs: now.getTime(), attribute: { key: 'Username', value: 'Alice' }, limit: 50 });
    expect(alice.keys).toEqual(newestFirst.filter((k) => !pendingOld.some(({ r, ms }) => keyOf(r, ms) === k)));
    const root = await store.scan({ startMs: 0, endMs: now.getTime(), attribute: { key: 'Username', value: 'root' }, limit: 50 });
    expect(root.keys).toEqual(pendingOld.map(({ r, ms }) => keyOf(r, ms)).reverse());
    // By EventId, old and new, from a store that has not read them yet.
    const cold = new EventStore(kv);
    await cold.load();
    for (const { r, ms } of [compactedOld[1], pendingOld[2], fresh[3]] as { r: CloudTrailRecord; ms: number }[]) {
      const byId = await cold.scan({ startMs: 0, endMs: now.getTime(), attribute: { key: 'EventId', value: r.eventID }, limit: 50 });
      expect(byId.keys).toEqual([keyOf(r, ms)]);
      expect(await cold.getJson(keyOf(r, ms))).toBe(JSON.stringify(r));
    }

    // Delivery: the outbox holds every record once, old and new; clearing empties it.
    const out = await store.outbox('t1');
    expect(out).toEqual([...newestFirst].reverse());
    for (const k of out) expect(await store.getJson(k)).toBeDefined();
    await expectOutboxClearsAcrossReopen(kv, store, 't1', out, 6);

    // Purge: everything is past a one-day retention two days later.
    const purger = new EventStore(kv, { retentionDays: 1 });
    await purger.load();
    expect(await purger.purge(new Date(BASE + 2 * 86_400_000))).toBe(all.length);
    expect(await kv.list('audit/')).toEqual(['audit/meta/index-key']);
  });

  it('purges the per-record index rows of the oldest layout with their records', async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv, { retentionDays: 1 });
    await store.load();
    const { r, ms } = rec(BASE + 5);
    const legacyId = '6f1b3c2e-8d4a-4f5b-9c3d-2e1f0a9b8c7d'; // not time-carrying: it had an EventId row too
    const lr = { ...r, eventID: legacyId };
    const k = keyOf(lr, ms);
    await kv.batch([
      { op: 'put', key: `audit/events/${k}`, value: Buffer.from(JSON.stringify(lr)) },
      { op: 'put', key: `audit/outbox/t1/${k}`, value: Buffer.alloc(0) },
      ...store.attributeValues(lr).map(([a, v]) => ({ op: 'put' as const, key: `audit/idx/${a}/${store.tag(a, v)}/${k}`, value: Buffer.alloc(0) })),
    ]);
    const now = new Date(BASE + 1000);
    expect((await lookupEvents(store, { LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: legacyId }] }, now)).Events.map((e) => e.EventId)).toEqual([legacyId]);
    expect((await lookupEvents(store, {}, now)).Events.map((e) => e.EventId)).toEqual([legacyId]);
    expect(await store.outbox('t1')).toEqual([k]);
    await kv.batch(store.outboxClearOps('t1', [k]));
    expect(await store.purge(new Date(BASE + 2 * 86_400_000))).toBe(1);
    expect(await kv.list('audit/')).toEqual(['audit/meta/index-key']);
  });
});

describe('EventStore group rows', () => {
  it('decrypts each group row, and each index row, once for the pages of a LookupEvents', async () => {
    const kv = new ReadCountingKV();
    const store = new EventStore(kv);
    await store.load();
    // Two commit groups of 30 records.
    for (let g = 0; g < 2; g++) {
      const items = Array.from({ length: 30 }, (_, i) => rec(BASE + g * 100 + i));
      await Promise.all(items.map(({ r, ms }) => store.append(r, JSON.stringify(r), ms)));
    }
    expect(await kv.list('audit/recs/')).toHaveLength(2);
    const now = new Date(BASE + 10_000);
    await store.compact();
    const reader = new EventStore(kv);
    await reader.load();
    kv.gets = [];
    const query = { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Encrypt' }], MaxResults: 50 };
    const page = await lookupEvents(reader, query, now);
    expect(page.Events).toHaveLength(50);
    expect(page.NextToken).toBeDefined();
    expect(kv.gets.filter((k) => k.startsWith('audit/recs/'))).toHaveLength(2);
    expect(kv.gets.filter((k) => k.startsWith('audit/idx/'))).toHaveLength(1);
    kv.gets = [];
    const rest = await lookupEvents(reader, { ...query, NextToken: page.NextToken as string }, now);
    expect(rest.Events).toHaveLength(10);
    expect(rest.NextToken).toBeUndefined();
    // Neither the group rows nor the index row of that second are decrypted again.
    expect(kv.gets.filter((k) => k.startsWith('audit/recs/') || k.startsWith('audit/idx/'))).toEqual([]);
    expect((await kv.list('audit/idx/EventName/')).length).toBe(1);
  });

  it('indexes an id that does not carry its time in the group rows, not a row of its own', async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv, { retentionDays: 1 });
    await store.load();
    const { r, ms } = rec(BASE + 7);
    const other = { ...r, eventID: 'b6a7e0a4-1c2d-4e5f-8a9b-0c1d2e3f4a5b' };
    const drift = rec(BASE + 9); // a time-carrying id of another millisecond than its record's
    await store.append(other, JSON.stringify(other), ms);
    await store.append(drift.r, JSON.stringify(drift.r), drift.ms + 2);
    const find = async (id: string) => (await store.scan({ startMs: 0, endMs: BASE + 5000, attribute: { key: 'EventId', value: id }, limit: 50 })).keys;
    expect(await find(other.eventID)).toEqual([keyOf(other, ms)]);
    expect(await find(drift.r.eventID)).toEqual([keyOf(drift.r, drift.ms + 2)]);
    await store.compact();
    expect((await kv.list('audit/idx/EventId/')).length).toBe(2); // one compacted row per id and second
    expect(await kv.list('audit/events/')).toEqual([]);
    expect(await find(other.eventID)).toEqual([keyOf(other, ms)]);
    expect(await find('0190b3c2-0000-7000-8000-000000000000')).toEqual([]);
    expect(await store.purge(new Date(BASE + 2 * 86_400_000))).toBe(2);
    expect(await kv.list('audit/')).toEqual(['audit/meta/index-key']);
  });

  it('keeps a group row until its newest record is past retention', async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv, { retentionDays: 1 });
    await store.load();
    // One commit group whose records are an hour apart (a caller's clock; groups normally span milliseconds).
    const early = rec(BASE);
    const late = rec(BASE + 3_600_000);
    await Promise.all([early, late].map(({ r, ms }) => store.append(r, JSON.stringify(r), ms)));
    const [row] = await kv.list('audit/recs/');
    expect(row).toBe(`audit/recs/${pad(BASE + 3_600_000)}/${(row as string).split('/')[3]}`);
    // Past the early record, not the late one: the row stays; the early record's index rows go.
    expect(await store.purge(new Date(BASE + 86_400_000 + 1000))).toBe(0);
    expect(await kv.list('audit/recs/')).toEqual([row]);
    const all = await store.scan({ startMs: 0, endMs: BASE + 86_400_000, limit: 50 });
    expect(all.keys).toEqual([keyOf(late.r, late.ms)]);
    expect(await store.getJson(keyOf(late.r, late.ms))).toBe(JSON.stringify(late.r));
    expect(await store.purge(new Date(BASE + 3_600_000 + 86_400_000 + 1000))).toBe(2);
    expect(await kv.list('audit/')).toEqual(['audit/meta/index-key']);
  });
});
