// GuardDuty ingestion end to end and live latency (issue 8), against the real binary.
//   1. Throughput: a synthetic CloudTrail corpus ({"Records":[...]} files as CloudTrail delivers
//      them, realistic principals, APIs, IPs and clients) is read + JSON-parsed in this process (the
//      ceiling) and sent with `bulwark ingest cloudtrail <dir>` (a separate process: CLI start-up,
//      signed POSTs to /_bulwark/ingest/cloudtrail, the server's parse, dedup, all detection modules
//      and the findings store) to a running `bulwark start`. Ceiling and ingest rounds alternate so
//      both see the same machine load; each ingest round goes to a fresh detector (new records,
//      fresh baselines). Reported: medians and the median of per-round ratios (target >= 0.5).
//   2. Latency: a root kms:ListKeys with the AWS SDK, then ListFindings + GetFindings polled until the
//      Policy:IAMUser/RootCredentialUsage finding's count moves (target < 1 s).
// Usage: npx tsc -p tsconfig.build.json && node bench/guardduty-ingest-e2e.mjs [--records 200000] [--per-file 1000] [--rounds 3] [--samples 20]
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CreateDetectorCommand, DeleteDetectorCommand, GetFindingsCommand, GuardDutyClient, ListFindingsCommand } from '@aws-sdk/client-guardduty';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { arg, creds, root, startBulwark, stop, tempDir } from './lib.mjs';
import { rng, syntheticRecord } from './guardduty-lib.mjs';

const RECORDS = arg('records', 200_000);
const PER_FILE = arg('per-file', 1_000);
const ROUNDS = arg('rounds', 3);
const SAMPLES = arg('samples', 20);
const PRINCIPALS = arg('principals', 2_000);
const bin = join(root, 'dist/src/cli/bin.js');

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (n) => Math.round(n).toLocaleString('en');

const work = tempDir();
const corpus = join(work, 'ct');
const empty = join(work, 'empty');
mkdirSync(corpus);
mkdirSync(empty);
let server;
process.on('exit', () => {
  server?.proc.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

// ---- corpus ----
const r = rng(8);
const t0 = Date.UTC(2026, 0, 5);
let bytes = 0;
for (let f = 0, i = 0; i < RECORDS; f++) {
  const recs = [];
  for (let k = 0; k < PER_FILE && i < RECORDS; k++, i++) recs.push(syntheticRecord(r, i, PRINCIPALS, t0));
  const s = JSON.stringify({ Records: recs });
  bytes += s.length;
  writeFileSync(join(corpus, `${String(f).padStart(5, '0')}.json`), s);
}
const files = readdirSync(corpus).sort().map((f) => join(corpus, f));
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`${new Date().toISOString()} load average ${load()} (2-core machine shared with other work: wall ratios vary with it)`);
console.log(`corpus: ${fmt(RECORDS)} records, ${PRINCIPALS} principals, ${files.length} files of ${PER_FILE}, ${(bytes / 1048576).toFixed(1)} MiB (${Math.round(bytes / RECORDS)} B/record)`);

/** The ceiling: read + JSON.parse every file of the corpus; wall seconds (and CPU seconds in `cpu`). */
function ceiling() {
  const t = performance.now();
  const u = process.cpuUsage();
  let n = 0;
  for (const f of files) n += JSON.parse(readFileSync(f, 'utf8')).Records.length;
  if (n !== RECORDS) throw new Error(`ceiling read ${n} records`);
  const d = process.cpuUsage(u);
  lastCeilingCpu = (d.user + d.system) / 1e6;
  return (performance.now() - t) / 1000;
}
let lastCeilingCpu = 0;

/**
 * CPU seconds (user + system) from /proc: a running process's own (`pid`), or what this process's
 * reaped children used (`children`: the CLI runs are counted once they exit). 0 without /proc.
 */
const TICK = 100; // USER_HZ on Linux
function cpuSeconds(pid, children = false) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is f[0]; utime, stime, cutime, cstime are fields 14-17 of the file (f[11..14]).
    return children ? (Number(f[13]) + Number(f[14])) / TICK : (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of each thread of a running process (/proc/<pid>/task/<tid>/stat): tid → { name, s }.
 * With detection on a thread of its own, the server's busiest thread bounds its throughput on a
 * machine with a free core; the per-thread split shows it independently of other load.
 */
function threadCpu(pid) {
  const out = new Map();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), s: (Number(f[11]) + Number(f[12])) / TICK });
    }
  } catch {
    // no /proc: nothing to report
  }
  return out;
}

