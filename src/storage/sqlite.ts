/**
 * The SQLite physical backend: one file `<dataDir>/bulwark.db` (mode 0600) holding one table
 * `kv(key TEXT PRIMARY KEY, value BLOB)`. WAL journal with `synchronous = FULL`, so a resolved
 * write survives power loss. Keys compare with SQLite's BINARY collation, i.e. UTF-8 byte order.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BatchOp, PhysicalBackend } from './types.js';
import { checkBatch, checkKey, checkValue, prefixUpperBound } from './validate.js';

/** Options for {@link SqliteBackend.open}. */
export interface SqliteBackendOptions {
  /** Directory holding the database; created with mode 0700 if absent. */
  readonly dataDir: string;
  /** File name inside dataDir; default 'bulwark.db'. */
  readonly fileName?: string;
}

/** A PhysicalBackend on a local SQLite file (better-sqlite3, synchronous under the hood). */
export class SqliteBackend implements PhysicalBackend {
  readonly kind = 'sqlite';
  /** Absolute or relative path of the database file. */
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stGet: Database.Statement<[string], Buffer>;
  private readonly stPut: Database.Statement<[string, Buffer]>;
  private readonly stDelete: Database.Statement<[string]>;
  private readonly stListAll: Database.Statement<[], string>;
  private readonly stListFrom: Database.Statement<[string], string>;
  private readonly stListRange: Database.Statement<[string, string], string>;
  private readonly txBatch: (ops: readonly BatchOp[]) => void;
  private closed = false;

  private constructor(path: string) {
    this.path = path;
    this.db = new Database(path);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT COLLATE BINARY PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID');
      this.stGet = this.db.prepare<[string], Buffer>('SELECT value FROM kv WHERE key = ?').pluck();
      this.stPut = this.db.prepare<[string, Buffer]>(
        'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      );
      this.stDelete = this.db.prepare<[string]>('DELETE FROM kv WHERE key = ?');
      this.stListAll = this.db.prepare<[], string>('SELECT key FROM kv ORDER BY key').pluck();
      this.stListFrom = this.db.prepare<[string], string>('SELECT key FROM kv WHERE key >= ? ORDER BY key').pluck();
      this.stListRange = this.db
        .prepare<[string, string], string>('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key')
        .pluck();
      this.txBatch = this.db.transaction((ops: readonly BatchOp[]) => {
        for (const op of ops) {
          if (op.op === 'put') this.stPut.run(op.key, op.value);
          else if (op.op === 'delete') this.stDelete.run(op.key);
          else throw new TypeError('unknown batch op');
        }
      });
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  /** Opens (creating if needed) the database in `dataDir`. */
  static async open(opts: SqliteBackendOptions): Promise<SqliteBackend> {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    const path = join(opts.dataDir, opts.fileName ?? 'bulwark.db');
    // Create the file ourselves so it never exists with a umask-derived mode; SQLite gives the
    // -wal and -shm files the same permissions as the database file.
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
    for (const suffix of ['-wal', '-shm']) if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
    return new SqliteBackend(path);
  }

  async get(key: string): Promise<Buffer | undefined> {
    this.check();
    checkKey(key);
    return this.stGet.get(key);
  }

  async put(key: string, value: Buffer): Promise<void> {
    this.check();
    checkKey(key);
    checkValue(value);
    this.stPut.run(key, value);
  }

  async delete(key: string): Promise<void> {
    this.check();
    checkKey(key);
    this.stDelete.run(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.check();
    checkKey(prefix);
    if (prefix === '') return this.stListAll.all();
    const upper = prefixUpperBound(prefix);
    const rows = upper === undefined ? this.stListFrom.all(prefix) : this.stListRange.all(prefix, upper);
    // The range is exact; the filter is a cheap guard that keeps `list` correct even if it were not.
    const out: string[] = [];
    for (let i = 0; i < rows.length; i++) {
      const k = rows[i] as string;
      if (k.startsWith(prefix)) out.push(k);
    }
    return out;
  }

  async batch(ops: readonly BatchOp[]): Promise<void> {
    this.check();
    checkBatch(ops);
    if (ops.length === 0) return;
    this.txBatch(ops);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private check(): void {
    if (this.closed) throw new Error('backend closed');
  }
}
