// Time to detect the flood benchmark's attack, simulated: the compiled AttackDetector of a tree fed
// with traffic in the shape of bench/flood/run.mjs as the proxy publishes it (on completion):
// 300 legitimate clients over 250 /24s at ~100 req/s, then from a random moment (random phase to
// the detector's ticks and to the wall-clock seconds) a flood of 1,024 addresses over eight /24s,
// of which `served-rps` complete per second for the first `queue-s` seconds (the rest waits in the
// upstream gate's queue) and `flood-rps` after (the queue is full: refusals complete at once).
// Detection settings as in the flood bench (minBaselineSeconds 20, perSourceFloorRps 2, defaults
// otherwise). Ticks every `tick-ms` (the controller's default of the tree when omitted: 1000 before
// sub-second ticks, 250 after). Prints the time from the flood's start to the attack's start.
// Usage: npx tsc -p tsconfig.build.json && node bench/flood/detect-sim.mjs [--runs 40] [--tick-ms N]
//        [--served-rps 400] [--flood-rps 1000] [--queue-s 1.7] [--seed 1] [--no-soon]
// BULWARK_DIST=<compiled tree> runs another build (default dist/src).
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rng } from '../rng.mjs';

const here = fileURLToPath(import.meta.url);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const dist = process.env.BULWARK_DIST ?? join(here, '..', '..', '..', 'dist', 'src');
const { AttackDetector } = await import(pathToFileURL(join(dist, 'shield', 'detector.js')).href);
const ctl = await import(pathToFileURL(join(dist, 'shield', 'controller.js')).href);
const o = {
  runs: arg('runs', 40), tickMs: arg('tick-ms', ctl.DEFAULT_TICK_MS ?? 1000), servedRps: arg('served-rps', 400),
  floodRps: arg('flood-rps', 1000), queueS: arg('queue-s', 1.7), seed: arg('seed', 1),
  noSoon: process.argv.includes('--no-soon'),
};

const PAGES = ['/', '/products', '/products/1', '/products/2', '/products/3', '/products/17', '/cart', '/about', '/search', '/blog', '/blog/post-1'];
const UAS = ['Chrome/139', 'Safari/18', 'Firefox/140', 'iPhone Safari/18', 'Android Chrome/139'];
const SITE = 'arn:aws:bulwark:us-east-1:000000000000:site/shop';

function once(rnd) {
  let detected;
  const d = new AttackDetector(
    { onStart: () => (detected ??= now), onUpdate: () => undefined, onEnd: () => undefined },
    { minBaselineSeconds: 20, perSourceFloorRps: 2 },
  );
  const t0 = 1_800_000_000_000 + Math.floor(rnd() * 1000);
  const floodAt = t0 + 40_000 + Math.floor(rnd() * 1000);
  const end = floodAt + 15_000;
  let now = t0;
  let nextTick = t0 + Math.floor(rnd() * o.tickMs);
  let bot = 0;
  let owedLegit = 0;
  let owedFlood = 0;
  // A tree whose detector asks for a tick when a request makes a second strong on its own (the
  // controller then ticks at once; --no-soon ignores it).
  let soon = false;
  for (; now < end && detected === undefined; now++) {
    owedLegit += 100 / 1000;
    for (; owedLegit >= 1; owedLegit--) {
      const c = Math.floor(rnd() * 300);
      if (d.request('shop', SITE, { time: now, clientIp: `127.10.${c % 250}.${1 + Math.floor(c / 250)}`, userAgent: UAS[c % UAS.length], uri: PAGES[Math.floor(rnd() * PAGES.length)], referer: 'http://shop/', method: 'GET' }) === true) soon = true;
    }
    if (now >= floodAt) {
      owedFlood += (now - floodAt < o.queueS * 1000 ? o.servedRps : o.floodRps) / 1000;
      for (; owedFlood >= 1; owedFlood--) {
        const ip = `127.200.${bot % 8}.${1 + Math.floor(bot / 8)}`;
        bot = (bot + 1) % 1024;
        if (d.request('shop', SITE, { time: now, clientIp: ip, userAgent: UAS[bot % UAS.length], uri: `/products?cb=${Math.floor(rnd() * 1e9).toString(36)}`, method: 'GET' }) === true) soon = true;
      }
    }
    if (now === nextTick) {
      d.tick(now);
      nextTick += o.tickMs;
    } else if (soon && !o.noSoon) d.tick(now);
    soon = false;
  }
  return detected === undefined ? Infinity : detected - floodAt;
}

const rnd = rng(o.seed);
const times = [];
for (let i = 0; i < o.runs; i++) times.push(once(rnd));
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
const mean = times.reduce((a, b) => a + b, 0) / times.length;
console.log(JSON.stringify({ options: o, detectMs: { mean: Math.round(mean), min: times[0], p50: q(0.5), p90: q(0.9), max: times.at(-1) } }));