/** The server's main thread and its busiest other thread between two threadCpu() readings. */
function threadSplit(pid, before, after) {
  let main = 0;
  let other = 0;
  let otherName = '';
  for (const [tid, t] of after) {
    const d = t.s - (before.get(tid)?.s ?? 0);
    if (tid === String(pid)) main = d;
    else if (d > other) {
      other = d;
      otherName = t.name;
    }
  }
  return { main, other, otherName };
}

/** Runs the CLI; resolves { seconds, summary }. */
function cli(args) {
  const env = { ...process.env, AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_REGION: 'us-east-1' };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const p = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const kill = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('exit', (code) => {
      clearTimeout(kill);
      const seconds = (performance.now() - t) / 1000;
      if (code !== 0) return reject(new Error(`bulwark ${args.join(' ')} exited ${code}: ${err}${out}`));
      resolve({ seconds, summary: out.trim() ? JSON.parse(out) : undefined });
    });
  });
}

// ---- server ----
const dataDir = join(work, 'data');
server = await startBulwark(dataDir);
server.proc.stdout.resume();
const cfg = { endpoint: server.endpoint, region: 'us-east-1', credentials: creds };
const gd = new GuardDutyClient(cfg);
const kms = new KMSClient(cfg);
let detectorId;
async function freshDetector() {
  if (detectorId) await gd.send(new DeleteDetectorCommand({ DetectorId: detectorId }));
  detectorId = (await gd.send(new CreateDetectorCommand({ Enable: true }))).DetectorId;
}

// ---- throughput ----
ceiling(); // warm the page cache and this process's JIT
const startup = [];
for (let k = 0; k < 3; k++) startup.push((await cli(['ingest', 'cloudtrail', empty, '--json'])).seconds);
console.log(`CLI start-up (ingest of an empty directory, median of 3): ${median(startup).toFixed(2)} s`);

const rows = [];
for (let k = 0; k < ROUNDS; k++) {
  await freshDetector();
  const c = ceiling();
  const cc = lastCeilingCpu;
  const s0 = cpuSeconds(server.proc.pid);
  const c0 = cpuSeconds('self', true);
  const th0 = threadCpu(server.proc.pid);
  const { seconds, summary } = await cli(['ingest', 'cloudtrail', corpus, '--json', '--no-progress']);
  const sCpu = cpuSeconds(server.proc.pid) - s0;
  const cCpu = cpuSeconds('self', true) - c0;
  const th = threadSplit(server.proc.pid, th0, threadCpu(server.proc.pid));
  if (summary.accepted !== RECORDS || summary.skipped !== 0) throw new Error(`ingest: ${JSON.stringify(summary)}`);
  rows.push({ c, e: seconds, cc, ec: sCpu + cCpu, sCpu, cCpu, busiest: Math.max(th.main, th.other, cCpu) });
  console.log(`round ${k + 1}: ceiling ${c.toFixed(2)} s (${fmt(RECORDS / c)}/s, CPU ${cc.toFixed(2)} s), bulwark ingest ${seconds.toFixed(2)} s (${fmt(RECORDS / seconds)}/s; CPU server ${sCpu.toFixed(2)} s [main thread ${th.main.toFixed(2)} s, busiest other thread ${th.other.toFixed(2)} s '${th.otherName}'] + CLI ${cCpu.toFixed(2)} s), ratio ${(c / seconds).toFixed(2)}, findings created ${summary.findingsCreated}`);
}
// The same corpus again into the last detector: every record is a duplicate.
// Its server CPU is what receiving, verifying and parsing the documents cost without detection.
const cd = ceiling();
const cdc = lastCeilingCpu;
const ds0 = cpuSeconds(server.proc.pid);
const dc0 = cpuSeconds('self', true);
const dth0 = threadCpu(server.proc.pid);
const dup = await cli(['ingest', 'cloudtrail', corpus, '--json', '--no-progress']);
const dsCpu = cpuSeconds(server.proc.pid) - ds0;
const dcCpu = cpuSeconds('self', true) - dc0;
const dth = threadSplit(server.proc.pid, dth0, threadCpu(server.proc.pid));
if (dup.summary.duplicates !== RECORDS) throw new Error(`duplicates: ${JSON.stringify(dup.summary)}`);
console.log(`duplicates round: ceiling ${cd.toFixed(2)} s (CPU ${cdc.toFixed(2)} s), bulwark ingest ${dup.seconds.toFixed(2)} s (CPU server ${dsCpu.toFixed(2)} s [main thread ${dth.main.toFixed(2)} s, busiest other thread ${dth.other.toFixed(2)} s] + CLI ${dcCpu.toFixed(2)} s), ratio ${(cd / dup.seconds).toFixed(2)}`);

