/**
 * The SQLite physical backend: one file `<dataDir>/bulwark.db` (mode 0600) holding one table
 * `kv(key TEXT PRIMARY KEY, value BLOB)`. WAL journal with `synchronous = FULL`, so a resolved
 * write survives power loss. Keys compare with SQLite's BINARY collation, i.e. UTF-8 byte order.
 *
 * Writes run on a dedicated worker thread with its own connection, and every write that arrives
 * while the writer is busy joins the next transaction (group commit; at most MAX_IN_FLIGHT
 * transactions are handed over at once): the fsync of a commit never blocks the event loop, and N
 * concurrent writers cost about one fsync. Reads use the main
 * thread's connection; WAL lets them run while the writer commits, and they see every write whose
 * promise has resolved.
 *
 * The writer answers each commit twice: it stores the batch id in a shared Int32Array, then posts a
 * message. The message is only handled when the event loop polls again, which under load is after
 * every request already read has been processed (a millisecond or more), and every client in the
 * committed group waits that long. `settle()` reads the shared id instead, so a hot path that
 * queues writes (the audit trail, once per request) takes up a finished commit at once.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
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

/**
 * The writer thread, as CommonJS source (an eval worker, so it runs the same from dist/ and from
 * TypeScript sources under the test runner). It applies each message's operations in one
 * transaction and answers with the message id.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
// [0]: id of the last batch committed successfully (see SqliteBackend.settle).
const done = new Int32Array(workerData.done);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
const put = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
const del = db.prepare('DELETE FROM kv WHERE key = ?');
// One packed batch (see encodeBatch): u32 count, then per op u8 kind, u32 key bytes, u32 value bytes, key, value.
const tx = db.transaction((buf) => {
  const count = buf.readUInt32LE(0);
  let pos = 4;
  for (let i = 0; i < count; i++) {
    const kind = buf[pos];
    const keyLen = buf.readUInt32LE(pos + 1);
    const valueLen = buf.readUInt32LE(pos + 5);
    pos += 9;
    const key = buf.toString('utf8', pos, pos + keyLen);
    pos += keyLen;
    if (kind === 1) put.run(key, buf.subarray(pos, pos + valueLen));
    else del.run(key);
    pos += valueLen;
  }
  if (pos !== buf.length) throw new Error('malformed write batch');
});
parentPort.on('message', (m) => {
  if (m.close) {
    db.close();
    parentPort.postMessage({ id: m.id });
    return;
  }
  try {
    tx(Buffer.from(m.buf));
    Atomics.store(done, 0, m.id);
    parentPort.postMessage({ id: m.id });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
  }
});
`;

interface PendingWrite {
  readonly ops: readonly BatchOp[];
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/**
 * Transactions handed to the writer at once: the next one waits in the worker's message queue
 * while the current one commits, so the writer goes from one commit to the next without a round
 * trip through the event loop in between.
 */
const MAX_IN_FLIGHT = 2;

/** Page size of a new database file. */
const PAGE_SIZE = 16384;

/** Per-operation header in a packed batch: kind (1 = put, 0 = delete), key byte length, value byte length. */
const OP_HEADER = 9;

/**
 * Packs every operation of `group` into one fresh ArrayBuffer (transferable to the writer):
 * `u32 count`, then per operation `u8 kind | u32 keyBytes | u32 valueBytes | key (UTF-8) | value`.
 */
