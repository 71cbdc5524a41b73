import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { SealManager } from '../barrier/index.js';
import { MemoryBackend, type BatchOp } from '../storage/index.js';
import { decodePositions, encodePositions, EventStore } from './event-store.js';
import { toCloudTrailRecord } from './record.js';
import { ACCOUNT, apiEvent, expectOutboxClearsAcrossReopen } from './testing.js';

class CountingKV extends MemoryBackend {
  batches: number[] = [];
  fail = false;
  override async batch(ops: readonly BatchOp[]): Promise<void> {
    this.batches.push(ops.length);
    // Let other appends arrive while this write is "in flight".
    await new Promise((r) => setTimeout(r, 5));
    if (this.fail) throw new Error('disk full');
    return super.batch(ops);
  }
}

function rec(i: number, time = new Date(Date.UTC(2024, 4, 1, 12, 0, 0, i))) {
  const e = apiEvent({ time, operation: `Op${i}` });
  return { e, r: toCloudTrailRecord(e, ACCOUNT) };
}

describe('EventStore group commit', () => {
  it('writes 100 concurrent appends in a few batches, all durable when resolved', async () => {
    const kv = new CountingKV();
    const store = new EventStore(kv);
    await store.load();
    const items = Array.from({ length: 100 }, (_, i) => rec(i));
    await Promise.all(items.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime())));
    expect(kv.batches.length).toBeLessThanOrEqual(2);
    // One group row per commit group, named by its newest record's millisecond.
    const rows = await kv.list('audit/recs/');
    expect(rows).toHaveLength(kv.batches.length);
    expect(rows.at(-1)?.slice('audit/recs/'.length, 'audit/recs/'.length + 16)).toBe(String(Date.UTC(2024, 4, 1, 12, 0, 0, 99)).padStart(16, '0'));
    expect(await kv.list('audit/events/')).toEqual([]);
    for (const { e } of items) {
      const json = await store.getJson(`${String(e.time.getTime()).padStart(16, '0')}/${e.eventId}`);
      expect(JSON.parse(json as string).eventID).toBe(e.eventId);
    }
  });

  it('stores a group as one length-prefixed row of its records, found from their keys by a fresh store', async () => {
    const kv = new CountingKV();
    const store = new EventStore(kv);
    await store.load();
    const items = Array.from({ length: 3 }, (_, i) => rec(i));
    const jsons = items.map(({ r }) => JSON.stringify(r));
    await Promise.all(items.map(({ e, r }, i) => store.append(r, jsons[i] as string, e.time.getTime())));
    const [row] = await kv.list('audit/recs/');
    // version 1 | count | (length | JSON) per record, in append order
    const parts = [Buffer.from([1, 0, 0, 0, 3])];
    for (const j of jsons) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(Buffer.byteLength(j));
      parts.push(len, Buffer.from(j));
    }
    expect(await kv.get(row as string)).toEqual(Buffer.concat(parts));
    const keys = items.map(({ e }) => `${String(e.time.getTime()).padStart(16, '0')}/${e.eventId}`);
    // Another node knows nothing of the group: it finds the records through the pending row, and
    // after compaction through the directory row of their second.
    const other = new EventStore(kv);
    await other.load(); // compacts
    expect(await kv.list('audit/pending/')).toEqual([]);
    expect(await kv.list('audit/dir/')).toHaveLength(1);
    const third = new EventStore(kv);
    await third.load();
    for (const [i, k] of keys.entries()) expect(await third.getJson(k)).toBe(jsons[i]);
    expect(await third.getJson(`${String(Date.UTC(2024, 4, 1, 12, 0, 0, 1)).padStart(16, '0')}/${items[0]?.e.eventId}`)).toBeUndefined();
    expect(await third.getJson('0000000000000001/nope')).toBeUndefined();
  });

  it('deflates a large group row, its pending row and directory row, keeps index rows as positions, and reads them all from other nodes', async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv);
    await store.load();
    const other = new EventStore(kv);
    await other.load();
    const items = Array.from({ length: 64 }, (_, i) => rec(i));
    const jsons = items.map(({ r }) => JSON.stringify(r));
    await Promise.all(items.map(({ e, r }, i) => store.append(r, jsons[i] as string, e.time.getTime(), ['t1'])));
    await store.close(); // no background compaction: the pending row stays until `third` loads
    const [row, ...more] = await kv.list('audit/recs/');
    expect(more).toEqual([]);
    const stored = (await kv.get(row as string)) as Buffer;
    const plainBytes = 5 + jsons.reduce((n, j) => n + 4 + Buffer.byteLength(j), 0);
    // Format 2: deflated, and much smaller (the records of one group repeat most of their text).
    expect(stored[0]).toBe(2);
    expect(stored.length).toBeLessThan(plainBytes / 4);
    const inflated = inflateRawSync(stored.subarray(1));
    expect(inflated.length).toBe(plainBytes);
    expect(inflated.subarray(0, 5)).toEqual(Buffer.from([1, 0, 0, 0, 64]));
    const [pendingRow] = await kv.list('audit/pending/');
    const pendingValue = (await kv.get(pendingRow as string)) as Buffer;
    expect(pendingValue[0]).toBe(1);
    expect(inflateRawSync(pendingValue.subarray(1)).toString('utf8')).toContain('audit/outbox/t1/\t0,1,2,');
    const keys = items.map(({ e }) => `${String(e.time.getTime()).padStart(16, '0')}/${e.eventId}`);
    // Another node reads the deflated pending row (the group is not compacted yet) ...
    expect((await other.scan({ startMs: 0, endMs: Date.UTC(2030, 0), limit: 100 })).keys).toEqual([...keys].reverse());
    for (const [i, k] of keys.entries()) expect(await other.getJson(k)).toBe(jsons[i]);
    expect(await other.outbox('t1')).toEqual(keys);
    // ... and after compaction, the directory and outbox rows.
    const third = new EventStore(kv);
    await third.load();
    expect(await kv.list('audit/pending/')).toEqual([]);
    // Compacted: the second's directory row is deflated; index and outbox rows hold positions in it.
    const [dirRow, ...moreDirs] = await kv.list('audit/dir/');
    expect(moreDirs).toEqual([]);
    expect(((await kv.get(dirRow as string)) as Buffer)[0]).toBe(2);
    const suffix = (dirRow as string).slice('audit/dir/'.length);
    const rowText = async (k: string): Promise<string> => ((await kv.get(k)) as Buffer).toString('latin1');
    const idxRows = await kv.list('audit/idx/');
    expect(idxRows.every((k) => k.endsWith('/' + suffix))).toBe(true);
    const idxValues = await Promise.all(idxRows.map(rowText));
    expect(idxValues.filter((v) => v === '\x010-63').length).toBeGreaterThanOrEqual(3); // EventSource, ReadOnly, Username, ...
    for (let i = 0; i < 64; i++) expect(idxValues).toContain('\x01' + i); // EventName Op<i>
    expect(await rowText(`audit/outbox/t1/${suffix}`)).toBe('\x010-63');
    expect((await third.scan({ startMs: 0, endMs: Date.UTC(2030, 0), attribute: { key: 'EventName', value: 'Op17' }, limit: 10 })).keys).toEqual([keys[17]]);
    expect((await third.scan({ startMs: 0, endMs: Date.UTC(2030, 0), limit: 100 })).keys).toEqual([...keys].reverse());
    for (const [i, k] of keys.entries()) expect(await third.getJson(k)).toBe(jsons[i]);
    expect(await third.outbox('t1')).toEqual(keys);
  });

  it('batches appends that arrive while a write is in flight into the next single batch', async () => {
    const kv = new CountingKV();
    const store = new EventStore(kv);
    await store.load();
    const first = rec(0);
    const p0 = store.append(first.r, JSON.stringify(first.r), 1);
    await new Promise((r) => setTimeout(r, 1)); // first batch now in flight
    const rest = Array.from({ length: 50 }, (_, i) => rec(i + 1));
    const ps = rest.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime()));
    await Promise.all([p0, ...ps]);
    expect(kv.batches.length).toBe(2);
  });

  it('rejects every waiter of a failed batch, and recovers afterwards', async () => {
    const kv = new CountingKV();
    const store = new EventStore(kv);
    await store.load();
    kv.fail = true;
    const items = Array.from({ length: 20 }, (_, i) => rec(i));
    const results = await Promise.allSettled(items.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime())));
    expect(results.every((x) => x.status === 'rejected')).toBe(true);
    expect(await kv.list('audit/recs/')).toHaveLength(0);
    kv.fail = false;
    const ok = rec(99);
    await store.append(ok.r, JSON.stringify(ok.r), ok.e.time.getTime());
    expect(await kv.list('audit/recs/')).toHaveLength(1);
  });

  it('rejects appends before load', async () => {
    const store = new EventStore(new MemoryBackend());
    const { e, r } = rec(1);
    await expect(store.append(r, JSON.stringify(r), e.time.getTime())).rejects.toThrow(/not loaded/);
  });

  it('writes index entries whose keys do not reveal attribute values', async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv);
    await store.load();
    const { e, r } = rec(1);
    await store.append(r, JSON.stringify(r), e.time.getTime(), ['t1']);
    // Until compacted, the group's index and outbox entries are one pending row.
    const pendingRows = await kv.list('audit/pending/');
    expect(pendingRows).toHaveLength(1);
    const pendingValue = (await kv.get(pendingRows[0] as string))?.toString('utf8') ?? '';
    expect(pendingValue).toContain(store.tag('Username', 'Alice'));
    expect(pendingRows.join('\n') + pendingValue).not.toContain('Alice');
    await store.compact();
    const keys = await kv.list('audit/');
    expect(keys.filter((k) => k.startsWith('audit/pending/'))).toEqual([]);
    // EventName, ReadOnly, EventSource, Username, AccessKeyId; the time-carrying EventId needs none.
    expect(keys.filter((k) => k.startsWith('audit/idx/'))).toHaveLength(5);
    expect(keys.some((k) => k.startsWith('audit/outbox/t1/'))).toBe(true);
    expect(keys.filter((k) => k.startsWith('audit/groups/'))).toHaveLength(1);
    expect(keys.join('\n')).not.toContain('Alice');
    expect(keys.join('\n')).not.toContain('AKIAALICE');
  });

  it("indexes each of a record's attribute values once, however many resources carry it", async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv);
    await store.load();
    await store.close(); // no background compaction: the pending rows are read below
    const keyArn = (n: number) => `arn:aws:kms:us-east-1:${ACCOUNT}:key/1111aaaa-12ab-34cd-56ef-12345678900${n}`;
    const cases = [
      [],
      [{ arn: keyArn(1), type: 'AWS::KMS::Key' }],
      [{ arn: keyArn(1), type: 'AWS::KMS::Key' }, { arn: keyArn(2), type: 'AWS::KMS::Key' }, { arn: keyArn(1), type: 'AWS::KMS::Key' }],
      [{ arn: 'plain-name' }, { arn: `arn:aws:iam::${ACCOUNT}:user/Carol`, type: 'AWS::IAM::User' }],
    ];
    for (const [i, resources] of cases.entries()) {
      const e = apiEvent({ time: new Date(Date.UTC(2024, 4, 1, 12, 0, i)), resources });
      const r = toCloudTrailRecord(e, ACCOUNT);
      await store.append(r, JSON.stringify(r), e.time.getTime());
      // Twice, the second time from the cache of resource prefixes.
      await store.append(r, JSON.stringify(r), e.time.getTime());
    }
    const rows = await kv.list('audit/pending/');
    expect(rows).toHaveLength(2 * cases.length);
    for (const [i, row] of rows.entries()) {
      const text = (await kv.get(row))?.toString('utf8') ?? '';
      const lines = text.slice(text.indexOf('\n\n') + 2).split('\n');
      // One record per group: each row lists it once.
      expect(lines.map((l) => l.split('\t')[1])).toEqual(lines.map(() => '0'));
      const prefixes = lines.map((l) => l.split('\t')[0]);
      const e = apiEvent({ resources: cases[Math.floor(i / 2)] as { arn: string; type?: string }[] });
      const expected = store.attributeValues(toCloudTrailRecord(e, ACCOUNT)).filter(([a]) => a !== 'EventId').map(([a, v]) => `audit/idx/${a}/${store.tag(a, v)}/`);
      expect(prefixes.sort()).toEqual(expected.sort());
    }
  });

  it('writes one pending row per commit group and merges groups into shared index and outbox rows', async () => {
    const kv = new CountingKV();
    const store = new EventStore(kv);
    await store.load();
    // One second, one caller, one operation (as a burst of Encrypt calls).
    const items = Array.from({ length: 40 }, (_, i) => {
      const e = apiEvent({ time: new Date(Date.UTC(2024, 4, 1, 12, 0, 0, i)), operation: 'Encrypt' });
      return { e, r: toCloudTrailRecord(e, ACCOUNT) };
    });
    await Promise.all(items.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime(), ['t1'])));
    expect(kv.batches).toEqual([1 + 1]); // one group row and one pending row
    // Found before compaction (from the pending row), and after it (from the index rows).
    const q = { startMs: 0, endMs: Date.UTC(2030, 0), attribute: { key: 'Username' as const, value: 'Alice' }, limit: 50 };
    const { keys } = await store.scan(q);
    expect(keys).toHaveLength(40);
    expect(keys).toEqual([...keys].sort().reverse());
    // Two more groups of the same second: compaction merges all three into one set of rows.
    for (let g = 0; g < 2; g++) {
      const more = Array.from({ length: 3 }, (_, i) => {
        const e = apiEvent({ time: new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 500 + g * 10 + i)), operation: 'Encrypt' });
        return { e, r: toCloudTrailRecord(e, ACCOUNT) };
      });
      await Promise.all(more.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime(), ['t1'])));
    }
    kv.batches = [];
    await store.compact();
    expect(kv.batches).toEqual([1 + 5 + 1 + 1 + 3]); // a directory row, five index rows, one outbox row, one manifest, three pending rows deleted
    const after = await store.scan(q);
    expect(after.keys).toHaveLength(46);
    expect(after.keys.slice(6)).toEqual(keys);
    expect(await store.outbox('t1')).toHaveLength(46);
  });

  it('finds records by attribute newest first across groups and seconds, with pagination and legacy rows', async () => {
    const kv = new CountingKV();
    const store = new EventStore(kv);
    await store.load();
    const base = Date.UTC(2024, 4, 1, 12, 0, 0, 0);
    // Three groups whose records interleave in time and straddle second boundaries.
    const all: { e: ReturnType<typeof rec>['e']; r: ReturnType<typeof rec>['r'] }[] = [];
    for (let g = 0; g < 3; g++) {
      const group = Array.from({ length: 10 }, (_, i) => rec(i, new Date(base + 990 + i * 7 + g * 3)));
      all.push(...group);
      await Promise.all(group.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime())));
    }
    // A record of the layout before group rows: random id, one row per attribute, empty values.
    const legacy = rec(5, new Date(base + 1000));
    const legacyId = '6f1b3c2e-8d4a-4f5b-9c3d-2e1f0a9b8c7d';
    const lr = { ...legacy.r, eventID: legacyId };
    const lk = `${String(base + 1000).padStart(16, '0')}/${legacyId}`;
    await kv.batch([
      { op: 'put', key: `audit/events/${lk}`, value: Buffer.from(JSON.stringify(lr)) },
      ...store.attributeValues(lr).map(([a, v]) => ({ op: 'put' as const, key: `audit/idx/${a}/${store.tag(a, v)}/${lk}`, value: Buffer.alloc(0) })),
    ]);
    const expected = [...all.map(({ e }) => `${String(e.time.getTime()).padStart(16, '0')}/${e.eventId}`), lk].sort().reverse();
    const q = { startMs: base + 995, endMs: base + 1040, attribute: { key: 'Username' as const, value: 'Alice' } };
    const inRange = expected.filter((k) => Number(k.slice(0, 16)) >= q.startMs && Number(k.slice(0, 16)) <= q.endMs);
    const pages: string[] = [];
    let before: string | undefined;
    for (;;) {
      const { keys, more } = await store.scan({ ...q, limit: 7, ...(before !== undefined ? { before } : {}) });
      pages.push(...keys);
      if (!more) break;
      before = keys[keys.length - 1];
    }
    expect(pages).toEqual(inRange);
    // EventId: from the id itself (time-carrying), or through the legacy row.
    const one = all[4] as (typeof all)[number];
    const byId = await store.scan({ startMs: 0, endMs: base + 5000, attribute: { key: 'EventId', value: one.e.eventId }, limit: 50 });
    expect(byId.keys).toEqual([`${String(one.e.time.getTime()).padStart(16, '0')}/${one.e.eventId}`]);
    expect((await store.scan({ startMs: 0, endMs: base + 5000, attribute: { key: 'EventId', value: legacyId }, limit: 50 })).keys).toEqual([lk]);
    expect((await store.scan({ startMs: 0, endMs: base, attribute: { key: 'EventId', value: one.e.eventId }, limit: 50 })).keys).toEqual([]);
  });

  it('clears delivered records from shared outbox rows, keeping the rest across a restart', async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv);
    await store.load();
    const items = Array.from({ length: 10 }, (_, i) => rec(i));
    await Promise.all(items.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime(), ['t1'])));
    const keys = await store.outbox('t1');
    expect(keys).toHaveLength(10);
    await expectOutboxClearsAcrossReopen(kv, store, 't1', keys, 4);
  });

  it('compacts on its own in the background, and a restart compacts what a crash left pending', async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv);
    await store.load();
    const items = Array.from({ length: 5 }, (_, i) => rec(i));
    await Promise.all(items.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime(), ['t1'])));
    expect(await kv.list('audit/pending/')).toHaveLength(1);
    await vi.waitFor(async () => expect(await kv.list('audit/pending/')).toEqual([]), { timeout: 2000, interval: 20 });
    // Shared by the five records: ReadOnly, EventSource, Username, AccessKeyId; one EventName row each.
    expect((await kv.list('audit/idx/')).length).toBe(4 + 5);
    // A node that stops before compacting (the store is dropped, not unloaded): the next load compacts.
    const crashed = new EventStore(kv);
    await crashed.load();
    const late = rec(42);
    await crashed.append(late.r, JSON.stringify(late.r), late.e.time.getTime(), ['t1']);
    crashed.unload();
    expect(await kv.list('audit/pending/')).toHaveLength(1);
    const other = new EventStore(kv);
    await other.load(); // (for LookupEvents the row is read while pending; see the next test)
    expect(await kv.list('audit/pending/')).toEqual([]);
    const { keys } = await other.scan({ startMs: 0, endMs: Date.UTC(2030, 0), attribute: { key: 'EventName', value: 'Op42' }, limit: 50 });
    expect(keys).toEqual([`${String(late.e.time.getTime()).padStart(16, '0')}/${late.e.eventId}`]);
    expect(await other.outbox('t1')).toHaveLength(6);
    // After close() nothing compacts in the background; the row waits for compact() or load().
    await other.close();
    const last = rec(43);
    await other.append(last.r, JSON.stringify(last.r), last.e.time.getTime());
    await new Promise((r) => setTimeout(r, 400));
    expect(await kv.list('audit/pending/')).toHaveLength(1);
    await other.compact();
    expect(await kv.list('audit/pending/')).toEqual([]);
  });

  it("reads another node's pending groups, and reads records compacted twice only once", async () => {
    const kv = new MemoryBackend();
    const a = new EventStore(kv);
    await a.load();
    const b = new EventStore(kv);
    await b.load();
    const items = Array.from({ length: 6 }, (_, i) => rec(i, new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 100 + i))));
    await Promise.all(items.map(({ e, r }) => a.append(r, JSON.stringify(r), e.time.getTime(), ['t1'])));
    const q = { startMs: 0, endMs: Date.UTC(2030, 0), attribute: { key: 'Username' as const, value: 'Alice' }, limit: 4 };
    const expected = items.map(({ e }) => `${String(e.time.getTime()).padStart(16, '0')}/${e.eventId}`).reverse();
    const first = await b.scan(q); // A's group is still pending: B reads its pending row
    expect(first).toEqual({ keys: expected.slice(0, 4), more: true });
    // Both nodes compact the same pending row (a race): its entries exist twice, and are read once.
    const pendingRows = await kv.list('audit/pending/');
    const saved = await Promise.all(pendingRows.map(async (k) => [k, await kv.get(k)] as const));
    await a.compact();
    for (const [k, v] of saved) await kv.put(k, v as Buffer);
    await b.compact();
    expect(await kv.list('audit/pending/')).toEqual([]);
    expect(await b.scan({ ...q, before: first.keys[3] as string })).toEqual({ keys: expected.slice(4), more: false });
    expect((await a.scan({ ...q, limit: 50 })).keys).toEqual(expected);
    const out = await b.outbox('t1');
    expect(out).toEqual([...expected].reverse());
    await kv.batch(b.outboxClearOps('t1', out));
    expect(await kv.list('audit/outbox/')).toEqual([]);
  });

  it('purges records and their index entries past retention', async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv, { retentionDays: 1 });
    await store.load();
    const now = new Date('2024-05-10T00:00:00Z');
    const old = rec(1, new Date('2024-05-08T00:00:00Z'));
    const fresh = rec(2, new Date('2024-05-09T12:00:00Z'));
    for (const { e, r } of [old, fresh]) await store.append(r, JSON.stringify(r), e.time.getTime(), ['t1']);
    await store.compact();
    const before = (await kv.list('audit/')).length;
    expect(await store.purge(now)).toBe(1);
    const keys = await kv.list('audit/');
    expect(keys.filter((k) => k.startsWith('audit/recs/'))).toHaveLength(1);
    // The old record's group row, directory row, five index rows, outbox row and manifest are gone with it.
    expect(before - keys.length).toBe(1 + 1 + 5 + 1 + 1);
    expect(keys.filter((k) => k.startsWith('audit/groups/'))).toHaveLength(1);
    const { keys: found } = await store.scan({ startMs: 0, endMs: now.getTime(), attribute: { key: 'EventName', value: 'Op2' }, limit: 50 });
    expect(found).toHaveLength(1);
  });
});

