// GuardDuty ingest throughput and memory (issue 8).
//   1. Throughput: CloudTrail files ({"Records":[...]}, realistic records, many principals) read and
//      JSON-parsed only (the ceiling), and read + parsed + fed through a DetectionEngine with every
//      module on, alternating file by file in one run; the median of the per-round ratios (target >= 0.5).
//   2. Memory: millions of synthetic events with ever-new principals, IPs and instances through one
//      engine; heap after GC at checkpoints must level off (baselines are LRU-bounded).
//   3. With --baseline-dist <dir> (another build's dist/src, e.g. a copy taken before a change): the
//      service path GuardDuty.ingest (validation, dedup, all modules) of both builds on the same
//      freshly parsed 1,000-record documents, alternating builds round by round; CPU time of ingest
//      against CPU time of JSON.parse, and the new/baseline ratio.
// Usage: npx tsc -p tsconfig.build.json && node --expose-gc bench/guardduty-ingest.mjs [--records 200000] [--rounds 5] [--memory-events 3000000] [--baseline-dist <dir>]
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dist, fakeContext, loadDetections, rng, syntheticRecord } from './guardduty-lib.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i === -1 ? dflt : Number(process.argv[i + 1]); };
const RECORDS = arg('records', 200_000);
const ROUNDS = arg('rounds', 5);
const MEMORY_EVENTS = arg('memory-events', 3_000_000);
const BASELINE = process.argv.includes('--baseline-dist') ? process.argv[process.argv.indexOf('--baseline-dist') + 1] : undefined;
const PER_FILE = 5_000;

const { DetectionEngine } = await loadDetections();
const dir = mkdtempSync(join(tmpdir(), 'bulwark-gd-ingest-'));
const r = rng(42);
const t0 = Date.UTC(2026, 0, 5);
let bytes = 0;
for (let f = 0, i = 0; i < RECORDS; f++) {
  const recs = [];
  for (let k = 0; k < PER_FILE && i < RECORDS; k++, i++) recs.push(syntheticRecord(r, i, 2_000, t0));
  const s = JSON.stringify({ Records: recs });
  bytes += s.length;
  writeFileSync(join(dir, `${String(f).padStart(4, '0')}.json`), s);
}
const files = readdirSync(dir).sort().map((f) => join(dir, f));
console.log(`${RECORDS} records in ${files.length} files, ${(bytes / 1048576).toFixed(1)} MiB (${Math.round(bytes / RECORDS)} B/record)`);

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/**
 * One round: for each file in turn, read + parse it (ceiling), then read + parse + detect it, so
 * both measurements see the same machine load (the machine is shared). Returns records/s of each.
 */
function round(engine) {
  let ceilMs = 0;
  let fullMs = 0;
  let n = 0;
  let found = 0;
  for (const f of files) {
    let t = performance.now();
    const a = JSON.parse(readFileSync(f, 'utf8'));
    for (const rec of a.Records) if (rec.eventName) n++;
    ceilMs += performance.now() - t;
    t = performance.now();
    const d = JSON.parse(readFileSync(f, 'utf8'));
    for (const rec of d.Records) found += engine.observe({ kind: 'cloudtrail', record: rec, source: 'ingest' }).length;
    fullMs += performance.now() - t;
  }
  return { ceil: n / (ceilMs / 1000), full: n / (fullMs / 1000), found };
}

// Setup (engine construction, rule compilation) timed apart from steady state.
let t = performance.now();
const warm = new DetectionEngine(fakeContext());
console.log(`engine setup: ${(performance.now() - t).toFixed(1)} ms`);
round(warm);
const rows = [];
for (let k = 0; k < ROUNDS; k++) rows.push(round(new DetectionEngine(fakeContext())));
const ratios = rows.map((x) => x.full / x.ceil);
console.log(`ceiling (read + JSON.parse): ${Math.round(median(rows.map((x) => x.ceil))).toLocaleString('en')} records/s  [${rows.map((x) => Math.round(x.ceil / 1000) + 'k').join(' ')}]`);
console.log(`all detectors on:            ${Math.round(median(rows.map((x) => x.full))).toLocaleString('en')} records/s  [${rows.map((x) => Math.round(x.full / 1000) + 'k').join(' ')}]`);
console.log(`ratio (median of per-round ratios): ${median(ratios).toFixed(2)} [${ratios.map((x) => x.toFixed(2)).join(' ')}] (target >= 0.5); candidates per pass: ${rows[0]?.found ?? 0}`);
rmSync(dir, { recursive: true, force: true });

