// The WAF data plane against a bare Node reverse proxy, same upstream, same requests, one run.
// Processes: an upstream (node:http answering a small HTML page), a bare pass-through proxy
// (node:http + undici Pool, no inspection), Bulwark's SiteManager with a 20-rule ACL, and the load
// generator (wrk if installed, else bench/load.mjs), each in its own process.
// Usage: npm run build && node bench/waf-proxy.mjs [--seconds 5] [--conns 1,16,64] [--workers 0,2] [--node] [--warmup 4]
//   --warmup: seconds of GET and of POST load (16 connections) the bare proxy and each Bulwark
//   process (times the worker count) get once after start, before any measured row (JIT warm-up; 0 skips it).
//   --node: instead of a bare SiteManager, run the real `bulwark start --data-plane-workers N` (API,
//   audit, Shield and GuardDuty subscribed, configuration snapshots, observations over IPC) with the
//   same 20 rules created through @aws-sdk/client-wafv2 and associated with a config-file site.
//                                               [--nginx-port 18082] [--nginx-upstream-port 18081] [--no-nginx]
//   Plain nginx as a third baseline: ../shared/peers/modsecurity/up.sh's reverse proxy (default
//   :18082, auto-detected when it answers; --no-nginx skips it). Its upstream is fixed in its config
//   (up.sh: nginx `return 200 "ok\n"` on :18081), so when nginx is used the bare proxy and Bulwark
//   front that same upstream (--nginx-upstream-port) instead of the Node upstream.
//   BULWARK_DIST=<dir> points at the compiled tree (default dist/src).
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchNodeArgs } from './lib.mjs';

const here = fileURLToPath(import.meta.url);
const dist = resolve(process.env.BULWARK_DIST ?? join(here, '..', '..', 'dist', 'src'));
const role = process.argv[2];

const PAGE = Buffer.from('<!doctype html><html><head><title>shop</title></head><body>' + '<p>product</p>'.repeat(40) + '</body></html>');

function ready(server) {
  process.stdout.write(`ready ${server.address().port}\n`);
}

if (role === '--upstream') {
  http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': PAGE.length });
      res.end(PAGE);
    });
  }).listen(0, '127.0.0.1', function () { ready(this); });
} else if (role === '--bare') {
  // The baseline: what a minimal correct Node reverse proxy costs.
  const { Pool } = await import('undici');
  const pool = new Pool(process.argv[3], { connections: 128 });
  http.createServer((req, res) => {
    pool.request({ path: req.url, method: req.method, headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req })
      .then((r) => {
        res.writeHead(r.statusCode, r.headers);
        r.body.pipe(res);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  }).listen(0, '127.0.0.1', function () { ready(this); });
} else if (role === '--waf') {
  const upstream = process.argv[3];
  const workers = Number(process.argv[4] ?? 0);
  const { SiteManager, startDataPlane } = await import(pathToFileURL(join(dist, 'proxy', 'index.js')).href);
  const acl = await makeAcl();
  await startDataPlane({
    workers,
    async setupWorker() {
      const m = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: { forSite: () => ({ acl }) } });
      const s = await m.add({ name: 'bench', listen: `127.0.0.1:${process.env.BENCH_PORT ?? 0}`, upstream, ...(process.env.BENCH_SITE_LIMITS ? { limits: JSON.parse(process.env.BENCH_SITE_LIMITS) } : {}) });
      if (workers === 0) process.stdout.write(`ready ${s.address.port}\n`);
    },
  }).then((dp) => {
    if (dp.role === 'primary') process.stdout.write(`ready ${process.env.BENCH_PORT}\n`);
  });
} else if (role === '--probe') {
  await probe(process.argv[3], Number(process.argv[4]));
} else if (role === '--node') {
  await startNode(process.argv[3], Number(process.argv[4] ?? 0));
} else {
  await main();
}

