/** Two Bulwark nodes sharing one PostgreSQL table: rotation on one is picked up by the other. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { PostgresBackend } from '../storage/postgres.js';
import { SealManager } from './index.js';

const url = process.env.BULWARK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const table = `bulwark_kv_test_${randomBytes(5).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'bulwark-multinode-'));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP TABLE IF EXISTS "${table}"`);
  } finally {
    await c.end();
  }
});

it('node B decrypts values node A wrote after rotating, and rotates on top of A', async () => {
  const backendA = await PostgresBackend.open({ url, table });
  const backendB = await PostgresBackend.open({ url, table });
  try {
    const a = await SealManager.open(backendA, { dataDir: join(dir, 'a') });
    const b = await SealManager.open(backendB, { dataDir: join(dir, 'b') });
    const { shares } = await a.init({ shares: 3, threshold: 2 });
    await a.unsealWithShares(shares.slice(0, 2));
    await b.unsealWithShares(shares.slice(1));
    await b.barrier.put('before', Buffer.from('term 1'));
    expect(await a.rotate()).toBe(2);
    await a.barrier.put('after', Buffer.from('term 2'));
    expect(b.status().termCount).toBe(1);
    // Many concurrent reads of an unknown term share one keyring reload.
    const reads = await Promise.all(Array.from({ length: 20 }, () => b.barrier.get('after')));
    for (const r of reads) expect(r?.toString()).toBe('term 2');
    expect(b.status().termCount).toBe(2);
    expect(await b.rotate()).toBe(3);
    await b.barrier.put('third', Buffer.from('term 3'));
    expect((await a.barrier.get('third'))?.toString()).toBe('term 3');
    expect((await a.barrier.get('before'))?.toString()).toBe('term 1');
    // A fresh node sees all three terms.
    a.seal();
    await a.unsealWithShares([shares[0] as string, shares[2] as string]);
    expect(a.status().termCount).toBe(3);
  } finally {
    await backendA.close();
    await backendB.close();
  }
});
