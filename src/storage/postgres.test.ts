import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { backendConformance } from './conformance.js';
import { openPhysicalBackend } from './index.js';
import { PostgresBackend, validateTableName } from './postgres.js';

/** Tests share the database with other runs: every table is unique to this run and dropped after. */
const url = process.env.BULWARK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const run = `bulwark_kv_test_${randomBytes(5).toString('hex')}`;
const tables: string[] = [];
const freshTable = (): string => {
  const t = `${run}_${tables.length}`;
  tables.push(t);
  return t;
};

afterAll(async () => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const t of tables) await client.query(`DROP TABLE IF EXISTS "${t}"`);
  } finally {
    await client.end();
  }
});

backendConformance('postgres', () => PostgresBackend.open({ url, table: freshTable() }));

describe('PostgresBackend', () => {
  it('creates the table with a C-collated text key and bytea value', async () => {
    const table = freshTable();
    const b = await PostgresBackend.open({ url, table });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const cols = await client.query<{ column_name: string; data_type: string; collation_name: string | null }>(
      'SELECT column_name, data_type, collation_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
      [table],
    );
    await client.end();
    expect(cols.rows).toEqual([
      { column_name: 'key', data_type: 'text', collation_name: 'C' },
      { column_name: 'value', data_type: 'bytea', collation_name: null },
    ]);
    await b.close();
  });

  it('shares data between two backends on the same table and tolerates a concurrent create', async () => {
    const table = freshTable();
    const [a, b] = await Promise.all([PostgresBackend.open({ url, table }), PostgresBackend.open({ url, table })]);
    await a.put('shared', Buffer.from('hello'));
    expect((await b.get('shared'))?.toString()).toBe('hello');
    await a.close();
    await b.close();
  });

  it('validates the table name', async () => {
    for (const bad of ['', '1abc', 'a-b', 'a"b', 'x'.repeat(64), 'a;drop table x', 'public.kv']) {
      expect(() => validateTableName(bad), bad).toThrow(/invalid PostgreSQL table name/);
    }
    expect(() => validateTableName('bulwark_kv')).not.toThrow();
    await expect(PostgresBackend.open({ url, table: 'bad"name' })).rejects.toThrow(/invalid PostgreSQL table name/);
  });

  it('is what openPhysicalBackend returns for a postgres URL', async () => {
    const table = freshTable();
    const b = await openPhysicalBackend({ storage: url.replace(/^postgres:/, 'postgresql:'), dataDir: '/nonexistent', pgTable: table });
    expect(b.kind).toBe('postgres');
    expect(b).toBeInstanceOf(PostgresBackend);
    await b.close();
  });
});
