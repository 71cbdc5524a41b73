import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { backendConformance } from './conformance.js';
import { openPhysicalBackend } from './index.js';
import { SqliteBackend } from './sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-sqlite-'));
let n = 0;
const freshDir = (): string => join(root, `d${n++}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mkdirp = (dir: string): string => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
};

backendConformance('sqlite', () => SqliteBackend.open({ dataDir: freshDir() }));

describe('SqliteBackend', () => {
  it('creates the directory 0700 and the database files 0600, in WAL mode with synchronous=FULL', async () => {
    const dir = join(freshDir(), 'nested');
    const b = await SqliteBackend.open({ dataDir: dir });
    await b.put('k', Buffer.from('v'));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ['bulwark.db', 'bulwark.db-wal', 'bulwark.db-shm']) {
      expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    }
    await b.close();
    const db = new Database(join(dir, 'bulwark.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('reports synchronous = FULL on its own connection', async () => {
    const dir = freshDir();
    const b = await SqliteBackend.open({ dataDir: dir });
    const db = (b as unknown as { db: Database.Database }).db;
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    await b.close();
  });

  it('creates a new database with 16 KiB pages and opens an existing 4 KiB one unchanged', async () => {
    const dir = freshDir();
    const a = await SqliteBackend.open({ dataDir: dir });
    await a.put('k', Buffer.alloc(1600, 1));
    await a.close();
    const read = (path: string): unknown => {
      const db = new Database(path, { readonly: true });
      const size = db.pragma('page_size', { simple: true });
      db.close();
      return size;
    };
    expect(read(join(dir, 'bulwark.db'))).toBe(16384);
    // A database made before the change (SQLite's default 4 KiB pages) keeps its pages and its data.
    const old = freshDir();
    const legacy = new Database(join(mkdirp(old), 'bulwark.db'));
    legacy.pragma('journal_mode = WAL');
    legacy.exec('CREATE TABLE kv (key TEXT COLLATE BINARY PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID');
    legacy.prepare('INSERT INTO kv (key, value) VALUES (?, ?)').run('old', Buffer.from('kept'));
    legacy.close();
    const b = await SqliteBackend.open({ dataDir: old });
    expect(await b.get('old')).toEqual(Buffer.from('kept'));
    await b.put('new', Buffer.alloc(1600, 2));
    await b.close();
    expect(read(join(old, 'bulwark.db'))).toBe(4096);
  });

  it('fails later writes at once when the writer thread is gone, instead of hanging', async () => {
    const b = await SqliteBackend.open({ dataDir: freshDir() });
    await b.put('before', Buffer.from('1'));
    const writer = (b as unknown as { writer: { terminate(): Promise<number>; once(ev: string, f: () => void): void } }).writer;
    const exited = new Promise<void>((resolve) => writer.once('exit', resolve));
    await writer.terminate();
    await exited;
    await expect(b.put('after', Buffer.from('2'))).rejects.toThrow(/writer thread exited/);
    await expect(b.batch([{ op: 'delete', key: 'before' }])).rejects.toThrow(/writer thread exited/);
    expect(await b.get('before')).toEqual(Buffer.from('1'));
    await b.close();
  });

  /** Blocks this thread (no event loop turn) until the writer has committed everything sent to it. */
  const spinUntilCommitted = (b: SqliteBackend): void => {
    const internals = b as unknown as { done: Int32Array; inFlight: { id: number }[] };
    const last = internals.inFlight[internals.inFlight.length - 1]?.id;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 2000 && Atomics.load(internals.done, 0) !== last; i++) Atomics.wait(nap, 0, 0, 5);
    expect(Atomics.load(internals.done, 0)).toBe(last);
  };
  /** Lets every queued microtask run, and nothing else. */
  const microtasks = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await null;
  };

  it('settle() resolves a commit the writer finished without waiting for the event loop', async () => {
    const b = await SqliteBackend.open({ dataDir: freshDir() });
    await b.put('warm', Buffer.from('0'));
    let resolved = false;
    const p = b.put('a', Buffer.from('1')).then(() => (resolved = true));
    spinUntilCommitted(b);
    await microtasks();
    expect(resolved).toBe(false); // the writer's message has not been handled: no turn has passed
    b.settle();
    await microtasks();
    expect(resolved).toBe(true);
    expect(await b.get('a')).toEqual(Buffer.from('1'));
    await p;
    // The writer's own answer to that commit arrives later and must not settle the next one.
    let second = false;
    const q = b.put('b', Buffer.from('2')).then(() => (second = true));
    await new Promise((r) => setTimeout(r, 20));
    await q;
    expect(second).toBe(true);
    expect(await b.get('b')).toEqual(Buffer.from('2'));
    await b.close();
  });

  it('keeps two transactions in flight and settles both once the later one is committed', async () => {
    const b = await SqliteBackend.open({ dataDir: freshDir() });
    await b.put('warm', Buffer.from('0'));
    const order: string[] = [];
    const p1 = b.put('x', Buffer.from('1')).then(() => order.push('x'));
    const p2 = b.batch([{ op: 'put', key: 'y', value: Buffer.from('2') }, { op: 'delete', key: 'warm' }]).then(() => order.push('y'));
    const p3 = b.put('z', Buffer.from('3')).then(() => order.push('z'));
    expect((b as unknown as { inFlight: unknown[] }).inFlight).toHaveLength(2); // z waits for a slot
    spinUntilCommitted(b);
    b.settle();
    await microtasks();
    expect(order).toEqual(['x', 'y']);
    await Promise.all([p1, p2, p3]);
    expect(order).toEqual(['x', 'y', 'z']);
    expect(await b.get('warm')).toBeUndefined();
    expect(await b.list('')).toEqual(['x', 'y', 'z']);
    await b.close();
  });

  it('a failed transaction rejects only its own writes, also with another one in flight', async () => {
    const b = await SqliteBackend.open({ dataDir: freshDir() });
    const raw = new Database(b.path);
    raw.exec("CREATE TRIGGER no_bad BEFORE INSERT ON kv WHEN NEW.key = 'bad' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END");
    raw.close();
    const bad = b.batch([{ op: 'put', key: 'ok-in-bad', value: Buffer.from('1') }, { op: 'put', key: 'bad', value: Buffer.from('2') }]);
    const good = b.put('good', Buffer.from('3'));
    await expect(bad).rejects.toThrow(/refused by test trigger/);
    await good;
    b.settle(); // nothing in flight: a no-op
    expect(await b.get('ok-in-bad')).toBeUndefined();
    expect(await b.get('good')).toEqual(Buffer.from('3'));
    await b.close();
  });

  it('persists across close and reopen', async () => {
    const dir = freshDir();
    const a = await SqliteBackend.open({ dataDir: dir });
    await a.put('p/1', Buffer.from([0, 1, 2]));
    await a.batch([{ op: 'put', key: 'p/2', value: Buffer.from('two') }]);
    await a.close();
    const b = await SqliteBackend.open({ dataDir: dir });
    expect(await b.list('p/')).toEqual(['p/1', 'p/2']);
    expect(await b.get('p/1')).toEqual(Buffer.from([0, 1, 2]));
    await b.close();
  });

  it('is what openPhysicalBackend returns for storage=sqlite', async () => {
    const dir = freshDir();
    const b = await openPhysicalBackend({ storage: 'sqlite', dataDir: dir });
    expect(b.kind).toBe('sqlite');
    expect(b).toBeInstanceOf(SqliteBackend);
    await b.close();
  });

  it('openPhysicalBackend rejects unknown storage without echoing a password', async () => {
    await expect(openPhysicalBackend({ storage: 'mysql://u:hunter2@h/db', dataDir: freshDir() })).rejects.toThrow(
      /unknown storage "mysql:\/\/u:\*\*\*@h\/db"/,
    );
    await expect(openPhysicalBackend({ storage: '', dataDir: freshDir() })).rejects.toThrow(/unknown storage/);
  });
});