const ratios = rows.map((x) => x.c / x.e);
const mc = median(rows.map((x) => x.c));
const me = median(rows.map((x) => x.e));
console.log(`ceiling (read + JSON.parse):       ${median(rows.map((x) => x.c)).toFixed(2)} s  ${fmt(RECORDS / mc)} records/s`);
console.log(`bulwark ingest (all detectors on): ${me.toFixed(2)} s  ${fmt(RECORDS / me)} records/s (CLI start-up included)`);
console.log(`ratio (median of per-round ratios): ${median(ratios).toFixed(2)} [${ratios.map((x) => x.toFixed(2)).join(' ')}] (target >= 0.5)`);
if (rows[0].ec > 0) {
  const cpuRatios = rows.map((x) => x.cc / x.ec);
  console.log(`CPU time: ceiling ${median(rows.map((x) => x.cc)).toFixed(2)} s, server ${median(rows.map((x) => x.sCpu)).toFixed(2)} s + CLI ${median(rows.map((x) => x.cCpu)).toFixed(2)} s; ratio ${median(cpuRatios).toFixed(2)} [${cpuRatios.map((x) => x.toFixed(2)).join(' ')}] (less sensitive to other load on a shared machine)`);
  // What the wall ratio would be with a core per busy thread: ceiling CPU over the busiest of the
  // server's main thread, its busiest other thread and the CLI.
  const pathRatios = rows.map((x) => x.cc / x.busiest);
  if (rows[0].busiest > 0) console.log(`busiest-thread CPU ratio: ${median(pathRatios).toFixed(2)} [${pathRatios.map((x) => x.toFixed(2)).join(' ')}] (ceiling CPU / the busiest thread's CPU: the wall ratio a machine with a free core per busy thread would see)`);
}

console.log(`${new Date().toISOString()} load average ${load()}`);

// ---- latency ----
await freshDetector();
const crit = { Criterion: { type: { Eq: ['Policy:IAMUser/RootCredentialUsage'] } } };
async function rootUsageCount() {
  const ids = (await gd.send(new ListFindingsCommand({ DetectorId: detectorId, FindingCriteria: crit }))).FindingIds ?? [];
  if (ids.length === 0) return 0;
  const fs = (await gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: ids }))).Findings ?? [];
  return fs.reduce((n, f) => n + (f.Service?.Count ?? 0), 0);
}
const lat = [];
for (let k = 0; k < SAMPLES; k++) {
  const before = await rootUsageCount();
  const t = performance.now();
  await kms.send(new ListKeysCommand({}));
  while ((await rootUsageCount()) <= before) {
    if (performance.now() - t > 5_000) throw new Error('no finding update within 5 s');
  }
  lat.push(performance.now() - t);
}
console.log(`latency API call -> ListFindings (${SAMPLES} root kms:ListKeys, SDK round trips included): median ${median(lat).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms (target < 1000 ms)`);

gd.destroy();
kms.destroy();
await stop(server.proc);
server = undefined;
process.exit(0);
