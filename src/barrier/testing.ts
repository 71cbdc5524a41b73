/**
 * Multi-node test fixture: two Bulwark nodes' sealed storage on one fresh PostgreSQL table
 * (127.0.0.1:5432, database test, or BULWARK_TEST_PG_URL), initialised on A and unsealed on both
 * with overlapping shares. The table and the key directories are removed after the file's tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { PostgresBackend } from '../storage/postgres.js';
import { SealManager } from './index.js';

/** The two nodes of {@link postgresPair}. */
export interface NodePair {
  readonly a: SealManager;
  readonly b: SealManager;
  readonly backendA: PostgresBackend;
  readonly backendB: PostgresBackend;
  /** The unseal shares (threshold 2 of 3). */
  readonly shares: readonly string[];
}

/** Registers the clean-up and returns a runner: each call opens a pair, runs `test` with it, then closes both backends. */
export function postgresPair(label: string): (test: (n: NodePair) => Promise<void>) => Promise<void> {
  const url = process.env.BULWARK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const table = `bulwark_kv_test_${randomBytes(5).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `bulwark-${label}-`));
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
  return async (test) => {
    const backendA = await PostgresBackend.open({ url, table });
    const backendB = await PostgresBackend.open({ url, table });
    try {
      const a = await SealManager.open(backendA, { dataDir: join(dir, 'a') });
      const b = await SealManager.open(backendB, { dataDir: join(dir, 'b') });
      const { shares } = await a.init({ shares: 3, threshold: 2 });
      await a.unsealWithShares(shares.slice(0, 2));
      await b.unsealWithShares(shares.slice(1));
      await test({ a, b, backendA, backendB, shares });
    } finally {
      await backendA.close();
      await backendB.close();
    }
  };
}
