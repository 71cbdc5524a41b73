import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SealManager } from '../barrier/index.js';
import { MemoryBackend, type BatchOp } from '../storage/index.js';
import { EventStore } from './event-store.js';
import { toCloudTrailRecord } from './record.js';
import { ACCOUNT, apiEvent } from './testing.js';

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
    const keys = await kv.list('audit/events/');
    expect(keys).toHaveLength(100);
    for (const { e } of items) {
      const json = await store.getJson(`${String(e.time.getTime()).padStart(16, '0')}/${e.eventId}`);
      expect(JSON.parse(json as string).eventID).toBe(e.eventId);
    }
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
    expect(await kv.list('audit/events/')).toHaveLength(0);
    kv.fail = false;
    const ok = rec(99);
    await store.append(ok.r, JSON.stringify(ok.r), ok.e.time.getTime());
    expect(await kv.list('audit/events/')).toHaveLength(1);
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
    const keys = await kv.list('audit/');
    expect(keys.filter((k) => k.startsWith('audit/idx/'))).toHaveLength(6); // EventId, EventName, ReadOnly, EventSource, Username, AccessKeyId
    expect(keys.some((k) => k.startsWith('audit/outbox/t1/'))).toBe(true);
    expect(keys.join('\n')).not.toContain('Alice');
    expect(keys.join('\n')).not.toContain('AKIAALICE');
  });

  it('purges records and their index entries past retention', async () => {
    const kv = new MemoryBackend();
    const store = new EventStore(kv, { retentionDays: 1 });
    await store.load();
    const now = new Date('2024-05-10T00:00:00Z');
    const old = rec(1, new Date('2024-05-08T00:00:00Z'));
    const fresh = rec(2, new Date('2024-05-09T12:00:00Z'));
    for (const { e, r } of [old, fresh]) await store.append(r, JSON.stringify(r), e.time.getTime());
    expect(await store.purge(now)).toBe(1);
    const keys = await kv.list('audit/');
    expect(keys.filter((k) => k.startsWith('audit/events/'))).toHaveLength(1);
    expect(keys.filter((k) => k.startsWith('audit/idx/') && k.endsWith(old.e.eventId))).toHaveLength(0);
    expect(keys.filter((k) => k.startsWith('audit/idx/') && k.endsWith(fresh.e.eventId)).length).toBeGreaterThan(0);
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
      await Promise.all(items.map(({ e, r }) => store.append(r, JSON.stringify(r), e.time.getTime(), ['t1'])));
      expect(backend.batches.length).toBeLessThanOrEqual(2);
      const raw = await backend.list('audit/events/');
      expect(raw).toHaveLength(30);
      for (const k of raw) expect((await backend.get(k))?.includes(Buffer.from('eventID'))).toBe(false);
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
