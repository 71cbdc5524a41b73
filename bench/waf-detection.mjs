// Detection and speed of Bulwark's managed rule groups vs nginx+ModSecurity v3+OWASP CRS 3.3.4 PL1,
// in one run, same upstream (issue 6).
//   1. OWASP CRS v4 regression cases (../shared/data/waf/crs-regression, families 930–944), sent as
//      raw HTTP over sockets with each test's method, URI, headers and body; refused = 403.
//   2. A benign corpus (bench/benign-corpus.mjs): prose in queries, forms, JSON, slugs, cookies.
//   3. wrk: benign GET with a query string and a 1 KB urlencoded POST at 1 and 32 connections:
//      Bulwark (full managed set) vs ModSecurity+CRS (:18083) vs a bare Node proxy.
// Peers: ../shared/peers/modsecurity/up.sh (stopped with down.sh at the end). Without them Bulwark
// is measured alone against a Node upstream.
// Usage: npm run build && node bench/waf-detection.mjs [--seconds 5] [--no-perf] [--no-peer-install]
//   Peers already running (up.sh run beforehand) are reused and left running; --restart-peers stops them (down.sh) and starts fresh ones.
//   --no-peer-install: do not run up.sh when its Debian packages are missing (it would apt-get them).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { generateCorpus } from './benign-corpus.mjs';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { HAVE_WRK, tempDir } from './lib.mjs';

const here = fileURLToPath(import.meta.url);
const repo = resolve(here, '..', '..');
const dist = resolve(process.env.BULWARK_DIST ?? join(repo, 'dist', 'src'));
const shared = resolve(process.env.BULWARK_SHARED ?? join(repo, '..', 'shared'));
const CRS_ROOT = process.env.CRS_REGRESSION_DIR ?? join(shared, 'data', 'waf', 'crs-regression');
const PEERS = join(shared, 'peers', 'modsecurity');
const PEER_DIR = process.env.PEER_DIR ?? '/tmp/peer-modsec';
const GROUPS = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesSQLiRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesLinuxRuleSet', 'AWSManagedRulesUnixRuleSet', 'AWSManagedRulesWindowsRuleSet', 'AWSManagedRulesPHPRuleSet'];

if (process.argv[2] === '--waf') {
  // Child role: a Bulwark site in front of argv[3], protected by the managed groups.
  const { SiteManager } = await import(pathToFileURL(join(dist, 'proxy', 'index.js')).href);
  const { compileWebAcl, MemoryRateCounter } = await import(pathToFileURL(join(dist, 'waf', 'engine', 'index.js')).href);
  const { resolveManagedRuleGroup } = await import(pathToFileURL(join(dist, 'waf', 'managed', 'index.js')).href);
  const { detectors } = await import(pathToFileURL(join(dist, 'waf', 'detect', 'index.js')).href);
  const vis = (n) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: n });
  const acl = compileWebAcl(
    {
      Name: 'detection', Id: '1', ARN: 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/detection/1', DefaultAction: { Allow: {} }, VisibilityConfig: vis('detection'),
      Rules: GROUPS.map((name, i) => ({
        Name: name, Priority: i, OverrideAction: { None: {} }, VisibilityConfig: vis(name),
        // go-ftw cases often omit User-Agent; refusing them for that alone would inflate detection.
        Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name, ...(i === 0 ? { ExcludedRules: [{ Name: 'NoUserAgent_HEADER' }] } : {}) } },
      })),
    },
    { resolveIpSet: () => undefined, resolveRegexPatternSet: () => undefined, resolveRuleGroup: () => undefined, resolveManagedRuleGroup, detectors, rateCounter: new MemoryRateCounter() },
  );
  const m = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: { forSite: () => ({ acl }) } });
  // Every stage comes from 127.0.0.1 on a new connection: the per-IP connection caps (Shield's
  // always-on limits, 100/s) would refuse most of them, so they are off here, as in bench/tls-fingerprint.mjs.
  const s = await m.add({ name: 'detection', listen: '127.0.0.1:0', upstream: process.argv[3], limits: { perIpConnectionRate: 0, perIpConnections: 0 } });
  process.stdout.write(`ready ${s.address.port}\n`);
} else {
  await main();
}

