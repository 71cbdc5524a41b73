// Benchmark: CPU of SQLite commits of audit-sized rows by page size, in the layout Bulwark uses
// (one `kv(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID` table, WAL, synchronous = FULL,
// time-ordered keys). Each commit inserts --per rows of --bytes random bytes (an encrypted KMS
// Encrypt record is ~950 bytes); reports process CPU (user + system) per row, page sizes alternated.
// Usage: node bench/sqlite-pages.mjs [--pages 4096,16384] [--bytes 950] [--per 24] [--commits 3000] [--rounds 2]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { arg, median } from './lib.mjs';

const pagesArg = process.argv.indexOf('--pages');
const pages = (pagesArg >= 0 ? process.argv[pagesArg + 1] : '4096,16384').split(',').map(Number);
const bytes = arg('bytes', 950);
const per = arg('per', 24);
const commits = arg('commits', 3000);
const rounds = arg('rounds', 2);

function run(pageSize) {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-sqlite-pages-'));
  const db = new Database(join(dir, 'bench.db'));
  try {
    db.pragma(`page_size = ${pageSize}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE kv (key TEXT COLLATE BINARY PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID');
    const put = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const values = Array.from({ length: 64 }, () => randomBytes(bytes));
    let n = 0;
    const commit = db.transaction(() => {
      for (let i = 0; i < per; i++) {
        const id = (n++).toString(16).padStart(12, '0');
        put.run(`audit/events/${String(Date.now()).padStart(16, '0')}/${id}-7000-8000-9000-000000000000`, values[n % 64]);
      }
    });
    for (let i = 0; i < 100; i++) commit();
    const c0 = process.cpuUsage();
    for (let i = 0; i < commits; i++) commit();
    const c = process.cpuUsage(c0);
    return { usPerRow: (c.user + c.system) / (commits * per), sysUsPerRow: c.system / (commits * per) };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const all = new Map(pages.map((p) => [p, []]));
for (let r = 0; r < rounds; r++) for (const p of r % 2 ? [...pages].reverse() : pages) all.get(p).push(run(p));
const summary = pages.map((p) => ({
  pageSize: p,
  cpuUsPerRow: Number(median(all.get(p).map((x) => x.usPerRow)).toFixed(1)),
  sysUsPerRow: Number(median(all.get(p).map((x) => x.sysUsPerRow)).toFixed(1)),
  runs: all.get(p).map((x) => Number(x.usPerRow.toFixed(1))),
}));
for (const s of summary) console.log(JSON.stringify(s));
console.log(JSON.stringify({ benchmark: 'sqlite-pages', bytes, per, commits, rounds, summary }));
