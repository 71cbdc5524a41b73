// Micro-benchmark of the upstream gate's normal path (issue 7, priority of established clients):
// what every request pays when the upstream is not congested — acquire() answers 'go' and
// release() returns the slot, naming the source of a successful request (the history learns it).
// Sides, in interleaved rounds in one process so that drift on a shared machine hits all alike:
//   off  — the gate of this tree without a history (maxEstablishedSources: 0)
//   on   — the gate of this tree with the default history (100,000 sources)
//   base — optionally, another compiled limits.js (e.g. the tree before the change): --base <file>
// A congested row (every request queues; half from established sources) is printed for scale.
// Usage: npx tsc -p tsconfig.build.json && node bench/flood/gate-micro.mjs [--rounds 9] [--ops 200000]
//        [--sources 300] [--base /path/to/limits.js]
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : process.argv[i + 1];
};
const rounds = Number(arg('--rounds', '9'));
const ops = Number(arg('--ops', '200000'));
const nSources = Number(arg('--sources', '300'));
const basePath = arg('--base', undefined);

const cur = await import(pathToFileURL(join(here, '..', '..', '..', 'dist', 'src', 'proxy', 'limits.js')).href);
const base = basePath ? await import(pathToFileURL(resolve(basePath)).href) : undefined;

const sources = Array.from({ length: nSources }, (_, i) => `127.10.${i % 250}.${1 + Math.floor(i / 250)}`);
const waiter = { cancelled: false, clientIp: '', grant() {}, timeout() {} };
const limits = cur.DEFAULT_LIMITS;

function gate(side) {
  if (side === 'base') return base.upstreamGate('bench', base.DEFAULT_LIMITS, undefined, 128);
  if (side === 'off') return cur.upstreamGate('bench', cur.siteLimitsSchema.parse({ maxEstablishedSources: 0 }), undefined, 128);
  return cur.upstreamGate('bench', limits, undefined, 128);
}

/** ns per request on the normal path: up to 16 requests in flight, each released as a success. */
function normal(g) {
  let now = Date.now();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    if ((i & 1023) === 0) now = Date.now();
    g.acquire(waiter, now);
    if (i >= 15) g.release(now, sources[i % nSources]);
  }
  const ns = Number(process.hrtime.bigint() - t0) / ops;
  while (g.active > 0) g.release(now);
  return ns;
}

/** ns per request when every request queues (one slot): acquire, then the release that grants it. */
function congested(g, established) {
  const t = 1_000_000;
  if (established && g.history) for (let i = 0; i < nSources; i += 2) g.history.record(sources[i], 0, true);
  g.acquire(waiter, t);
  const w = { cancelled: false, clientIp: '', grant() {}, timeout() {} };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    w.clientIp = sources[i % nSources];
    g.acquire(w, t);
    g.release(t);
  }
  return Number(process.hrtime.bigint() - t0) / ops;
}

const sides = base ? ['off', 'on', 'base'] : ['off', 'on'];
const res = Object.fromEntries(sides.map((s) => [s, []]));
for (const s of sides) normal(gate(s)); // warm-up
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? sides : [...sides].reverse();
  for (const s of order) res[s].push(normal(gate(s)));
  process.stdout.write(`round ${r + 1}: ${sides.map((s) => `${s} ${res[s][r].toFixed(1)} ns`).join(', ')}\n`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = Object.fromEntries(sides.map((s) => [s, median(res[s])]));
const perRound = (a, b) => median(res[a].map((x, i) => res[b][i] / x));
let line = `normal path (${ops} requests/round, ${nSources} sources): median ${sides.map((s) => `${s} ${m[s].toFixed(1)} ns`).join(', ')}; on/off ${(m.on / m.off).toFixed(2)} (per-round median ${perRound('off', 'on').toFixed(2)})`;
if (base) line += `; on/base ${(m.on / m.base).toFixed(2)} (per-round median ${perRound('base', 'on').toFixed(2)})`;
process.stdout.write(line + '\n');
const c = [];
for (let r = 0; r < 3; r++) c.push([congested(gate('off'), false), congested(gate('on'), true)]);
process.stdout.write(`congested (every request queues, half of the sources established): off ${median(c.map((x) => x[0])).toFixed(1)} ns, on ${median(c.map((x) => x[1])).toFixed(1)} ns per request\n`);
