// CPU per request of the WAF data plane, A/B: two or more builds (or the bare Node proxy) started
// side by side in front of the same upstream and measured in alternating rounds (A B B A ...) with
// wrk, so drift and other load hit them alike. CPU is read from /proc (the process and its children,
// user + system) and divided by the requests wrk completed: less sensitive to a shared machine's
// load than req/s. Processes are the roles of bench/waf-proxy.mjs (`--waf` = SiteManager with the
// 20-rule ACL, `--bare` = pass-through proxy).
// Usage: npm run build && node bench/waf-proxy-cpu-ab.mjs <dist/src | bare>[@workers[@keepAliveRequests]] ...
//          [--spec GET|POST] [--conns 64] [--seconds 3] [--rounds 6] [--warm 2]
//   e.g. node bench/waf-proxy-cpu-ab.mjs /tmp/dist-before/src dist/src bare --spec POST --conns 64
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = fileURLToPath(new URL('./waf-proxy.mjs', import.meta.url));
const args = process.argv.slice(2);
const arg = (n, d) => {
  const i = args.indexOf(n);
  return i === -1 ? d : args[i + 1];
};
const targets = args.filter((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
if (targets.length === 0) throw new Error('usage: node bench/waf-proxy-cpu-ab.mjs <dist/src|bare>[@workers[@keepAliveRequests]] ... [--spec GET|POST] [--conns N]');
const specName = arg('--spec', 'POST');
const conns = Number(arg('--conns', '64'));
const secs = Number(arg('--seconds', '3'));
const rounds = Number(arg('--rounds', '6'));
const warmS = Number(arg('--warm', '2'));
const TICK = 100; // USER_HZ

const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-language': 'en-US,en;q=0.5', 'accept-encoding': 'gzip, deflate, br', cookie: 'session=abc123; theme=dark', referer: 'http://shop.example/' };
const form = ('q=' + 'widget+blue+'.repeat(40) + '&page=2&sort=price&' + 'x'.repeat(1024)).slice(0, 1024);
const specs = {
  GET: { method: 'GET', path: '/products/list?category=shoes&page=2&sort=price_asc', headers: browser },
  POST: { method: 'POST', path: '/search', headers: { ...browser, 'content-type': 'application/x-www-form-urlencoded' }, body: form },
};
const dir = mkdtempSync(join(tmpdir(), 'bulwark-cpu-ab-'));
const lua = {};
for (const [name, s] of Object.entries(specs)) {
  lua[name] = join(dir, `${name}.lua`);
  const headers = Object.entries(s.headers).map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join(', ');
  writeFileSync(lua[name], `wrk.method = ${JSON.stringify(s.method)}\nwrk.path = ${JSON.stringify(s.path)}\nwrk.body = ${JSON.stringify(s.body ?? '')}\nwrk.headers = {${headers}}\n`);
}

function start(roleArgs, env = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bench, ...roleArgs], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (c) => {
      out += c;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve({ p, port: Number(m[1]) });
    });
    p.on('exit', (c) => reject(new Error(`${roleArgs[0]} exited (${c})`)));
  });
}

/** The process and its descendants (cluster workers). */
function tree(pid) {
  const out = [pid];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const ch = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (ch) for (const c of ch.split(' ')) out.push(...tree(Number(c)));
    }
  } catch {
    // gone
  }
  return out;
}

/** CPU seconds (user + system) of a process tree. */
function cpu(pid) {
  let total = 0;
  for (const p of tree(pid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(f[11]) + Number(f[12])) / TICK;
    } catch {
      // gone
    }
  }
  return total;
}

function wrk(port, spec, c, s) {
  const out = execFileSync('wrk', ['-t', '1', '-c', String(c), '-d', `${s}s`, '-s', lua[spec], `http://127.0.0.1:${port}`], { encoding: 'utf8' });
  if (/Non-2xx/.test(out)) throw new Error(`non-2xx responses:\n${out}`);
  return { n: Number(/(\d+) requests in/.exec(out)[1]), rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]) };
}

const up = await start(['--upstream']);
const upstream = `http://127.0.0.1:${up.port}`;
const procs = [];
try {
  for (const t of targets) {
    const [dist, w = '0', ka] = t.split('@');
    const workers = Number(w);
    const port = 20000 + Math.floor(Math.random() * 20000);
    procs.push(dist === 'bare'
      ? await start(['--bare', upstream])
      : await start(['--waf', upstream, String(workers)], { BULWARK_DIST: dist, BENCH_PORT: String(workers > 0 ? port : 0), ...(ka !== undefined ? { BENCH_SITE_LIMITS: JSON.stringify({ keepAliveRequests: Number(ka) }) } : {}) }));
  }
  // JIT warm-up of every process (and every worker) before the measured rounds.
  for (const p of procs) {
    if (warmS > 0) for (const s of Object.keys(specs)) wrk(p.port, s, 16, warmS);
  }
  const res = targets.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < procs.length; i++) {
      const k = r % 2 === 0 ? i : procs.length - 1 - i;
      const p = procs[k];
      const c0 = cpu(p.p.pid);
      const w = wrk(p.port, specName, conns, secs);
      const us = ((cpu(p.p.pid) - c0) / w.n) * 1e6;
      res[k].push({ us, rps: w.rps });
      console.log(`round ${r} ${targets[k]}: ${w.rps.toFixed(0)} req/s, ${us.toFixed(1)} µs CPU/request`);
    }
  }
  for (let i = 0; i < targets.length; i++) {
    const us = res[i].map((x) => x.us).sort((a, b) => a - b);
    const rps = res[i].map((x) => x.rps).sort((a, b) => a - b);
    console.log(`${specName} conns=${conns} ${targets[i]}: CPU µs/request min ${us[0].toFixed(1)} median ${us[us.length >> 1].toFixed(1)} [${us.map((x) => x.toFixed(1)).join(' ')}], median ${rps[rps.length >> 1].toFixed(0)} req/s`);
  }
} finally {
  for (const p of procs) p.p.kill();
  up.p.kill();
  rmSync(dir, { recursive: true, force: true });
}
