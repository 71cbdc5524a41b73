/**
 * The plaintext test: secrets written through the barrier must never reach storage in any form.
 * Scans every byte of every file in a SQLite data dir (db, -wal, -shm) and every row of a
 * PostgreSQL table for a canary in raw, hex and base64 forms, and for the root, unseal and term keys.
 */
import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { PhysicalBackend } from '../storage/index.js';
import { PostgresBackend } from '../storage/postgres.js';
import { SqliteBackend } from '../storage/sqlite.js';
import { SealManager } from './index.js';
import { KEYRING_PATH, openKeyring, openRootKey, ROOT_KEY_PATH } from './keyring.js';
import { combine } from './shamir.js';

const pgUrl = process.env.BULWARK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const root = mkdtempSync(join(tmpdir(), 'bulwark-plaintext-'));
const pgTables: string[] = [];

afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  if (pgTables.length === 0) return;
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try {
    for (const t of pgTables) await c.query(`DROP TABLE IF EXISTS "${t}"`);
  } finally {
    await c.end();
  }
});

/** Every encoding of `secret` that could show up in storage. Base64 is taken at all three alignments. */
function needles(secret: Buffer): Buffer[] {
  const out = [secret, Buffer.from(secret.toString('hex')), Buffer.from(secret.toString('hex').toUpperCase())];
  for (let k = 0; k < 3; k++) {
    for (const enc of ['base64', 'base64url'] as const) {
      const b64 = secret.subarray(k).toString(enc);
      // Keep only the whole 4-character groups that do not depend on the bytes after the secret.
      const stable = b64.slice(0, Math.floor((secret.length - k) / 3) * 4);
      if (stable.length >= 16) out.push(Buffer.from(stable));
    }
  }
  return out;
}

/** Every encoding of `secret` found in `haystack` (shortened, for the failure message). */
function findIn(haystack: Buffer, secret: Buffer): string[] {
  const found: string[] = [];
  for (const n of needles(secret)) if (haystack.includes(n)) found.push(n.toString('latin1').slice(0, 40));
  return found;
}

/** Writes the canary through the barrier in every way a service might. */
async function writeCanary(seal: SealManager, canary: string): Promise<void> {
  const b = seal.barrier;
  await b.put('kms/keys/1', Buffer.from(canary));
  await b.put('iam/users/alice', Buffer.from(JSON.stringify({ secret: canary, hex: Buffer.from(canary).toString('hex') })));
  await b.batch([
    { op: 'put', key: 'batch/1', value: Buffer.from(`prefix-${canary}-suffix`) },
    { op: 'put', key: 'batch/2', value: Buffer.from(canary.repeat(3)) },
  ]);
  await b.put('big', Buffer.from(canary.repeat(Math.ceil((1 << 20) / canary.length))));
  await b.put('overwritten', Buffer.from(canary));
  await b.put('overwritten', Buffer.from('x'));
  await b.put('deleted', Buffer.from(canary));
  await b.delete('deleted');
  await seal.rotate();
  await b.put('after-rotate', Buffer.from(canary));
  expect((await b.get('kms/keys/1'))?.toString()).toBe(canary);
  expect((await b.get('after-rotate'))?.toString()).toBe(canary);
}

function scanDir(dir: string, secrets: readonly Buffer[], skip: (f: string) => boolean): string[] {
  const hits: string[] = [];
  for (const f of readdirSync(dir)) {
    if (skip(f)) continue;
    const bytes = readFileSync(join(dir, f));
    for (const s of secrets) for (const hit of findIn(bytes, s)) hits.push(`${f}: ${hit}`);
  }
  return hits;
}

/** The unseal, root and term keys of a store, recovered the way an attacker holding the unseal key would. */
async function keyMaterial(backend: PhysicalBackend, unsealKey: Buffer): Promise<Buffer[]> {
  const rootKey = openRootKey(Buffer.from(unsealKey), (await backend.get(ROOT_KEY_PATH)) as Buffer);
  const keyring = openKeyring(createSecretKey(rootKey), (await backend.get(KEYRING_PATH)) as Buffer);
  const terms: Buffer[] = [];
  for (let t = 1; t <= keyring.maxTerm; t++) terms.push(Buffer.from((keyring.get(t) as { key: Buffer }).key));
  expect(terms.length).toBe(2);
  return [unsealKey, rootKey, ...terms];
}