/** `bulwark start --data-plane-workers N` with the bench ACL on a config-file site; prints `ready <site port>`. */
async function startNode(upstream, workers) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-waf-node-'));
  const port = Number(process.env.BENCH_PORT);
  const configFile = join(dir, 'bulwark.yaml');
  writeFileSync(configFile, `sites:\n  - name: bench\n    listen: 127.0.0.1:${port}\n    upstream: ${upstream}\n`);
  const creds = { accessKeyId: 'AKIABENCHMARK0000001', secretAccessKey: 'bench-secret-key-0123456789abcdefghijklmn' };
  const proc = spawn(process.execPath, [...benchNodeArgs(), join(dist, 'cli', 'bin.js'), 'start', '--data-dir', join(dir, 'data'), '--api-listen', '127.0.0.1:0', '--config', configFile, '--data-plane-workers', String(workers)], {
    env: { ...process.env, BULWARK_ROOT_ACCESS_KEY_ID: creds.accessKeyId, BULWARK_ROOT_SECRET_ACCESS_KEY: creds.secretAccessKey, BULWARK_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.on('SIGTERM', () => proc.kill('SIGTERM'));
  proc.on('exit', (code) => process.exit(code ?? 1));
  const endpoint = await new Promise((res) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) res(m[1]);
    });
  });
  const { WAFV2Client, CreateIPSetCommand, CreateWebACLCommand, AssociateWebACLCommand } = await import('@aws-sdk/client-wafv2');
  const waf = new WAFV2Client({ endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  const ip = (await waf.send(new CreateIPSetCommand({ Name: 'bad', Scope: 'REGIONAL', IPAddressVersion: 'IPV4', Addresses: ['192.0.2.1/32', '198.51.100.0/24', '203.0.113.77/32'] }))).Summary;
  const vis = { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'bench' };
  const acl = (await waf.send(new CreateWebACLCommand({ Name: 'bench', Scope: 'REGIONAL', DefaultAction: { Allow: {} }, VisibilityConfig: vis, Rules: benchRules(ip.ARN) }))).Summary;
  await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN, ResourceArn: 'arn:aws:bulwark:us-east-1:000000000000:site/bench' }));
  // In force on every worker once attacks are blocked over several new connections in a row.
  for (let ok = 0, i = 0; ok < 8 && i < 500; i++) {
    const status = await new Promise((res) => http.get({ host: '127.0.0.1', port, path: '/?q=union+select', agent: false }, (r) => { r.resume(); res(r.statusCode); }).on('error', () => res(0)));
    ok = status === 403 ? ok + 1 : 0;
    if (ok === 0) await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write(`ready ${port} ${endpoint}\n`);
}

/** `--probe <endpoint> <seconds>`: GET /_bulwark/health every 10 ms on one keep-alive connection; prints p50/p99 ms. */
async function probe(endpoint, secs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(endpoint);
  const times = [];
  const end = Date.now() + secs * 1000;
  while (Date.now() < end) {
    const t0 = performance.now();
    await new Promise((res) => http.get({ host: u.hostname, port: Number(u.port), path: '/_bulwark/health', agent }, (r) => { r.resume(); r.on('end', res); }).on('error', res));
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  times.sort((a, b) => a - b);
  const q = (f) => times[Math.min(times.length - 1, Math.floor(f * times.length))];
  process.stdout.write(JSON.stringify({ n: times.length, p50: q(0.5), p99: q(0.99) }) + '\n');
  agent.destroy();
}

/**
 * The real rule engine with a 20-rule web ACL of the kinds the issue names: byte-match rules with
 * transformations, regex, size constraints, an IP set, a label-producing Count rule with a
 * LabelMatch rule after it, and a rate-based rule (with a limit benign load never reaches).
 */
async function makeAcl() {
  const { compileWebAcl, MemoryRateCounter } = await import(pathToFileURL(join(dist, 'waf', 'engine', 'index.js')).href);
  const { detectors } = await import(pathToFileURL(join(dist, 'waf', 'detect', 'index.js')).href);
  const ipSet = { Name: 'bad', Id: '1', ARN: 'arn:aws:wafv2:us-east-1:000000000000:regional/ipset/bad/1', IPAddressVersion: 'IPV4', Addresses: ['192.0.2.1/32', '198.51.100.0/24', '203.0.113.77/32'] };
  const vis = (n) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: n });
  return compileWebAcl(
    { Name: 'bench', Id: '1', ARN: 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/bench/1', DefaultAction: { Allow: {} }, VisibilityConfig: vis('bench'), Rules: benchRules(ipSet.ARN) },
    {
      resolveIpSet: (arn) => (arn === ipSet.ARN ? ipSet : undefined),
      resolveRegexPatternSet: () => undefined,
      resolveRuleGroup: () => undefined,
      resolveManagedRuleGroup: () => undefined,
      detectors,
      rateCounter: new MemoryRateCounter(),
    },
  );
}