describe('EventStore over the barrier', () => {
  it('encrypts each record at append, writes a group in one backend batch, and fails appends sealed meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-es-'));
    try {
      const backend = new CountingKV();
      const seal = await SealManager.open(backend, { dataDir: dir });
      await seal.initDev();
      const store = new EventStore(seal.barrier);
      await store.load();
      backend.batches = [];
      const items = Array.from({ length: 30 }, (_, i) => rec(i));
      const first0 = items[0]?.e.eventId as string;
      await Promise.all(items.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime(), ['t1'])));
      expect(backend.batches.length).toBeLessThanOrEqual(2);
      // One sealed row of records per group (and its pending row): storage sees only ciphertext.
      const raw = await backend.list('audit/recs/');
      expect(raw).toHaveLength(backend.batches.length);
      expect(backend.batches.every((n) => n === 2)).toBe(true);
      // Event ids are no longer in plaintext keys either (they were: one row per record).
      expect((await backend.list('audit/')).join('\n')).not.toContain(first0);
      for (const k of await backend.list('audit/')) {
        const v = (await backend.get(k)) as Buffer;
        expect(v.includes(Buffer.from('eventID'))).toBe(false);
        expect(v.includes(Buffer.from(first0))).toBe(false);
      }
      const first = items[0] as (typeof items)[number];
      const json = await store.getJson(`${String(first.e.time.getTime()).padStart(16, '0')}/${first.e.eventId}`);
      expect(JSON.parse(json as string).eventID).toBe(first.e.eventId);
      expect(await store.outbox('t1')).toHaveLength(30);
      // Sealed after the record was encrypted but before its batch is written: the append fails.
      const late = rec(77);
      const p = store.append(late.r, JSON.stringify(late.r), late.e.time.getTime());
      seal.seal();
      await expect(p).rejects.toThrow(/sealed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EventStore position rows', () => {
  it('round-trips any ascending set of positions, as runs', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 3000 }), { maxLength: 400 }), (xs) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const value = encodePositions(sorted);
        expect(value[0]).toBe(1);
        expect(decodePositions(value, 3001)).toEqual(sorted);
        // Positions past the directory row's end are dropped.
        expect(decodePositions(value, 100)).toEqual(sorted.filter((p) => p < 100));
      }),
    );
    expect(encodePositions([0, 1, 2, 3, 7, 9, 10]).toString('latin1')).toBe('\x010-3,7,9-10');
  });

  it('reads any bytes after the format byte without throwing, within the row', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 50 }), (bytes, max) => {
        const out = decodePositions(Buffer.concat([Buffer.from([1]), Buffer.from(bytes)]), max);
        expect(out.every((p) => Number.isInteger(p) && p >= 0 && p < max)).toBe(true);
      }),
    );
    expect(decodePositions(Buffer.from('\x010-4294967295', 'latin1'), 3)).toEqual([0, 1, 2]);
    expect(decodePositions(Buffer.from('\x01', 'latin1'), 3)).toEqual([]);
    expect(decodePositions(Buffer.from('\x01-2,x,1-,2', 'latin1'), 3)).toEqual([2]);
  });
});