describe('plaintext never reaches storage', () => {
  it('SQLite: no canary, root key, unseal key or term key in any file of the data dir', async () => {
    const dir = join(root, 'sqlite');
    const canary = `BULWARK-PLAINTEXT-CANARY-${randomBytes(12).toString('hex')}`;
    const backend = await SqliteBackend.open({ dataDir: dir });
    const seal = await SealManager.open(backend, { dataDir: dir });
    await seal.initDev();
    await writeCanary(seal, canary);
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['bulwark.db', 'bulwark.db-wal', 'bulwark.db-shm', 'unseal.key']));
    const unsealKey = Buffer.from(readFileSync(join(dir, 'unseal.key'), 'utf8').trim(), 'base64');
    const keys = await keyMaterial(backend, unsealKey);
    const isKeyFile = (f: string): boolean => f.startsWith('unseal.key');
    // While open (the WAL holds the recent writes) and after close (checkpointed into the db).
    expect(scanDir(dir, [Buffer.from(canary)], () => false)).toEqual([]);
    expect(scanDir(dir, keys, isKeyFile)).toEqual([]);
    await backend.close();
    expect(scanDir(dir, [Buffer.from(canary)], () => false)).toEqual([]);
    expect(scanDir(dir, keys, isKeyFile)).toEqual([]);
    // The values are still there and readable after reopening.
    const reopened = await SqliteBackend.open({ dataDir: dir });
    const again = await SealManager.open(reopened, { dataDir: dir });
    await again.autoUnsealDev();
    expect((await again.barrier.get('batch/2'))?.toString()).toBe(canary.repeat(3));
    await reopened.close();
  });

  it('SQLite control: the scan does find a canary written without the barrier', async () => {
    const dir = join(root, 'sqlite-control');
    const canary = `BULWARK-PLAINTEXT-CANARY-${randomBytes(12).toString('hex')}`;
    const backend = await SqliteBackend.open({ dataDir: dir });
    await backend.put('a', Buffer.from(Buffer.from(canary).toString('base64')));
    await backend.put('b', Buffer.from(`x${Buffer.from(canary).toString('hex')}`));
    const hits = scanDir(dir, [Buffer.from(canary)], () => false);
    // The base64 form (alignment 0) and the lower-case hex form, in the WAL.
    const hex = Buffer.from(canary).toString('hex').slice(0, 40);
    const b64 = Buffer.from(canary).toString('base64').slice(0, 40);
    expect(hits).toEqual(expect.arrayContaining([`bulwark.db-wal: ${hex}`, `bulwark.db-wal: ${b64}`]));
    await backend.close();
  });

  it('PostgreSQL: no canary or key material in any row of the table', async () => {
    const table = `bulwark_kv_test_${randomBytes(5).toString('hex')}`;
    pgTables.push(table, `${table}_ctl`);
    const canary = `BULWARK-PLAINTEXT-CANARY-${randomBytes(12).toString('hex')}`;
    const backend = await PostgresBackend.open({ url: pgUrl, table });
    const seal = await SealManager.open(backend, { dataDir: join(root, 'pg') });
    const { shares } = await seal.init({ shares: 3, threshold: 2 });
    await seal.unsealWithShares(shares.slice(1));
    await writeCanary(seal, canary);
    const unsealKey = combine(shares.map((s) => Buffer.from(s, 'base64')));
    const keys = await keyMaterial(backend, unsealKey);
    await backend.close();

    const scanTable = async (t: string, secrets: readonly Buffer[]): Promise<{ rows: number; hits: string[] }> => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      try {
        const r = await c.query<{ key: string; value: Buffer }>(`SELECT key, value FROM "${t}"`);
        const hits: string[] = [];
        for (const row of r.rows) {
          const bytes = Buffer.concat([Buffer.from(row.key), row.value]);
          for (const s of secrets) for (const hit of findIn(bytes, s)) hits.push(`${row.key}: ${hit}`);
        }
        return { rows: r.rows.length, hits };
      } finally {
        await c.end();
      }
    };
    const scanned = await scanTable(table, [Buffer.from(canary), ...keys]);
    expect(scanned.rows).toBeGreaterThanOrEqual(9);
    expect(scanned.hits).toEqual([]);

    // Control: the same scan finds the canary when it is written without the barrier.
    const ctl = await PostgresBackend.open({ url: pgUrl, table: `${table}_ctl` });
    await ctl.put('c', Buffer.from(Buffer.from(canary).subarray(2).toString('base64')));
    await ctl.close();
    const b64 = Buffer.from(canary).subarray(2).toString('base64').slice(0, 40);
    expect((await scanTable(`${table}_ctl`, [Buffer.from(canary)])).hits).toContain(`c: ${b64}`);
  });
});
