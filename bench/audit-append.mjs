// Benchmark: the audit event store alone, in process — EventStore.append over the barrier and
// SQLite (writer thread, synchronous = FULL), `--conc` appenders in a closed loop (1–2 make the
// one- or two-record commit groups of a node whose commits finish fast; 32 the large groups of a
// busy one). Reports process CPU (main + writer thread) per record, which a shared machine
// disturbs far less than req/s. Several builds alternate in one process: copy the old build first
// (`mkdir /tmp/before && cp -r dist package.json /tmp/before/ && ln -s $PWD/node_modules /tmp/before/`;
// the same copy serves `BULWARK_DIST=/tmp/before/dist/src node bench/kms.mjs`).
// Usage: npm run build && node bench/audit-append.mjs [--builds /tmp/before/dist,dist] [--records 4000] [--rounds 3] [--conc 1,2,8,32] [--trails t1] [--sink] [--lookup]
// Prints, besides process CPU per record, the main thread's and the busiest other thread's (the writer).
// --lookup: afterwards, also reads every record back through LookupEvents pages of 50 (newest first,
// no attribute, from a freshly loaded store) and prints the CPU per record read.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { arg, median } from './lib.mjs';

const strArg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
};
const builds = strArg('builds', 'dist').split(',').map((d) => resolve(d));
const records = arg('records', 4000);
const rounds = arg('rounds', 3);
const concs = strArg('conc', '1,2,8,32').split(',').map(Number);
const trails = strArg('trails', '') ? strArg('trails', '').split(',') : [];
// --sink: time the whole per-call path (CloudTrail record built from the call event, JSON, append)
// instead of only append.
const sink = process.argv.includes('--sink');
const lookup = process.argv.includes('--lookup');

