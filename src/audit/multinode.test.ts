/** Two nodes' event stores over one PostgreSQL table: lookups, compaction and the outbox across nodes. */
import { expect, it } from 'vitest';
import { postgresPair } from '../barrier/testing.js';
import { EventStore } from './event-store.js';
import { toCloudTrailRecord } from './record.js';
import { ACCOUNT, apiEvent } from './testing.js';

const withNodes = postgresPair('audit-multinode');

it("each node finds the other's records as soon as they are appended, before and after either compacts", () =>
  withNodes(async ({ a, b, backendA }) => {
    const storeA = new EventStore(a.barrier);
    await storeA.load();
    const storeB = new EventStore(b.barrier);
    await storeB.load();
    const base = Date.UTC(2024, 4, 1, 12, 0, 0, 0);
    const make = (i: number) => {
      const e = apiEvent({ time: new Date(base + 400 + i * 3), operation: 'Encrypt' });
      return { e, r: toCloudTrailRecord(e, ACCOUNT), k: `${String(base + 400 + i * 3).padStart(16, '0')}/${e.eventId}` };
    };
    const fromA = Array.from({ length: 20 }, (_, i) => make(2 * i));
    const fromB = Array.from({ length: 20 }, (_, i) => make(2 * i + 1));
    await Promise.all([
      ...fromA.map(({ e, r }) => storeA.append(r, JSON.stringify(r), e.time.getTime(), ['t1'])),
      ...fromB.map(({ e, r }) => storeB.append(r, JSON.stringify(r), e.time.getTime(), ['t1'])),
    ]);
    const all = [...fromA, ...fromB].map((x) => x.k).sort().reverse();
    const q = { startMs: 0, endMs: base + 5000, attribute: { key: 'EventName' as const, value: 'Encrypt' }, limit: 50 };
    expect((await storeA.scan(q)).keys).toEqual(all);
    expect((await storeB.scan(q)).keys).toEqual(all);
    // Both compact at once (each also takes the other's pending rows): still every record once.
    await Promise.all([storeA.compact(), storeB.compact()]);
    expect(await backendA.list('audit/pending/')).toEqual([]);
    expect((await storeB.scan(q)).keys).toEqual(all);
    const page = await storeA.scan({ ...q, limit: 15 });
    expect(page.keys).toEqual(all.slice(0, 15));
    expect((await storeA.scan({ ...q, limit: 50, before: page.keys[14] as string })).keys).toEqual(all.slice(15));
    const out = await storeB.outbox('t1');
    expect(out).toEqual([...all].reverse());
    await b.barrier.batch(storeB.outboxClearOps('t1', out));
    expect(await storeA.outbox('t1')).toEqual([]);
    // The retention purge removes the records with every index row, however they were compacted.
    const purger = new EventStore(a.barrier, { retentionDays: 1 });
    await purger.load();
    expect(await purger.purge(new Date(base + 3 * 86_400_000))).toBe(40);
    expect(await backendA.list('audit/')).toEqual(['audit/meta/index-key']);
  }));