function encodeBatch(group: readonly PendingWrite[]): ArrayBuffer {
  let count = 0;
  let size = 4;
  const keyLens: number[] = [];
  for (let i = 0; i < group.length; i++) {
    const ops = (group[i] as PendingWrite).ops;
    for (let j = 0; j < ops.length; j++) {
      const op = ops[j] as BatchOp;
      const keyLen = Buffer.byteLength(op.key, 'utf8');
      keyLens.push(keyLen);
      size += OP_HEADER + keyLen + (op.op === 'put' ? op.value.length : 0);
      count++;
    }
  }
  // Unpooled and not zero-filled: every byte is written below, and the ArrayBuffer is exactly `size`.
  const buf = Buffer.allocUnsafeSlow(size);
  buf.writeUInt32LE(count, 0);
  let pos = 4;
  let n = 0;
  for (let i = 0; i < group.length; i++) {
    const ops = (group[i] as PendingWrite).ops;
    for (let j = 0; j < ops.length; j++) {
      const op = ops[j] as BatchOp;
      const keyLen = keyLens[n++] as number;
      const value = op.op === 'put' ? op.value : undefined;
      buf[pos] = value !== undefined ? 1 : 0;
      buf.writeUInt32LE(keyLen, pos + 1);
      buf.writeUInt32LE(value !== undefined ? value.length : 0, pos + 5);
      pos += OP_HEADER;
      pos += buf.write(op.key, pos, keyLen, 'utf8');
      if (value !== undefined) {
        buf.set(value, pos);
        pos += value.length;
      }
    }
  }
  if (pos !== size || buf.byteOffset !== 0 || buf.buffer.byteLength !== size) throw new Error('write batch encoding error');
  return buf.buffer;
}

/** A PhysicalBackend on a local SQLite file (better-sqlite3; writes on a group-committing worker thread). */
export class SqliteBackend implements PhysicalBackend {
  readonly kind = 'sqlite';
  /** Absolute or relative path of the database file. */
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stGet: Database.Statement<[string], Buffer>;
  private readonly stListAll: Database.Statement<[], string>;
  private readonly stListFrom: Database.Statement<[string], string>;
  private readonly stListRange: Database.Statement<[string, string], string>;
  private readonly writer: Worker;
  /** Writes waiting for the next transaction. */
  private queue: PendingWrite[] = [];
  /** Transactions handed to the worker and not yet answered, oldest first (at most MAX_IN_FLIGHT). */
  private inFlight: { readonly id: number; readonly group: PendingWrite[] }[] = [];
  /** Shared with the writer: [0] is the id of the last batch it committed (ids wrap within int32). */
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private closeWaiter: (() => void) | undefined;
  private closed = false;
  /** Set once the writer thread is gone: later writes fail at once instead of waiting forever. */
  private failure: Error | undefined;