function startProc(script, args) {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    p.stdout.on('data', (c) => {
      buf += c;
      const m = /ready (\d+)/.exec(buf);
      if (m) res({ proc: p, port: Number(m[1]) });
    });
    p.on('exit', (code) => rej(new Error(`${script} ${args[0]} exited ${code}`)));
  });
}

/** Sends one raw HTTP/1.1 request; resolves the status code (0 on timeout/reset/garbage). */
function rawRequest(port, bytes, timeoutMs = 5000) {
  return new Promise((res) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    let done = false;
    const finish = (code) => {
      if (done) return;
      done = true;
      sock.destroy();
      res(code);
    };
    sock.setTimeout(timeoutMs, () => finish(0));
    sock.on('error', () => finish(/^HTTP\/1\.[01] (\d{3})/.exec(buf) ? Number(RegExp.$1) : 0));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf);
      if (m) finish(Number(m[1]));
    });
    sock.on('end', () => finish(0));
    sock.write(bytes);
  });
}

/** Serialises a request { method, path, headers, body } (strings are UTF-8) as raw HTTP/1.1 bytes. */
function serialise({ method, path, headers, body }) {
  const lines = [`${method} ${path} HTTP/1.1`];
  const has = (n) => Object.keys(headers).some((k) => k.toLowerCase() === n);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const b = Buffer.from(body ?? '', 'utf8');
  if (b.length > 0 && !has('content-length') && !has('transfer-encoding')) lines.push(`Content-Length: ${b.length}`);
  if (!has('connection')) lines.push('Connection: close');
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), b]);
}

/** The CRS regression stages of families 930–944 (raw encoded_request stages skipped, counted). */
function loadCrs() {
  const cases = [];
  let skippedRaw = 0;
  for (const dir of readdirSync(CRS_ROOT).filter((d) => /^REQUEST-9(3\d|4[0-4])-/.test(d)).sort()) {
    for (const f of readdirSync(join(CRS_ROOT, dir)).filter((x) => x.endsWith('.yaml')).sort()) {
      const doc = parse(readFileSync(join(CRS_ROOT, dir, f), 'utf8'));
      for (const t of doc.tests) {
        for (const [k, s] of t.stages.entries()) {
          const input = s.input ?? s.stage?.input;
          const output = s.output ?? s.stage?.output ?? {};
          if (input.encoded_request !== undefined) { skippedRaw++; continue; }
          const headers = {};
          // go-ftw's Host is localhost; a public name, as in src/waf/managed/crs.test.ts, for both WAFs.
          for (const [h, v] of Object.entries(input.headers ?? {})) headers[h] = h.toLowerCase() === 'host' ? 'www.example.com' : String(v);
          if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) headers.Host = 'www.example.com';
          const data = Array.isArray(input.data) ? input.data.join('\r\n') : input.data;
          const log = output.log ?? {};
          const expect = log.expect_ids ?? output.expect_ids ?? [];
          const noExpect = log.no_expect_ids ?? output.no_expect_ids ?? [];
          const families = [...new Set(expect.map((x) => String(x).slice(0, 3)).filter((x) => /^9(3\d|4[0-4])$/.test(x)))];
          cases.push({ id: `${doc.rule_id}-${t.test_id}.${k + 1}`, families, noExpect, bytes: serialise({ method: input.method ?? 'GET', path: input.uri ?? '/', headers, body: data }) });
        }
      }
    }
  }
  return { cases, skippedRaw };
}

/** Sends every item's bytes to `port` with bounded concurrency; resolves the statuses in order. */
async function replay(port, items, concurrency = 8) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await rawRequest(port, items[i].bytes);
    }
  }));
  return out;
}

function luaString(s) {
  return '"' + [...Buffer.from(s)].map((b) => '\\' + b).join('') + '"';
}

