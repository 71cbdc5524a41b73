/**
 * The PostgreSQL physical backend: one table (default `bulwark_kv`) with
 * `key TEXT COLLATE "C" PRIMARY KEY, value BYTEA`. The "C" collation compares the UTF-8 bytes, so
 * ordering and range scans match the other backends. Several Bulwark nodes may share one table.
 */
import pg from 'pg';
import type { BatchOp, PhysicalBackend } from './types.js';
import { checkBatch, checkKey, checkValue, prefixUpperBound } from './validate.js';

/** Options for {@link PostgresBackend.open}. */
export interface PostgresBackendOptions {
  /** A postgres:// or postgresql:// connection URL. */
  readonly url: string;
  /** Table name; default 'bulwark_kv'. Must be a plain identifier (letters, digits, '_'). */
  readonly table?: string;
  /** Maximum pool size; default 10. */
  readonly maxConnections?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Throws unless `name` is a safe, unquoted-compatible SQL identifier of at most 63 characters. */
export function validateTableName(name: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`invalid PostgreSQL table name ${JSON.stringify(name)}: use letters, digits and '_' (max 63)`);
  }
}

interface Queries {
  readonly get: string;
  readonly put: string;
  readonly delete: string;
  readonly listAll: string;
  readonly listFrom: string;
  readonly listRange: string;
}

/** A PhysicalBackend on a PostgreSQL table through a `pg` connection pool. */
export class PostgresBackend implements PhysicalBackend {
  readonly kind = 'postgres';
  /** The table this backend stores into. */
  readonly table: string;
  private readonly pool: pg.Pool;
  private readonly q: Queries;
  private closed = false;

  private constructor(pool: pg.Pool, table: string) {
    this.pool = pool;
    this.table = table;
    const t = `"${table}"`;
    this.q = {
      get: `SELECT value FROM ${t} WHERE key = $1`,
      put: `INSERT INTO ${t} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      delete: `DELETE FROM ${t} WHERE key = $1`,
      listAll: `SELECT key FROM ${t} ORDER BY key`,
      listFrom: `SELECT key FROM ${t} WHERE key >= $1 ORDER BY key`,
      listRange: `SELECT key FROM ${t} WHERE key >= $1 AND key < $2 ORDER BY key`,
    };
  }

  /** Connects, creates the table if absent and returns the backend. */
  static async open(opts: PostgresBackendOptions): Promise<PostgresBackend> {
    const table = opts.table ?? 'bulwark_kv';
    validateTableName(table);
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.maxConnections ?? 10 });
    // An idle client losing its connection emits 'error' on the pool; without a listener that
    // would crash the process. The pool discards the client and the next query reconnects.
    pool.on('error', () => undefined);
    try {
      await pool.query(
        `CREATE TABLE IF NOT EXISTS "${table}" (key TEXT COLLATE "C" PRIMARY KEY, value BYTEA NOT NULL)`,
      );
    } catch (e) {
      // Two nodes creating the table at once: the loser sees a unique violation on pg_type.
      const code = (e as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') {
        await pool.end();
        throw e;
      }
    }
    return new PostgresBackend(pool, table);
  }

  async get(key: string): Promise<Buffer | undefined> {
    this.check();
    checkKey(key);
    const r = await this.pool.query<{ value: Buffer }>({ name: 'bulwark_get', text: this.q.get, values: [key] });
    return r.rows[0]?.value;
  }

  async put(key: string, value: Buffer): Promise<void> {
    this.check();
    checkKey(key);
    checkValue(value);
    await this.pool.query({ name: 'bulwark_put', text: this.q.put, values: [key, value] });
  }

  async delete(key: string): Promise<void> {
    this.check();
    checkKey(key);
    await this.pool.query({ name: 'bulwark_delete', text: this.q.delete, values: [key] });
  }

  async list(prefix: string): Promise<string[]> {
    this.check();
    checkKey(prefix);
    let r: pg.QueryResult<{ key: string }>;
    const upper = prefix === '' ? undefined : prefixUpperBound(prefix);
    if (prefix === '') {
      r = await this.pool.query({ name: 'bulwark_list_all', text: this.q.listAll });
    } else if (upper === undefined) {
      r = await this.pool.query({ name: 'bulwark_list_from', text: this.q.listFrom, values: [prefix] });
    } else {
      r = await this.pool.query({ name: 'bulwark_list_range', text: this.q.listRange, values: [prefix, upper] });
    }
    const out: string[] = [];
    for (let i = 0; i < r.rows.length; i++) {
      const k = (r.rows[i] as { key: string }).key;
      if (k.startsWith(prefix)) out.push(k);
    }
    return out;
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    this.check();
    checkBatch(ops);
    if (ops.length === 0) return;
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      for (const op of ops) {
        if (op.op === 'put') await client.query({ name: 'bulwark_put', text: this.q.put, values: [op.key, op.value] });
        else await client.query({ name: 'bulwark_delete', text: this.q.delete, values: [op.key] });
      }
      await client.query('COMMIT');
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable; make the pool destroy it rather than reuse it.
        broken = rollbackError;
      }
      throw e;
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private check(): void {
    if (this.closed) throw new Error('backend closed');
  }
}