  private constructor(path: string) {
    this.path = path;
    this.db = new Database(path);
    try {
      // 16 KiB pages for a new database (SQLite ignores this for an existing one, whose page size
      // is fixed in WAL mode). The table is WITHOUT ROWID, so values live in the key B-tree's
      // leaves: with 4 KiB pages a 1 KB audit record takes a quarter of a leaf, inserts split
      // pages often and each commit writes several whole pages to the WAL. Measured with
      // bench/sqlite-pages.mjs (24 records of 950 bytes per commit): 28-30 us of writer CPU per
      // record with 4 KiB pages, 12-13 us with 16 KiB.
      this.db.pragma(`page_size = ${PAGE_SIZE}`);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT COLLATE BINARY PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID');
      this.stGet = this.db.prepare<[string], Buffer>('SELECT value FROM kv WHERE key = ?').pluck();
      this.stListAll = this.db.prepare<[], string>('SELECT key FROM kv ORDER BY key').pluck();
      this.stListFrom = this.db.prepare<[string], string>('SELECT key FROM kv WHERE key >= ? ORDER BY key').pluck();
      this.stListRange = this.db
        .prepare<[string, string], string>('SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key')
        .pluck();
    } catch (e) {
      this.db.close();
      throw e;
    }
    this.writer = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path, done: this.done.buffer },
    });
    this.writer.unref();
    this.writer.on('message', (m: { id: number; error?: string }) => this.onCommitted(m));
    this.writer.on('error', (e) => this.failAll(e));
    this.writer.on('exit', () => this.failAll(new Error('the SQLite writer thread exited')));
  }

  /** Hands every queued write to the worker as one transaction, unless MAX_IN_FLIGHT are already there. */
  private pump(): void {
    if (this.inFlight.length >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    const group = this.queue;
    this.queue = [];
    const buf = encodeBatch(group);
    // Keep the process alive while a commit is outstanding.
    this.writer.ref();
    // The packed batch is transferred, not copied: one ArrayBuffer instead of a structured clone
    // of every operation object and of the pool slabs under each small value Buffer.
    const id = this.takeId();
    this.inFlight.push({ id, group });
    this.writer.postMessage({ id, buf }, [buf]);
  }

  /** The next message id (wrapping within int32: it is compared with the shared Int32Array). */
  private takeId(): number {
    const id = this.nextId;
    this.nextId = id >= 0x7fffffff ? 1 : id + 1;
    return id;
  }

  settle(): void {
    // The worker commits in order: the last committed id covers every transaction sent before it.
    const last = Atomics.load(this.done, 0);
    for (let i = 0; i < this.inFlight.length; i++) {
      if ((this.inFlight[i] as { id: number }).id !== last) continue;
      for (let j = 0; j <= i; j++) this.onCommitted({ id: (this.inFlight[0] as { id: number }).id });
      return;
    }
  }

  private onCommitted(m: { id: number; error?: string }): void {
    // An answer to a transaction already settled through the shared id, or to the close message.
    const head = this.inFlight[0];
    if (head === undefined || m.id !== head.id) return;
    this.inFlight.shift();
    const group = head.group;
    const err = m.error !== undefined ? new Error(`SQLite write failed: ${m.error}`) : undefined;
    for (let i = 0; i < group.length; i++) {
      const w = group[i] as PendingWrite;
      if (err) w.reject(err);
      else w.resolve();
    }
    // close() waits for every transaction: with two in flight, the first answer is not the last.
    if (this.closeWaiter && this.queue.length === 0 && this.inFlight.length === 0) {
      const done = this.closeWaiter;
      this.closeWaiter = undefined;
      done();
      return;
    }
    this.pump();
    if (this.inFlight.length === 0) this.writer.unref();
  }

  private failAll(e: Error): void {
    if (this.failure === undefined) this.failure = e;
    const all = [...this.inFlight.flatMap((t) => t.group), ...this.queue];
    this.inFlight = [];
    this.queue = [];
    for (const w of all) w.reject(e);
    if (this.closeWaiter) {
      const done = this.closeWaiter;
      this.closeWaiter = undefined;
      done();
    }
  }

  private write(ops: readonly BatchOp[]): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      this.pump();
    });
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
    return this.write([{ op: 'put', key, value }]);
  }

  async delete(key: string): Promise<void> {
    this.check();
    checkKey(key);
    return this.write([{ op: 'delete', key }]);
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
    return this.write(ops);
  }

  /** Waits for queued writes to commit, stops the writer thread and closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inFlight.length > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => {
        this.closeWaiter = resolve;
      });
    }
    // A writer that is already gone cannot answer (nor exit again): just close our connection.
    if (this.failure === undefined) await this.stopWriter();
    this.writer.removeAllListeners('exit');
    this.writer.removeAllListeners('error');
    await this.writer.terminate();
    this.db.close();
  }

  /** Asks the writer thread to close its connection and waits for its answer (or its exit). */
  private async stopWriter(): Promise<void> {
    this.writer.ref();
    await new Promise<void>((resolve) => {
      const id = this.takeId();
      const onMessage = (m: { id: number }): void => {
        if (m.id !== id) return;
        this.writer.off('message', onMessage);
        resolve();
      };
      this.writer.on('message', onMessage);
      this.writer.once('exit', () => resolve());
      this.writer.postMessage({ id, close: true });
    });
  }

  private check(): void {
    if (this.closed) throw new Error('backend closed');
  }
}