// Memory with millions of events: new principals, IPs, instances and domains all the time.
if (MEMORY_EVENTS > 0) {
  const gc = globalThis.gc ?? (() => undefined);
  if (!globalThis.gc) console.log('(run with --expose-gc for exact heap numbers)');
  const engine = new DetectionEngine(fakeContext());
  const rm = rng(7);
  gc();
  const base = process.memoryUsage().heapUsed;
  const marks = new Set([MEMORY_EVENTS / 6, MEMORY_EVENTS / 3, MEMORY_EVENTS * 2 / 3, MEMORY_EVENTS].map(Math.floor));
  const rows = [];
  t = performance.now();
  for (let i = 1; i <= MEMORY_EVENTS; i++) {
    const k = i % 10;
    if (k < 6) engine.observe({ kind: 'cloudtrail', source: 'ingest', record: syntheticRecord(rm, i, 1_000_000, t0) });
    else if (k < 9) engine.observe({ kind: 'vpcflow', record: { srcAddr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dstAddr: `${50 + (i % 150)}.${(i >> 4) & 255}.${(i >> 12) & 255}.${i & 255}`, srcPort: 40000 + (i % 20000), dstPort: [443, 80, 22, 5432, 8080][i % 5], protocol: 6, packets: 10, bytes: 5000, start: t0 / 1000 + i / 100, end: t0 / 1000 + i / 100 + 5, action: 'ACCEPT', interfaceId: `eni-${i.toString(16)}` } });
    else engine.observe({ kind: 'dns', record: { query_timestamp: new Date(t0 + i * 10).toISOString(), query_name: `host${i}.example${i % 1000}.com.`, srcaddr: `10.0.${(i >> 8) & 255}.${i & 255}`, srcids: { instance: `i-${i.toString(16).padStart(17, '0')}` } } });
    if (marks.has(i)) {
      gc();
      rows.push([i, (process.memoryUsage().heapUsed - base) / 1048576]);
    }
  }
  const secs = (performance.now() - t) / 1000;
  for (const [n, mb] of rows) console.log(`after ${n.toLocaleString('en')} events: heap +${mb.toFixed(0)} MiB`);
  console.log(`memory run: ${MEMORY_EVENTS.toLocaleString('en')} events in ${secs.toFixed(1)} s; snapshot ${(JSON.stringify(engine.snapshot()).length / 1048576).toFixed(1)} MiB`);
}

// Service path, this build against a baseline build, alternating.
if (BASELINE) {
  const load = async (d) => {
    const imp = (p) => import(pathToFileURL(join(d, p)).href);
    const [{ GuardDuty }, { DetectionEngine: Engine, findingTypeInfo }, { MemoryBackend }] = await Promise.all([imp('detector/guardduty.js'), imp('detector/detections/index.js'), imp('storage/index.js')]);
    return { GuardDuty, Engine, findingTypeInfo, MemoryBackend };
  };
  const builds = [await load(BASELINE), await load(dist)];
  const rd = rng(42);
  const docs = [];
  for (let i = 0; i < RECORDS;) { const recs = []; for (let k = 0; k < 1_000 && i < RECORDS; k++, i++) recs.push(syntheticRecord(rd, i, 2_000, t0)); docs.push(JSON.stringify({ Records: recs })); }
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const pass = async (b) => {
    const gd = new b.GuardDuty({ kv: new b.MemoryBackend(), accountId: '111122223333', region: 'us-east-1', bucketsRoot: join(tmpdir(), 'bulwark-gd-bench-buckets'), engine: (ctx) => new b.Engine(ctx), typeInfo: b.findingTypeInfo });
    const now = new Date().toISOString();
    await gd.addDetector({ id: `d${Math.random().toString(16).slice(2)}`, accountId: '111122223333', region: 'us-east-1', status: 'ENABLED', findingPublishingFrequency: 'SIX_HOURS', createdAt: now, updatedAt: now, features: {}, tags: {} });
    let parse = 0;
    let ingest = 0;
    for (const d of docs) {
      const a = cpuMs();
      const body = JSON.parse(d);
      const m = cpuMs();
      const res = gd.ingest('cloudtrail', body.Records, '111122223333', 'us-east-1');
      ingest += cpuMs() - m;
      parse += m - a;
      if (res.accepted !== body.Records.length) throw new Error('not all records accepted');
    }
    return { parse, ingest };
  };
  await pass(builds[0]);
  await pass(builds[1]);
  const rows = [[], []];
  for (let k = 0; k < ROUNDS; k++) for (const i of k % 2 ? [1, 0] : [0, 1]) rows[i].push(await pass(builds[i]));
  const show = (name, rs) => console.log(`${name}: GuardDuty.ingest CPU ${median(rs.map((x) => x.ingest)).toFixed(0)} ms [${rs.map((x) => x.ingest.toFixed(0)).join(' ')}], JSON.parse CPU ${median(rs.map((x) => x.parse)).toFixed(0)} ms, ingest/parse ${median(rs.map((x) => x.ingest / x.parse)).toFixed(2)}`);
  console.log(`\nservice path, ${RECORDS.toLocaleString('en')} records in documents of 1,000 (CPU ms per pass, median of ${ROUNDS}):`);
  show(`baseline ${BASELINE}`, rows[0]);
  show(`this build ${dist}`, rows[1]);
  console.log(`this build / baseline (GuardDuty.ingest CPU): ${(median(rows[1].map((x) => x.ingest)) / median(rows[0].map((x) => x.ingest))).toFixed(2)}`);
}