/** CPU ns of each thread of this process (Linux schedstat; empty elsewhere). */
function threadNs() {
  const out = new Map();
  try {
    for (const tid of readdirSync('/proc/self/task')) out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
  } catch {
    // not Linux
  }
  return out;
}
const ACCOUNT = '123456789012';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0b1f7e0e-2c55-4a4e-9a53-3a1f0e6f8f11`;

async function loadBuild(dist) {
  const imp = (p) => import(join(dist, 'src', p));
  const [audit, barrier, sqlite, events, lookupMod] = await Promise.all([imp('audit/index.js'), imp('barrier/index.js'), imp('storage/sqlite.js'), imp('events/index.js'), imp('audit/lookup.js')]);
  return { dist, audit, barrier, sqlite, events, lookupEvents: lookupMod.lookupEvents };
}

/** A KMS Encrypt call by the root user, as the API server reports it. */
function encryptEvent(events, ms) {
  return {
    time: new Date(ms), requestId: `req-${ms}`, eventId: events.eventIdAt(ms),
    identity: { type: 'Root', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalId: ACCOUNT, accessKeyId: 'AKIAROOTROOTROOT0001', temporary: false },
    sourceIp: '127.0.0.1', userAgent: 'aws-sdk-js/3', service: 'kms', eventSource: 'kms.amazonaws.com', operation: 'Encrypt', region: 'us-east-1', readOnly: false,
    resources: [{ arn: KEY_ARN, type: 'AWS::KMS::Key' }], requestParameters: { keyId: KEY_ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    responseElements: null, httpStatus: 200, authenticated: true,
  };
}

async function run(b, conc) {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-audit-append-'));
  const backend = await b.sqlite.SqliteBackend.open({ dataDir: dir });
  try {
    const seal = await b.barrier.SealManager.open(backend, { dataDir: dir });
    await seal.initDev();
    const store = new b.audit.EventStore(seal.barrier);
    await store.load();
    // Records are built before timing (the same work for every build): 5 per millisecond.
    const t0 = Date.now();
    const items = [];
    for (let i = 0; i < records; i++) {
      const ms = t0 + Math.floor(i / 5);
      const e = encryptEvent(b.events, ms);
      const r = b.audit.toCloudTrailRecord(e, ACCOUNT);
      items.push([r, JSON.stringify(r), ms, e]);
    }
    let batches = 0;
    const write = backend.batch.bind(backend);
    backend.batch = (ops) => ((batches += 1), write(ops));
    let next = 0;
    const appender = async () => {
      while (next < items.length) {
        const [r, json, ms, e] = items[next++];
        if (sink) {
          const rec = b.audit.toCloudTrailRecord(e, ACCOUNT);
          await store.append(rec, JSON.stringify(rec), ms, trails);
        } else await store.append(r, json, ms, trails);
      }
    };
    const th0 = threadNs();
    const cpu0 = process.cpuUsage();
    const wall0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: conc }, appender));
    // A build with a background compactor: its work counts too.
    if (typeof store.compact === 'function') await store.compact();
    const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const th1 = threadNs();
    // The main thread's tid is the pid; the busiest other thread is the SQLite writer.
    let mainNs = 0;
    let otherNs = 0;
    for (const [tid, ns] of th1) {
      const d = ns - (th0.get(tid) ?? 0);
      if (Number(tid) === process.pid) mainNs = d;
      else otherNs = Math.max(otherNs, d);
    }
    const rows = (await backend.list('audit/')).length;
    let lookupUsPerRecord;
    if (lookup) {
      const reader = new b.audit.EventStore(seal.barrier);
      await reader.load();
      const now = new Date(t0 + records);
      const l0 = process.cpuUsage();
      let read = 0;
      let token;
      do {
        const page = await b.lookupEvents(reader, { StartTime: new Date(t0 - 1000), EndTime: now, MaxResults: 50, ...(token ? { NextToken: token } : {}) }, now);
        read += page.Events.length;
        token = page.NextToken;
      } while (token);
      const l = process.cpuUsage(l0);
      if (read !== records) throw new Error(`lookup read ${read} of ${records} records`);
      lookupUsPerRecord = (l.user + l.system) / read;
    }
    return { lookupUsPerRecord, cpuUsPerRecord: (cpu.user + cpu.system) / records, mainUsPerRecord: mainNs / 1000 / records, writerUsPerRecord: otherNs / 1000 / records, recordsPerSec: records / wall, backendBatchesPerRecord: batches / records, rowsPerRecord: rows / records };
  } finally {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const loaded = [];
for (const d of builds) loaded.push(await loadBuild(d));
const all = new Map();
for (let r = 0; r < rounds; r++) {
  for (const conc of concs) {
    // Alternate the order of builds from round to round.
    for (const b of r % 2 ? [...loaded].reverse() : loaded) {
      const x = await run(b, conc);
      const k = `${b.dist} conc=${conc}`;
      all.set(k, [...(all.get(k) ?? []), x]);
    }
  }
}
const summary = [];
for (const [k, xs] of all) {
  const s = {
    build: k,
    cpuUsPerRecord: Number(median(xs.map((x) => x.cpuUsPerRecord)).toFixed(1)),
    runs: xs.map((x) => Number(x.cpuUsPerRecord.toFixed(1))),
    mainUsPerRecord: Number(median(xs.map((x) => x.mainUsPerRecord)).toFixed(1)),
    writerUsPerRecord: Number(median(xs.map((x) => x.writerUsPerRecord)).toFixed(1)),
    recordsPerSec: Math.round(median(xs.map((x) => x.recordsPerSec))),
    backendBatchesPerRecord: Number(median(xs.map((x) => x.backendBatchesPerRecord)).toFixed(3)),
    storedRowsPerRecord: Number(median(xs.map((x) => x.rowsPerRecord)).toFixed(2)),
    ...(lookup ? { lookupUsPerRecord: Number(median(xs.map((x) => x.lookupUsPerRecord)).toFixed(1)) } : {}),
  };
  summary.push(s);
  console.log(JSON.stringify(s));
}
console.log(JSON.stringify({ benchmark: 'audit-append', records, rounds, concs, trails, summary }));