/** The bench ACL's 20 rules (wafv2 JSON), referencing the IP set `ipSetArn`. */
function benchRules(ipSetArn) {
  const vis = (n) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: n });
  const tx = [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'LOWERCASE' }];
  const words = ['select', 'union', '<script', '../', 'etc/passwd', 'cmd.exe', 'wget', 'curl', 'sleep(', 'benchmark('];
  const rules = words.map((w, i) => ({
    Name: `word-${i}`, Priority: i, Action: { Block: {} }, VisibilityConfig: vis(`word${i}`),
    Statement: { ByteMatchStatement: { SearchString: Buffer.from(w), FieldToMatch: { QueryString: {} }, TextTransformations: tx, PositionalConstraint: 'CONTAINS' } },
  }));
  const more = [
    { RegexMatchStatement: { RegexString: '(?:\\bor\\b|\\band\\b)\\s+\\d+\\s*=\\s*\\d+', FieldToMatch: { QueryString: {} }, TextTransformations: tx } },
    { RegexMatchStatement: { RegexString: '\\.(?:php|asp|jsp)$', FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }] } },
    { SizeConstraintStatement: { FieldToMatch: { Body: { OversizeHandling: 'CONTINUE' } }, ComparisonOperator: 'GT', Size: 8192, TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
    { IPSetReferenceStatement: { ARN: ipSetArn } },
    { ByteMatchStatement: { SearchString: Buffer.from('sqlmap'), FieldToMatch: { SingleHeader: { Name: 'user-agent' } }, TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }], PositionalConstraint: 'CONTAINS' } },
    { ByteMatchStatement: { SearchString: Buffer.from('TRACE'), FieldToMatch: { Method: {} }, TextTransformations: [{ Priority: 0, Type: 'NONE' }], PositionalConstraint: 'EXACTLY' } },
    { SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, ComparisonOperator: 'GT', Size: 1024, TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
    { ByteMatchStatement: { SearchString: Buffer.from('<script'), FieldToMatch: { Body: { OversizeHandling: 'CONTINUE' } }, TextTransformations: tx, PositionalConstraint: 'CONTAINS' } },
  ];
  more.forEach((st, i) => rules.push({ Name: `more-${i}`, Priority: 10 + i, Action: { Block: {} }, VisibilityConfig: vis(`more${i}`), Statement: st }));
  rules.push({
    Name: 'label-bots', Priority: 18, Action: { Count: {} }, RuleLabels: [{ Name: 'bot' }], VisibilityConfig: vis('labelBots'),
    Statement: { ByteMatchStatement: { SearchString: Buffer.from('bot'), FieldToMatch: { SingleHeader: { Name: 'user-agent' } }, TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }], PositionalConstraint: 'CONTAINS' } },
  });
  rules.push({
    Name: 'rate', Priority: 19, Action: { Block: {} }, VisibilityConfig: vis('rate'),
    Statement: { RateBasedStatement: { Limit: 2000000000, EvaluationWindowSec: 60, AggregateKeyType: 'IP', ScopeDownStatement: { NotStatement: { Statement: { LabelMatchStatement: { Scope: 'LABEL', Key: 'awswaf:000000000000:webacl:bench:bot' } } } } } },
  });
  return rules;
}

