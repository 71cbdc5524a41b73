// How long one scrape of /_bulwark/metrics takes with many connections open (the scrape runs on the
// node's event loop: while it runs, nothing else is served). Starts `bulwark start`, opens idle TCP
// connections to its API listener from a child process (over 127.0.1.x source addresses), and times
// scrapes at each connection count; a second build (its compiled dist/src) is measured the same
// way in the same run, alternating. Usage:
//   npm run build && node bench/metrics-scrape.mjs [--against <other dist/src>] [--conns 0,1000,4000] [--scrapes 10]
import { fork } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { arg, median, startBulwark, stop, tempDir } from './lib.mjs';

if (process.argv[2] === '--hold') {
  // Child: hold `n` idle connections to port; answers 'ready' with how many connected.
  const [port, n] = [Number(process.argv[3]), Number(process.argv[4])];
  const socks = [];
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.1.${1 + (i % 250)}` });
    s.on('connect', () => ok++);
    s.on('error', () => {});
    socks.push(s);
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
  process.send({ ready: ok });
  await new Promise(() => {});
}

const connsAt = process.argv.indexOf('--conns');
const conns = (connsAt > 0 ? process.argv[connsAt + 1] : '0,1000,4000').split(',').map(Number);
const scrapes = arg('scrapes', 10);
const againstAt = process.argv.indexOf('--against');
const builds = [{ name: 'this build', dist: process.env.BULWARK_DIST }];
if (againstAt > 0) builds.push({ name: process.argv[againstAt + 1], dist: process.argv[againstAt + 1] });

async function scrapeMs(endpoint) {
  const t = performance.now();
  const r = await fetch(`${endpoint}/_bulwark/metrics`);
  await r.text();
  return performance.now() - t;
}

const results = [];
for (const n of conns) {
  for (const b of builds) {
    const prev = process.env.BULWARK_DIST;
    if (b.dist === undefined) delete process.env.BULWARK_DIST;
    else process.env.BULWARK_DIST = b.dist;
    const node = await startBulwark(join(tempDir(), 'data'));
    if (prev === undefined) delete process.env.BULWARK_DIST;
    else process.env.BULWARK_DIST = prev;
    const port = Number(new URL(node.endpoint).port);
    const holder = fork(new URL(import.meta.url).pathname, ['--hold', String(port), String(n)]);
    const ready = await new Promise((r) => holder.on('message', (m) => r(m.ready)));
    for (let i = 0; i < 3; i++) await scrapeMs(node.endpoint); // warm-up
    const ms = [];
    for (let i = 0; i < scrapes; i++) {
      ms.push(await scrapeMs(node.endpoint));
      await new Promise((r) => setTimeout(r, 50));
    }
    holder.kill();
    await stop(node.proc);
    const row = { build: b.name, connections: ready, medianMs: Number(median(ms).toFixed(2)), maxMs: Number(Math.max(...ms).toFixed(2)) };
    results.push(row);
    console.log(JSON.stringify(row));
  }
}
console.log(JSON.stringify({ benchmark: 'metrics scrape time with idle connections open', scrapes, results }));
process.exit(0);
