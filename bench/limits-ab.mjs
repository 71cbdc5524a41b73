// A/B of two compiled trees of the data plane (e.g. before and after a change to src/proxy/) on the
// same upstream and the same 20-rule ACL as bench/waf-proxy.mjs, with short interleaved rounds
// (A B B A ...) so that drift on a shared machine hits both sides alike. Prints each round and the
// median requests/s of each side with their ratio (B / A).
// Usage: npm run build && node bench/limits-ab.mjs --a <dist/src of A> [--b dist/src] [--rounds 6]
//                                                 [--seconds 2] [--conns 16] [--method GET|POST]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : process.argv[i + 1];
};
const distA = arg('--a', undefined);
if (!distA) throw new Error('--a <compiled tree, e.g. /tmp/base/dist/src> is required');
const distB = resolve(arg('--b', join(here, '..', '..', 'dist', 'src')));
const rounds = Number(arg('--rounds', '6'));
const secs = Number(arg('--seconds', '2'));
const conns = Number(arg('--conns', '16'));
const method = arg('--method', 'GET');

function start(args, env = {}) {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [join(here, '..', 'waf-proxy.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let buf = '';
    p.stdout.on('data', (c) => {
      buf += c;
      const m = /ready (\d+)/.exec(buf);
      if (m) res({ proc: p, port: Number(m[1]) });
    });
    p.on('exit', (code) => rej(new Error(`${args[0]} exited ${code}`)));
  });
}

const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', accept: 'text/html', cookie: 'session=abc123' };
const spec =
  method === 'POST'
    ? { method: 'POST', path: '/search', headers: { ...browser, 'content-type': 'application/x-www-form-urlencoded' }, body: 'q=' + 'widget+blue+'.repeat(80).slice(0, 1022) }
    : { method: 'GET', path: '/products/list?category=shoes&page=2&sort=price_asc', headers: browser };
const f = join(mkdtempSync(join(tmpdir(), 'bench-ab-')), 'req.json');
writeFileSync(f, JSON.stringify(spec));
const load = (port) => JSON.parse(execFileSync(process.execPath, [join(here, '..', 'load.mjs'), `http://127.0.0.1:${port}`, String(conns), String(secs), f], { encoding: 'utf8' })).rps;
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

const up = await start(['--upstream']);
const a = await start(['--waf', `http://127.0.0.1:${up.port}`, '0'], { BULWARK_DIST: resolve(distA) });
const b = await start(['--waf', `http://127.0.0.1:${up.port}`, '0'], { BULWARK_DIST: distB });
try {
  load(a.port);
  load(b.port); // warm-up
  const ra = [];
  const rb = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
    for (const side of order) (side === 'a' ? ra : rb).push(load(side === 'a' ? a.port : b.port));
    process.stdout.write(`round ${i + 1}: A ${ra[i].toFixed(0)} rps, B ${rb[i].toFixed(0)} rps\n`);
  }
  const ma = median(ra);
  const mb = median(rb);
  process.stdout.write(`${method} conns=${conns}: median A ${ma.toFixed(0)} rps, B ${mb.toFixed(0)} rps, B/A ${(mb / ma).toFixed(2)}; median of per-round B/A ${median(ra.map((x, i) => rb[i] / x)).toFixed(2)}\n`);
} finally {
  for (const p of [a, b, up]) p.proc.kill();
}