function startProc(args, env = {}) {
  return new Promise((resolveP, reject) => {
    const p = spawn(process.execPath, [here, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let buf = '';
    p.stdout.on('data', (c) => {
      buf += c;
      const m = /ready (\d+)(?: (\S+))?\n/.exec(buf);
      if (m) resolveP({ proc: p, port: Number(m[1]), endpoint: m[2] });
    });
    p.on('exit', (code) => reject(new Error(`${args[0]} exited ${code}`)));
  });
}

/** Resolves true when something on 127.0.0.1:port answers GET / with 200. */
function answers200(port) {
  return new Promise((res) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000, agent: false }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => res(false));
  });
}

function haveWrk() {
  try { execFileSync('wrk', ['--version'], { stdio: 'ignore' }); return true; } catch (e) { return e.status === 1; }
}

function runLoad(port, spec, conns, secs) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-waf-'));
  if (haveWrk()) {
    const lua = join(dir, 'req.lua');
    writeFileSync(lua, `wrk.method = ${JSON.stringify(spec.method)}\nwrk.path = ${JSON.stringify(spec.path)}\nwrk.body = ${JSON.stringify(spec.body ?? '')}\nwrk.headers = ${luaTable(spec.headers)}\n`);
    const out = execFileSync('wrk', ['-t', '1', '-c', String(conns), '-d', `${secs}s`, '--latency', '-s', lua, `http://127.0.0.1:${port}`], { encoding: 'utf8' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
    const p50 = parseMs(/\s50%\s+([\d.]+\w+)/.exec(out)[1]);
    const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
    if (non2xx) throw new Error(`non-2xx responses: ${non2xx[1]}`);
    return { rps, p50 };
  }
  const f = join(dir, 'req.json');
  writeFileSync(f, JSON.stringify(spec));
  const out = JSON.parse(execFileSync(process.execPath, [join(here, '..', 'load.mjs'), `http://127.0.0.1:${port}`, String(conns), String(secs), f], { encoding: 'utf8' }));
  return { rps: out.rps, p50: out.p50ms };
}

function luaTable(h) {
  return '{' + Object.entries(h).map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join(', ') + '}';
}

function parseMs(s) {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

async function main() {
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? dflt : process.argv[i + 1];
  };
  const secs = Number(arg('--seconds', '5'));
  const conns = arg('--conns', '1,16,64').split(',').map(Number);
  const workerCounts = arg('--workers', '0').split(',').map(Number);
  const browser = {
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'accept-language': 'en-US,en;q=0.5',
    'accept-encoding': 'gzip, deflate, br',
    cookie: 'session=abc123; theme=dark',
    referer: 'http://shop.example/',
  };
  const form = 'q=' + 'widget+blue+'.repeat(40) + '&page=2&sort=price&' + 'x'.repeat(1024 - 500);
  const specs = {
    GET: { method: 'GET', path: '/products/list?category=shoes&page=2&sort=price_asc', headers: browser },
    POST: { method: 'POST', path: '/search', headers: { ...browser, 'content-type': 'application/x-www-form-urlencoded' }, body: form.slice(0, 1024) },
  };
  const nginxPort = process.argv.includes('--no-nginx') ? undefined : Number(arg('--nginx-port', '18082'));
  const nginxUpPort = Number(arg('--nginx-upstream-port', '18081'));
  const nginx = nginxPort !== undefined && (await answers200(nginxPort)) && (await answers200(nginxUpPort));
  if (nginxPort !== undefined && !nginx && process.argv.includes('--nginx-port')) throw new Error(`nginx on :${nginxPort} (upstream :${nginxUpPort}) does not answer 200`);
  const procs = [];
  let up;
  if (nginx) up = { port: nginxUpPort };
  else procs.push((up = await startProc(['--upstream'])));
  const upstream = `http://127.0.0.1:${up.port}`;
  const bare = await startProc(['--bare', upstream]);
  procs.push(bare);
  // JIT warm-up, timed apart from the measured rows: a fresh Node process spends its first seconds
  // of traffic compiling (CPU per request several times the steady state), and each cluster worker
  // compiles its own code, so a short per-row warm-up left the first row (GET, one connection)
  // measuring compilation, worse with --workers 2 (docs/benchmarks.md). 16 connections reach every
  // worker (the primary hands connections out round-robin).
  const warmSecs = Number(arg('--warmup', '4'));
  const warm = (port, processes) => {
    if (warmSecs > 0) for (const spec of Object.values(specs)) runLoad(port, spec, 16, warmSecs * processes);
  };
  warm(bare.port, 1);
  console.log(`load generator: ${haveWrk() ? 'wrk' : 'bench/load.mjs'}, ${secs}s per run, ${process.argv.includes('--node') ? 'bulwark start --data-plane-workers N' : 'SiteManager only'}, ACL: real engine, 20 rules, upstream ${upstream} (${nginx ? 'up.sh nginx' : 'Node'})` +
    (nginx ? `, plain nginx proxy :${nginxPort} (up.sh, 1 worker) as third baseline` : ', no nginx baseline'));
  try {
    for (const workers of workerCounts) {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const node = process.argv.includes('--node');
      const waf = await startProc([node ? '--node' : '--waf', upstream, String(workers)], { BENCH_PORT: String(workers > 0 || node ? port : 0) });
      procs.push(waf);
      warm(waf.port, Math.max(1, workers));
      for (const [name, spec] of Object.entries(specs)) {
        for (const c of conns) {
          runLoad(waf.port, spec, c, 1); // warm-up
          runLoad(bare.port, spec, c, 1);
          if (nginx) runLoad(nginxPort, spec, c, 1);
          const b = runLoad(bare.port, spec, c, secs);
          // With --node, the API's latency (GET /_bulwark/health) while the site is under load.
          const prober = waf.endpoint && c === Math.max(...conns) ? spawn(process.execPath, [here, '--probe', waf.endpoint, String(secs)], { stdio: ['ignore', 'pipe', 'inherit'] }) : undefined;
          const probed = prober ? new Promise((res) => { let o = ''; prober.stdout.on('data', (d) => (o += d)); prober.on('exit', () => res(JSON.parse(o || '{}'))); }) : undefined;
          const w = runLoad(waf.port, spec, c, secs);
          const api = probed ? await probed : undefined;
          const n = nginx ? runLoad(nginxPort, spec, c, secs) : undefined;
          const d = c === 1 ? runLoad(up.port, spec, c, secs) : undefined;
          console.log(
            `${name.padEnd(4)} conns=${String(c).padStart(3)} workers=${workers}  bare ${b.rps.toFixed(0).padStart(6)} rps p50 ${b.p50.toFixed(3)}ms | bulwark ${w.rps.toFixed(0).padStart(6)} rps p50 ${w.p50.toFixed(3)}ms | ratio ${(w.rps / b.rps).toFixed(2)}` +
              (api ? ` | API health under load p50 ${api.p50?.toFixed(2)}ms p99 ${api.p99?.toFixed(2)}ms (n=${api.n})` : '') +
              (n ? ` | nginx ${n.rps.toFixed(0).padStart(6)} rps p50 ${n.p50.toFixed(3)}ms | bulwark/nginx ${(w.rps / n.rps).toFixed(2)}` : '') +
              (d ? ` | upstream direct p50 ${d.p50.toFixed(3)}ms, added p50 vs bare ${(w.p50 - b.p50).toFixed(3)}ms, vs direct ${(w.p50 - d.p50).toFixed(3)}ms` + (n ? `, nginx vs direct ${(n.p50 - d.p50).toFixed(3)}ms` : '') : ''),
          );
        }
      }
      waf.proc.kill();
    }
  } finally {
    for (const p of procs) p.proc.kill();
  }
}