/**
 * wrk with one fixed request, Host header included (bench/lib.mjs's load() drops Host, and wrk's
 * default Host is 127.0.0.1:port — a numeric Host, which the Core group refuses); {rps, p50ms, statuses}.
 */
async function load(url, spec, connections, seconds, dir) {
  const script = join(dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  const headers = Object.entries(spec.headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(String(v))}`).join('\n');
  writeFileSync(script,
    `wrk.method = ${luaString(spec.method)}\nwrk.path = ${luaString(spec.path)}\nwrk.body = ${luaString(spec.body ?? '')}\n${headers}\n` +
    'done = function(summary, latency, requests)\n' +
    '  io.write(string.format("JSON {\\"requests\\":%d,\\"errors\\":%d,\\"status\\":%d,\\"p50\\":%f,\\"duration\\":%d}\\n", summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status, latency:percentile(50), summary.duration))\n' +
    'end\n');
  const { stdout } = await promisify(execFile)('wrk', ['-t', String(Math.min(2, connections)), '-c', String(connections), '-d', `${seconds}s`, '-s', script, url], { maxBuffer: 1 << 20 });
  const r = JSON.parse(/JSON (\{.*\})/.exec(stdout)[1]);
  return { rps: r.requests / (r.duration / 1e6), p50ms: r.p50 / 1000, statuses: { ...(r.status ? { 'non-2xx': r.status } : {}), ...(r.errors ? { error: r.errors } : {}) } };
}

function pct(a, b) {
  return b === 0 ? '—' : `${((100 * a) / b).toFixed(1)}%`;
}

/** True when up.sh's peers already answer: the upstream 200 and ModSecurity 403 on a plain SQLi probe. */
async function peersRunning() {
  const probe = (port, path) => rawRequest(port, serialise({ method: 'GET', path, headers: { Host: 'www.example.com', 'User-Agent': 'probe' } }), 1000);
  return (await probe(18081, '/')) === 200 && (await probe(18082, '/')) === 200 && (await probe(18083, "/?id=1'%20OR%20'1'='1")) === 403;
}

function peersInstalled() {
  return spawnSync('dpkg', ['-s', 'nginx', 'libnginx-mod-http-modsecurity', 'modsecurity-crs', 'wrk'], { stdio: 'ignore' }).status === 0;
}

async function main() {
  const argv = process.argv;
  const secs = Number(argv[argv.indexOf('--seconds') + 1] || 5) || 5;
  const perf = !argv.includes('--no-perf');
  // 1. Peers.
  let peers = false;
  let peerNote = '';
  // Peers already started by up.sh (it refuses to start twice): reuse them, and leave them running.
  const reused = (await peersRunning()) && !argv.includes('--restart-peers');
  if (reused) peers = true;
  else if (argv.includes('--restart-peers') && (await peersRunning())) {
    spawnSync('bash', [join(PEERS, 'down.sh'), PEER_DIR], { stdio: 'ignore' });
    for (let i = 0; i < 50 && (await peersRunning()); i++) await new Promise((r) => setTimeout(r, 100)); // graceful QUIT
  }
  if (reused) { /* nothing to start */ } else if (argv.includes('--no-peer-install') && !peersInstalled()) {
    peerNote = 'peers not started: nginx / libnginx-mod-http-modsecurity / modsecurity-crs are not installed and --no-peer-install was given';
  } else {
    const r = spawnSync('bash', [join(PEERS, 'up.sh'), PEER_DIR], { encoding: 'utf8' });
    if (r.status === 0) peers = true;
    else peerNote = `up.sh failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
  console.log(peers ? `peers up${reused ? ' (already running, reused, left running)' : ''}: upstream :18081, nginx :18082, ModSecurity+CRS 3.3.4 PL1 :18083` : `${peerNote}; measuring Bulwark alone`);
  const procs = [];
  try {
    let upstreamPort = 18081;
    if (!peers) {
      const up = await startProc(join(repo, 'bench', 'waf-proxy.mjs'), ['--upstream']);
      procs.push(up);
      upstreamPort = up.port;
    }
    const upstream = `http://127.0.0.1:${upstreamPort}`;
    const waf = await startProc(here, ['--waf', upstream]);
    procs.push(waf);
    const targets = [{ name: 'Bulwark', port: waf.port }, ...(peers ? [{ name: 'ModSecurity', port: 18083 }] : [])];

    // 2. CRS regression cases.
    const { cases, skippedRaw } = loadCrs();
    const res = {};
    for (const t of targets) res[t.name] = await replay(t.port, cases, t.name === 'ModSecurity' ? 4 : 8);
    console.log(`\nOWASP CRS regression cases (families 930–944, ${cases.length} stages sent, ${skippedRaw} raw encoded_request stages skipped); refused = HTTP 403`);
    const fams = [...new Set(cases.flatMap((c) => c.families))].sort();
    const header = `family  cases  ` + targets.map((t) => t.name.padStart(12)).join('  ');
    console.log(header);
    const rate = {};
    for (const f of [...fams, 'all']) {
      const idx = cases.map((c, i) => [c, i]).filter(([c]) => (f === 'all' ? c.families.length > 0 : c.families.includes(f))).map(([, i]) => i);
      const row = targets.map((t) => {
        const k = idx.filter((i) => res[t.name][i] === 403).length;
        rate[`${t.name}:${f}`] = k / idx.length;
        return `${k}/${idx.length} ${pct(k, idx.length)}`.padStart(12);
      });
      console.log(`${f.padEnd(6)}  ${String(idx.length).padStart(5)}  ${row.join('  ')}`);
    }
    const negIdx = cases.map((c, i) => [c, i]).filter(([c]) => c.families.length === 0 && c.noExpect.length > 0).map(([, i]) => i);
    console.log(`(not a false-positive measure) stages expecting no rule to fire: ${negIdx.length}; refused: ` + targets.map((t) => `${t.name} ${negIdx.filter((i) => res[t.name][i] === 403).length}`).join(', '));
    const odd = targets.map((t) => `${t.name} ${res[t.name].filter((s) => s !== 403 && (s < 200 || s >= 300)).length}`).join(', ');
    console.log(`attack stages answered neither 2xx nor 403 (e.g. 400 malformed, timeout=0): ${odd}`);

    // 3. Benign corpus.
    const corpus = generateCorpus(Number(process.env.BENIGN_N ?? 1500)).map((q) => ({ ...q, bytes: serialise(q) }));
    const ben = {};
    for (const t of targets) ben[t.name] = await replay(t.port, corpus, 4);
    console.log(`\nBenign corpus: ${corpus.length} requests (query, form, JSON, slug, cookie — equal shares); refused = 403`);
    const kinds = [...new Set(corpus.map((q) => q.kind))];
    console.log(`kind     n  ` + targets.map((t) => t.name.padStart(12)).join('  '));
    const benRate = {};
    for (const k of [...kinds, 'all']) {
      const idx = corpus.map((q, i) => [q, i]).filter(([q]) => k === 'all' || q.kind === k).map(([, i]) => i);
      const row = targets.map((t) => {
        const r = idx.filter((i) => ben[t.name][i] === 403).length;
        if (k === 'all') benRate[t.name] = r / idx.length;
        return `${r}/${idx.length} ${pct(r, idx.length)}`.padStart(12);
      });
      console.log(`${k.padEnd(6)} ${String(idx.length).padStart(4)}  ${row.join('  ')}`);
    }
    const other = targets.map((t) => `${t.name} ${ben[t.name].filter((s) => s !== 403 && (s < 200 || s >= 300)).length}`).join(', ');
    console.log(`benign requests answered neither 2xx nor 403: ${other}`);
    if (process.env.SHOW_REFUSED) for (const t of targets) corpus.forEach((q, i) => ben[t.name][i] === 403 && console.log(`  ${t.name} refused: ${q.method} ${q.path} ${q.body ?? ''}`.slice(0, 300)));

    if (peers) {
      const d = rate['Bulwark:all'] / rate['ModSecurity:all'];
      const fp = benRate.ModSecurity === 0 ? (benRate.Bulwark === 0 ? 0 : Infinity) : benRate.Bulwark / benRate.ModSecurity;
      console.log(`\nTarget: detection ≥ 2× ModSecurity: ${d.toFixed(2)}× → ${d >= 2 ? 'MET' : 'NOT MET'}; benign refusals ≤ 1/3 of ModSecurity's: ${fp.toFixed(2)}× → ${fp <= 1 / 3 ? 'MET' : 'NOT MET'}`);
    }

    // 4. Performance.
    if (perf && !HAVE_WRK) console.log('\nwrk is not installed: no performance run');
    if (perf && HAVE_WRK) {
      const bare = await startProc(join(repo, 'bench', 'waf-proxy.mjs'), ['--bare', upstream]);
      procs.push(bare);
      const browser = {
        Host: 'shop.example.com',
        'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
        Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
        'Accept-Language': 'en-GB,en;q=0.9',
        'Accept-Encoding': 'gzip, deflate, br',
        Cookie: 'session=3f9a1c2e7b; theme=dark',
        Referer: 'https://shop.example.com/',
      };
      let form = 'name=Jane+O%27Connor&subject=Order+question&message=';
      const filler = "I'd+like+to+change+the+delivery+address+on+my+order%3B+it's+going+to+my+old+flat+-+thanks.+";
      while (form.length < 1000) form += filler;
      form = (form.slice(0, 1010) + '&rating=5').slice(0, 1024);
      const specs = {
        GET: { method: 'GET', path: '/search?q=walking+boots+for+narrow+feet&page=2&sort=price_asc', headers: browser },
        'POST 1 KB': { method: 'POST', path: '/contact', headers: { ...browser, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form },
      };
      const dir = tempDir();
      const ptargets = [{ name: 'Bulwark', port: waf.port }, ...(peers ? [{ name: 'ModSecurity', port: 18083 }] : []), { name: 'bare Node', port: bare.port }];
      console.log(`\nPerformance (wrk, ${secs}s per run, same upstream ${upstream}${peers ? ' = nginx return 200' : ' = Node'})`);
      for (const [name, spec] of Object.entries(specs)) {
        for (const c of [1, 32]) {
          const r = {};
          for (const t of ptargets) {
            await load(`http://127.0.0.1:${t.port}`, spec, c, 1, dir); // warm-up
            r[t.name] = await load(`http://127.0.0.1:${t.port}`, spec, c, secs, dir);
            if (r[t.name].statuses['non-2xx'] || r[t.name].statuses.error) console.log(`  warning: ${t.name} ${JSON.stringify(r[t.name].statuses)}`);
          }
          const parts = ptargets.map((t) => `${t.name} ${r[t.name].rps.toFixed(0)} req/s p50 ${r[t.name].p50ms.toFixed(3)} ms`);
          let ratios = `Bulwark/bare ${(r.Bulwark.rps / r['bare Node'].rps).toFixed(2)}`;
          if (peers) ratios += `, Bulwark/ModSecurity ${(r.Bulwark.rps / r.ModSecurity.rps).toFixed(1)}×`;
          let added = '';
          if (c === 1) {
            const direct = await load(`http://127.0.0.1:${upstreamPort}`, spec, 1, secs, dir);
            added = ` | upstream direct p50 ${direct.p50ms.toFixed(3)} ms; added p50: Bulwark ${(r.Bulwark.p50ms - direct.p50ms).toFixed(3)} ms` + (peers ? `, ModSecurity ${(r.ModSecurity.p50ms - direct.p50ms).toFixed(3)} ms` : '') + `, bare ${(r['bare Node'].p50ms - direct.p50ms).toFixed(3)} ms`;
          }
          console.log(`${name.padEnd(9)} c=${String(c).padStart(2)}  ${parts.join(' | ')} | ${ratios}${added}`);
        }
      }
    }
  } finally {
    for (const p of procs) p.proc.kill();
    if (peers && !reused) {
      spawnSync('bash', [join(PEERS, 'down.sh'), PEER_DIR], { stdio: 'ignore' });
      console.log('\npeers stopped (down.sh)');
    }
  }
}
