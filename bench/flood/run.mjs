// The flood benchmark (issue 7): the same scenario against Bulwark (a site with Shield automatic
// application-layer response, Block) and against nginx with limit_req/limit_conn, both in front of
// the same upstream, in one run. Legitimate clients browse with think time from a few hundred
// addresses; attackers flood (open loop, 1,000 req/s offered) from 1,024 addresses bound on 127.0.0.0/8 (same URL, random URLs,
// cache-busting query strings, realistic user agents), then slowloris and slow POST (slowhttptest,
// when installed). Reports, per target: legitimate success share and p50/p99 latency against the
// no-attack phase, time to detect and to mitigate (Bulwark), legitimate requests wrongly refused,
// attack requests let through, and the proxy's CPU and memory; for Bulwark also the legitimate
// flood-phase latencies split at the moment the bench saw the mitigation rule
// (`legitFloodBeforeAfterMitigation`: requests, p99, and how many took over 2× the baseline p99).
// Usage: npm run build && node bench/flood/run.mjs [--baseline 35] [--flood 30] [--recovery 15] [--slow 10]
//                                                  [--clients 300] [--bots 1024] [--flood-rps 1000] [--upstream-ms 2]
//                                                  [--no-nginx] [--no-shield (the site without web ACL or protection)]
//                                                  [--no-adaptive (limits.adaptiveConcurrency: false)]
//                                                  [--no-priority (limits.maxEstablishedSources: 0, the gate without
//                                                   priority of established clients, for before/after runs)]
//                                                  [--newcomer-share S] [--min-in-flight N] (the site's limits
//                                                   newcomerShare and minInFlight, for before/after runs)
//                                                  [--http-client (the flood sent with node:http's Agent, as before
//                                                   the lean client; see RawBot)]
//                                                  [--timeline (Bulwark: every 250 ms of the flood's first 8 s, the
//                                                   node's event-loop delay, upstream gauges and each process's CPU,
//                                                   and each slow legitimate request of those seconds)]
// BULWARK_DIST=<dir> runs another compiled tree (default dist/src).
// Roles (internal): --upstream <busyMs>, --legit <port> <clients>, --flood <port> <bots> <rps>.
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, benchNodeArgs, creds, stop, tempDir, waitFor } from '../lib.mjs';

const here = fileURLToPath(import.meta.url);
const root = resolve(here, '..', '..', '..');
const dist = resolve(process.env.BULWARK_DIST ?? join(root, 'dist', 'src'));
const role = process.argv[2];

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Mobile Safari/537.36',
];
const PAGES = ['/', '/products', '/products/1', '/products/2', '/products/3', '/products/17', '/cart', '/about', '/search?q=shoes', '/search?q=socks', '/blog', '/blog/post-1'];

/**
 * The flood's HTTP/1.1 client (`--http-client` uses node:http's Agent instead): per bot up to
 * `maxConns` keep-alive connections bound to its address, one request at a time on each (browsers
 * do not pipeline), the rest waiting in the bot's queue; a request is written as one string, and a
 * response is read only as far as its status and framing (Content-Length, chunked, or the
 * connection closing). With node:http's agent the generator itself took ~0.3–0.5 of a core at
 * 1,000 req/s, on the same two cores as the proxy and the upstream it measures.
 */
class RawBot {
  static live = new Set();

  constructor(port, addr, maxConns) {
    this.port = port;
    this.addr = addr;
    this.maxConns = maxConns;
    this.conns = [];
    this.queue = [];
  }

  send(head, cb) {
    this.queue.push({ head, cb, t0: performance.now() });
    this.pump();
  }

  /** Queued requests go on free or new connections, oldest first (after a send, or when a connection is free or gone). */
  pump() {
    while (this.queue.length > 0) {
      const idle = this.conns.find((c) => c.cur === undefined && !c.closed);
      if (idle !== undefined) idle.start(this.queue.shift());
      else if (this.conns.length < this.maxConns) new RawConn(this).start(this.queue.shift());
      else return;
    }
  }

  /** 5 s client timeout: requests still waiting or unanswered end with status 0 (their connection is closed). */
  static expire(now) {
    for (const c of RawBot.live) if (c.cur !== undefined && now - c.cur.t0 >= 5000) c.fail();
  }
}

class RawConn {
  constructor(bot) {
    this.bot = bot;
    this.cur = undefined;
    this.closed = false;
    this.acc = '';
    this.headerEnd = -1;
    this.need = -1;
    this.chunked = false;
    this.close = false;
    this.status = 0;
    bot.conns.push(this);
    RawBot.live.add(this);
    this.sock = net.connect({ port: bot.port, host: '127.0.0.1', localAddress: bot.addr });
    this.sock.setNoDelay(true);
    this.sock.setEncoding('latin1');
    this.sock.on('data', (d) => this.onData(d));
    this.sock.on('error', () => undefined);
    this.sock.on('close', () => this.fail());
  }

  start(item) {
    this.cur = item;
    this.acc = '';
    this.headerEnd = -1;
    this.sock.write(item.head, 'latin1');
  }

  onData(d) {
    if (this.cur === undefined) return;
    this.acc += d;
    if (this.headerEnd < 0) {
      const e = this.acc.indexOf('\r\n\r\n');
      if (e < 0) return;
      this.headerEnd = e + 4;
      const head = this.acc.slice(0, e).toLowerCase();
      this.status = Number(this.acc.slice(9, 12)) || 0;
      const cl = /\r\ncontent-length: *(\d+)/.exec(head);
      this.chunked = /\r\ntransfer-encoding: *chunked/.test(head);
      this.close = /\r\nconnection: *close/.test(head);
      this.need = cl ? Number(cl[1]) : -1;
    }
    const body = this.acc.length - this.headerEnd;
    const complete = this.chunked ? this.acc.endsWith('0\r\n\r\n') : this.need >= 0 ? body >= this.need : false;
    if (!complete) return;
    const item = this.cur;
    this.cur = undefined;
    this.acc = '';
    item.cb({ status: this.status, ms: performance.now() - item.t0 });
    // Closing: out of the bot's connections at once (not at the 'close' event), so no request is
    // written on it meanwhile.
    if (this.close) this.fail();
    else this.bot.pump();
  }

  /** The connection closed or timed out: its request (if any) ends with status 0, unless a body without framing just ended. */
  fail() {
    if (this.closed) return;
    this.closed = true;
    RawBot.live.delete(this);
    this.sock.destroy();
    const i = this.bot.conns.indexOf(this);
    if (i >= 0) this.bot.conns.splice(i, 1);
    const item = this.cur;
    this.cur = undefined;
    if (item !== undefined) {
      const delimited = this.headerEnd >= 0 && this.need < 0 && !this.chunked;
      item.cb({ status: delimited ? this.status : 0, ms: performance.now() - item.t0 });
    }
    this.bot.pump();
  }
}

if (role === '--upstream') {
  // A small app: each request costs `busyMs` of CPU (so a flood that reaches it saturates it).
  const busy = Number(process.argv[3]);
  const page = Buffer.from('<!doctype html><title>shop</title>' + '<p>product</p>'.repeat(40));
  http.createServer((req, res) => {
    req.resume();
    const until = performance.now() + busy;
    while (performance.now() < until);
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': page.length });
    res.end(page);
  }).listen(0, '127.0.0.1', function () { process.stdout.write(`ready ${this.address().port}\n`); });
} else if (role === '--legit') {
  legit(Number(process.argv[3]), Number(process.argv[4]));
} else if (role === '--flood') {
  flood(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
} else {
  await main();
}

/** Sends one GET; resolves { status, ms } (status 0 on error or 5 s timeout). */
function request(port, path, agent, headers) {
  const t0 = performance.now();
  return new Promise((res) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent, headers }, (r) => {
      r.resume();
      r.on('end', () => res({ status: r.statusCode, ms: performance.now() - t0 }));
      r.on('error', () => res({ status: 0, ms: performance.now() - t0 }));
    });
    req.setTimeout(5000, () => req.destroy());
    req.on('error', () => res({ status: 0, ms: performance.now() - t0 }));
    req.end();
  });
}

/** Per-phase statistics of a generator (the parent names the phase over IPC). */
function phaseStats() {
  let phase = 'idle';
  const stats = new Map();
  const cur = () => {
    let s = stats.get(phase);
    if (!s) stats.set(phase, (s = { n: 0, ok: 0, statuses: {}, lat: [], t0: [] }));
    return s;
  };
  process.on('message', (m) => {
    if (m.phase) phase = m.phase;
    if (m.report) {
      const out = {};
      const q = (lat, p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : 0);
      // The flood phase's latencies with their start times (epoch ms), before the sort below reorders them.
      const flood = stats.get('flood');
      const timed = flood ? flood.lat.map((ms, i) => [flood.t0[i], ms]) : [];
      for (const [k, s] of stats) {
        const lat = s.lat.sort((a, b) => a - b);
        out[k] = { n: s.n, ok: s.ok, statuses: s.statuses, p50: q(lat, 0.5), p99: q(lat, 0.99) };
      }
      // Where the flood's tail lies: requests started before / after `m.split` (when the bench saw
      // the mitigation rule, epoch ms), their p99 and how many took over twice the baseline p99.
      if (m.split !== undefined && out.baseline && timed.length > 0) {
        const slow = 2 * out.baseline.p99;
        const part = (xs) => {
          const lat = xs.map((x) => x[1]).sort((a, b) => a - b);
          return { n: lat.length, p99: q(lat, 0.99), overTwiceBaselineP99: lat.filter((x) => x > slow).length };
        };
        out.floodSplit = { beforeMitigation: part(timed.filter((x) => x[0] < m.split)), afterMitigation: part(timed.filter((x) => x[0] >= m.split)) };
        // Requests over twice the baseline p99 per second of the flood phase (by start time).
        const first = Math.min(...timed.map((x) => x[0]));
        const perSecond = [];
        for (const [t0, ms] of timed) {
          const k = Math.floor((t0 - first) / 1000);
          while (perSecond.length <= k) perSecond.push(0);
          if (ms > slow) perSecond[k]++;
        }
        out.floodSplit.slowPerSecond = perSecond;
        // --timeline: each slow request of the flood's first 8 s, [start (ms into the flood), latency ms].
        if (m.timeline) out.floodSplit.slowFirst8s = timed.filter((x) => x[1] > slow && x[0] - first < 8000).map((x) => [Math.round(x[0] - first), Math.round(x[1])]).sort((a, b) => a[0] - b[0]);
      }
      process.send({ report: out });
    }
    if (m.exit) process.exit(0);
  });
  return {
    get phase() { return phase; },
    record(status, ms) {
      const s = cur();
      s.n++;
      if (status === 200) s.ok++;
      s.statuses[status] = (s.statuses[status] ?? 0) + 1;
      if (s.lat.length < 200_000) {
        s.lat.push(ms);
        s.t0.push(Date.now() - ms);
      }
    },
  };
}

/** Legitimate clients: browse pages with a referer, think 1–5 s between requests; each client keeps its own address. */
function legit(port, clients) {
  const st = phaseStats();
  for (let i = 0; i < clients; i++) {
    // Spread over 250 /24s of 127.10.0.0/16 (as real visitors come from many networks).
    const addr = `127.10.${i % 250}.${1 + Math.floor(i / 250)}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: addr });
    const ua = UAS[i % UAS.length];
    let ref;
    const loop = async () => {
      await new Promise((r) => setTimeout(r, Math.random() * 3000));
      for (;;) {
        const path = PAGES[Math.floor(Math.random() * PAGES.length)];
        const r = await request(port, path, agent, { 'user-agent': ua, ...(ref ? { referer: `http://shop.example${ref}` } : {}), accept: 'text/html' });
        if (st.phase !== 'idle') st.record(r.status, r.ms);
        ref = path;
        await new Promise((res) => setTimeout(res, 1000 + Math.random() * 4000));
      }
    };
    loop();
  }
}

/**
 * Attackers: `bots` addresses over 8 /24s of 127.200.0.0/16, each with up to 4 connections. Open
 * loop, as a real flood: `rps` requests per second are offered whatever the responses (a bot with 8
 * requests pending skips its turn); the mode comes from the parent.
 */
function flood(port, bots, rps) {
  const st = phaseStats();
  let mode = 'off';
  process.on('message', (m) => { if (m.mode) mode = m.mode; });
  const raw = !process.argv.includes('--http-client');
  const bot = [];
  for (let b = 0; b < bots; b++) {
    const addr = `127.200.${b % 8}.${1 + Math.floor(b / 8)}`;
    bot.push({ agent: raw ? new RawBot(port, addr, 4) : new http.Agent({ keepAlive: true, maxSockets: 4, localAddress: addr }), ua: UAS[b % UAS.length], pending: 0 });
  }
  if (raw) setInterval(() => RawBot.expire(performance.now()), 250).unref();
  let next = 0;
  let owed = 0;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    owed += ((now - last) * rps) / 1000;
    last = now;
    if (mode === 'off') {
      owed = 0;
      return;
    }
    for (let tries = 0; owed >= 1 && tries < bots; tries++) {
      const b = bot[next];
      next = (next + 1) % bots;
      if (b.pending >= 8) continue;
      owed--;
      b.pending++;
      const rnd = Math.floor(Math.random() * 1e12).toString(36);
      const path = mode === 'same-url' ? '/products' : mode === 'random-url' ? `/${rnd}` : `/products?cb=${rnd}`;
      const done = (r) => {
        b.pending--;
        st.record(r.status, r.ms);
      };
      if (raw) b.agent.send(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: ${b.ua}\r\nAccept: text/html\r\nConnection: keep-alive\r\n\r\n`, done);
      else request(port, path, b.agent, { 'user-agent': b.ua, accept: 'text/html' }).then(done);
    }
    if (owed > rps) owed = rps; // never burst more than a second's worth after a stall
  }, 10);
}

// ---- orchestration ----

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function child(args) {
  const p = fork(here, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return p;
}

function report(p, split) {
  return new Promise((res) => {
    p.once('message', (m) => res(m.report));
    p.send({ report: true, split, timeline: process.argv.includes('--timeline') });
  });
}

/** CPU seconds (user+system) and RSS (MB) of a process. */
function usage(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const cpu = (Number(stat[11]) + Number(stat[12])) / 100;
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
    return { cpu, rss };
  } catch {
    return { cpu: 0, rss: 0 };
  }
}

async function startNginx(dir, upstreamPort) {
  const conf = join(dir, 'nginx.conf');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  // A sensible DDoS configuration: per-address request rate (10 r/s, burst 20) and connection (10) limits,
  // header/body timeouts against slow attacks, 429 for refused requests.
  writeFileSync(conf, `daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log error;
events { worker_connections 8192; }
http { access_log off; client_body_temp_path ${dir}/tmp/b; proxy_temp_path ${dir}/tmp/p;
  fastcgi_temp_path ${dir}/tmp/f; uwsgi_temp_path ${dir}/tmp/u; scgi_temp_path ${dir}/tmp/s;
  limit_req_zone $binary_remote_addr zone=perip:20m rate=10r/s;
  limit_conn_zone $binary_remote_addr zone=conns:20m;
  limit_req_status 429; limit_conn_status 429;
  client_header_timeout 10s; client_body_timeout 10s; send_timeout 10s; keepalive_timeout 30s;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server { listen 127.0.0.1:${process.env.NGINX_PORT ?? 18190};
    location / { limit_req zone=perip burst=20 nodelay; limit_conn conns 10;
      proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; } } }
`);
  const proc = spawn('/usr/sbin/nginx', ['-c', conf, '-p', dir, '-e', join(dir, 'nginx-error.log')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const port = Number(process.env.NGINX_PORT ?? 18190);
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise((r) => http.get({ host: '127.0.0.1', port, path: '/' }, (res) => { res.resume(); r(true); }).on('error', () => r(false)));
    if (ok) return { proc, port };
    await sleep(100);
  }
  throw new Error('nginx did not start; see ' + join(dir, 'nginx-error.log'));
}

async function startBulwarkSite(dir, upstreamPort, withShield = true) {
  // The site's limits newcomerShare and minInFlight from --newcomer-share / --min-in-flight (undefined: default).
  const newcomerShare = arg('newcomer-share', undefined);
  const minInFlight = arg('min-in-flight', undefined);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'bulwark.yaml');
  writeFileSync(configFile, [
    'sites:',
    '  - name: shop',
    '    listen: 127.0.0.1:0',
    `    upstream: http://127.0.0.1:${upstreamPort}`,
    ...(process.argv.includes('--no-priority') || process.argv.includes('--no-adaptive') || newcomerShare !== undefined || minInFlight !== undefined ? ['    limits:'] : []),
    ...(process.argv.includes('--no-priority') ? ['      maxEstablishedSources: 0'] : []),
    ...(process.argv.includes('--no-adaptive') ? ['      adaptiveConcurrency: false'] : []),
    ...(newcomerShare !== undefined ? [`      newcomerShare: ${newcomerShare}`] : []),
    ...(minInFlight !== undefined ? [`      minInFlight: ${minInFlight}`] : []),
    'shield:',
    '  detection:',
    '    minBaselineSeconds: 20',
    '    holdSeconds: 8',
    // This shared 2-core machine delivers only a few hundred flood requests per second: lower the
    // per-source floor and the /24 grouping to match (docs/benchmarks.md).
    '    perSourceFloorRps: 2',
    '  signature:',
    '    minPrefixSources: 4',
    '',
  ].join('\n'));
  const proc = spawn(process.execPath, [...benchNodeArgs(), join(dist, 'cli/bin.js'), 'start', '--data-dir', join(dir, 'data'), '--api-listen', '127.0.0.1:0', '--config', configFile], {
    env: { ...process.env, BULWARK_ROOT_ACCESS_KEY_ID: creds.accessKeyId, BULWARK_ROOT_SECRET_ACCESS_KEY: creds.secretAccessKey, BULWARK_LOG_LEVEL: process.env.FLOOD_LOG_LEVEL ?? 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  const endpoint = (await waitFor(proc, /listening on (http:\/\/[^\s]+)/))[1];
  await sleep(200);
  const port = Number(/Site shop on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)[1]);
  const { ShieldClient, CreateSubscriptionCommand, CreateProtectionCommand, EnableApplicationLayerAutomaticResponseCommand, ListAttacksCommand } = await import('@aws-sdk/client-shield');
  const { WAFV2Client, CreateWebACLCommand, AssociateWebACLCommand, GetWebACLCommand } = await import('@aws-sdk/client-wafv2');
  const cfg = { endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 };
  const shield = new ShieldClient(cfg);
  const waf = new WAFV2Client(cfg);
  const siteArn = 'arn:aws:bulwark:us-east-1:000000000000:site/shop';
  const gauges = () => gateGauges(endpoint);
  const lag = () => eventLoopLag(endpoint);
  if (!withShield) return { proc, port, gauges, lag };
  const acl = (await waf.send(new CreateWebACLCommand({
    Name: 'shop', Scope: 'REGIONAL', DefaultAction: { Allow: {} }, Rules: [],
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'shop' },
  }))).Summary;
  await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN, ResourceArn: siteArn }));
  await shield.send(new CreateSubscriptionCommand({}));
  await shield.send(new CreateProtectionCommand({ Name: 'shop', ResourceArn: siteArn }));
  await shield.send(new EnableApplicationLayerAutomaticResponseCommand({ ResourceArn: siteArn, Action: { Block: {} } }));
  return {
    proc, port, gauges, lag,
    attacks: async () => (await shield.send(new ListAttacksCommand({ ResourceArns: [siteArn] }))).AttackSummaries ?? [],
    mitigated: async () => ((await waf.send(new GetWebACLCommand({ Name: 'shop', Scope: 'REGIONAL', Id: acl.Id }))).WebACL.Rules ?? []).some((r) => r.Name.startsWith('ShieldMitigationRuleGroup_')),
  };
}

/**
 * The site's data-plane gauges and refusal counters from /_bulwark/metrics: upstream slots in use
 * (in_flight) and waiting requests (queued), open connections, and refusals by reason.
 */
async function gateGauges(endpoint) {
  const text = await metricsText(endpoint);
  return text === undefined ? undefined : parseGauges(text);
}

/** The node's /_bulwark/metrics text (undefined when it does not answer within 3 s). */
async function metricsText(endpoint) {
  try {
    return await (await fetch(`${endpoint}/_bulwark/metrics`, { signal: AbortSignal.timeout(3000) })).text();
  } catch {
    return undefined;
  }
}

function parseGauges(text) {
  const out = {};
  for (const m of text.matchAll(/^bulwark_proxy_(upstream_requests|upstream_limit|open_connections|connections_rejected_total)\{([^}]*)\} (\d+(?:\.\d+)?)$/gm)) {
    if (!m[2].includes('site="shop"')) continue;
    const label = /state="(\w+)"|reason="(\w+)"/.exec(m[2]);
    out[label ? (label[1] ?? label[2]) : m[1]] = Number(m[3]);
  }
  return out;
}

/** The node's event-loop delay since the previous scrape (max and p99, ms) and its upstream gauges. */
async function eventLoopLag(endpoint) {
  const text = await metricsText(endpoint);
  if (text === undefined) return {};
  const num = (re) => { const m = re.exec(text); return m ? Math.round(Number(m[1]) * 1e4) / 10 : undefined; };
  const g = parseGauges(text);
  return { lagMaxMs: num(/^bulwark_process_nodejs_eventloop_lag_max_seconds (\S+)/m), lagP99Ms: num(/^bulwark_process_nodejs_eventloop_lag_p99_seconds (\S+)/m), inFlight: g.in_flight, queued: g.queued, limit: g.upstream_limit };
}

function slowhttptest(port, mode, seconds) {
  if (!existsSync('/usr/bin/slowhttptest')) return undefined;
  // -H slowloris (slow headers), -B slow POST body; 400 connections opened at 200/s.
  const args = [mode, '-c', '400', '-r', '200', '-i', '5', '-l', String(seconds), '-u', `http://127.0.0.1:${port}/`, '-t', mode === '-B' ? 'POST' : 'GET', '-x', '24', '-p', '3'];
  return spawn('/usr/bin/slowhttptest', args, { stdio: 'ignore' });
}

async function scenario(name, target, o) {
  console.error(`\n== ${name} ==`);
  const legitP = child(['--legit', String(target.port), String(o.clients)]);
  const floodP = child(['--flood', String(target.port), String(o.bots), String(o.floodRps), ...(process.argv.includes('--http-client') ? ['--http-client'] : [])]);
  const setPhase = (phase) => { legitP.send({ phase }); floodP.send({ phase }); };
  const res = { name };
  setPhase('warmup');
  await sleep(5000);
  setPhase('baseline');
  await sleep(o.baseline * 1000);
  const u0 = usage(target.pid);
  setPhase('flood');
  const floodStart = Date.now();
  // --timeline: every 250 ms of the flood's first 8 s, the target's event-loop delay (max since the
  // previous sample: prom-client resets its histogram on each scrape), its upstream gauges and the
  // CPU share of each process since the previous sample. Scraping costs the target a little CPU, so
  // it is off by default.
  const timeline = process.argv.includes('--timeline') && target.lag ? [] : undefined;
  const pids = { target: target.pid, upstream: o.upstreamPid, legit: legitP.pid, flood: floodP.pid };
  let prevCpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, usage(pid).cpu]));
  let prevT = Date.now();
  const sampleTimeline = async () => {
    const lag = await target.lag();
    const now = Date.now();
    const cpu = {};
    for (const [k, pid] of Object.entries(pids)) {
      const c = usage(pid).cpu;
      cpu[k] = Math.round((100 * (c - prevCpu[k])) / Math.max(0.001, (now - prevT) / 1000)) / 100;
      prevCpu[k] = c;
    }
    prevT = now;
    timeline.push({ t: now - floodStart, ...lag, cpu });
  };
  if (timeline) res.timeline = timeline;
  const modes = ['same-url', 'random-url', 'cache-bust'];
  let rssMax = 0;
  for (let m = 0; m < modes.length; m++) {
    floodP.send({ mode: modes[m] });
    const until = floodStart + ((m + 1) * o.flood * 1000) / modes.length;
    while (Date.now() < until) {
      rssMax = Math.max(rssMax, usage(target.pid).rss);
      if (timeline && Date.now() - floodStart < 8000) await sampleTimeline();
      if (target.attacks && res.detectMs === undefined && (await target.attacks()).length > 0) res.detectMs = Date.now() - floodStart;
      if (target.mitigated && res.mitigateMs === undefined && (await target.mitigated())) res.mitigateMs = Date.now() - floodStart;
      await sleep(250);
    }
  }
  floodP.send({ mode: 'off' });
  if (target.gauges) res.gaugesFloodEnd = await target.gauges();
  const u1 = usage(target.pid);
  res.cpuPerSec = (u1.cpu - u0.cpu) / o.flood;
  res.rssMaxMb = rssMax;
  setPhase('recovery');
  const recStart = Date.now();
  while (Date.now() - recStart < o.recovery * 1000) {
    if (target.mitigated && res.removedMs === undefined && !(await target.mitigated())) res.removedMs = Date.now() - recStart;
    await sleep(250);
  }
  if (target.gauges) res.gaugesRecoveryEnd = await target.gauges();
  if (existsSync('/usr/bin/slowhttptest')) {
    for (const [phase, mode] of [['slowloris', '-H'], ['slowpost', '-B']]) {
      setPhase(phase);
      const p = slowhttptest(target.port, mode, o.slow);
      await sleep(o.slow * 1000);
      // slowhttptest ends by itself after -l seconds; it may already have exited (then 'exit' was
      // emitted before anyone listened), so only wait for a live one, and never past 5 s.
      if (p.exitCode === null && p.signalCode === null) {
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGINT');
        await Promise.race([exited, sleep(5000).then(() => p.kill('SIGKILL'))]);
      }
    }
  } else {
    res.slowNote = 'slowhttptest not installed: slow phases skipped';
  }
  setPhase('idle');
  if (target.gauges) {
    res.gaugesEnd = await target.gauges();
    // How long the site takes to be idle again (no upstream request in flight or queued), up to 30 s.
    const t0 = Date.now();
    for (;;) {
      const g = await target.gauges();
      if (g && g.in_flight === 0 && g.queued === 0) {
        res.idleAfterS = (Date.now() - t0) / 1000;
        break;
      }
      if (Date.now() - t0 > 30_000) {
        res.idleAfterS = `not idle after 30 s: ${JSON.stringify(g)}`;
        break;
      }
      await sleep(500);
    }
  }
  if (target.attacks) res.attacks = (await target.attacks()).length;
  res.legit = await report(legitP, res.mitigateMs !== undefined ? floodStart + res.mitigateMs : undefined);
  res.flood = await report(floodP);
  legitP.send({ exit: true });
  floodP.send({ exit: true });
  return res;
}

function pct(x) {
  return (100 * x).toFixed(2) + '%';
}

function summary(r) {
  const b = r.legit.baseline ?? { n: 0, ok: 0, p50: 0, p99: 0 };
  const f = r.legit.flood ?? { n: 0, ok: 0, p50: 0, p99: 0, statuses: {} };
  const a = r.flood.flood ?? { n: 0, statuses: {} };
  const refused = Object.entries(f.statuses).filter(([s]) => s === '403' || s === '429' || s === '503').reduce((n, [, c]) => n + c, 0);
  const row = {
    target: r.name,
    legitBaselineOk: pct(b.ok / Math.max(1, b.n)),
    legitFloodOk: pct(f.ok / Math.max(1, f.n)),
    legitFloodRequests: f.n,
    p50: `${b.p50.toFixed(1)} → ${f.p50.toFixed(1)} ms`,
    p99: `${b.p99.toFixed(1)} → ${f.p99.toFixed(1)} ms (${(f.p99 / Math.max(0.001, b.p99)).toFixed(2)}×)`,
    ...(r.legit.floodSplit
      ? {
          legitFloodBeforeAfterMitigation: ['beforeMitigation', 'afterMitigation']
            .map((k) => { const x = r.legit.floodSplit[k]; return `${x.n} req, p99 ${x.p99.toFixed(1)} ms, ${x.overTwiceBaselineP99} over 2× baseline p99`; })
            .join(' / '),
        }
      : {}),
    legitRefused: refused,
    attackRequests: a.n,
    attackLetThrough: a.statuses['200'] ?? 0,
    attackLetThroughShare: pct((a.statuses['200'] ?? 0) / Math.max(1, a.n)),
    detectS: r.detectMs !== undefined ? (r.detectMs / 1000).toFixed(1) : 'n/a',
    mitigateS: r.mitigateMs !== undefined ? (r.mitigateMs / 1000).toFixed(1) : 'n/a',
    removedAfterFloodS: r.removedMs !== undefined ? (r.removedMs / 1000).toFixed(1) : 'n/a',
    proxyCpu: `${(r.cpuPerSec * 100).toFixed(0)}% of a core`,
    proxyRssMaxMb: r.rssMaxMb.toFixed(0),
  };
  for (const ph of ['slowloris', 'slowpost']) {
    const s = r.legit[ph];
    if (s) row[`legit${ph}Ok`] = `${pct(s.ok / Math.max(1, s.n))} (p99 ${s.p99.toFixed(1)} ms)`;
  }
  if (r.slowNote) row.slow = r.slowNote;
  return row;
}

async function main() {
  const o = {
    baseline: arg('baseline', 35), flood: arg('flood', 30), recovery: arg('recovery', 15), slow: arg('slow', 10),
    clients: arg('clients', 300), bots: arg('bots', 1024), floodRps: arg('flood-rps', 1000), upstreamMs: arg('upstream-ms', 2),
  };
  const dir = tempDir();
  const loadStart = loadavg().map((x) => Number(x.toFixed(2)));
  const up = spawn(process.execPath, [here, '--upstream', String(o.upstreamMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const upstreamPort = Number((await waitFor(up, /ready (\d+)/))[1]);
  const results = [];
  try {
    const bw = await startBulwarkSite(join(dir, 'bulwark'), upstreamPort, !process.argv.includes('--no-shield'));
    try {
      results.push(await scenario('Bulwark (Shield automatic response, Block)', { ...bw, pid: bw.proc.pid }, { ...o, upstreamPid: up.pid }));
    } finally {
      await stop(bw.proc);
    }
    if (existsSync('/usr/sbin/nginx') && !process.argv.includes('--no-nginx')) {
      mkdirSync(join(dir, 'nginx'), { recursive: true });
      const ng = await startNginx(join(dir, 'nginx'), upstreamPort);
      try {
        results.push(await scenario('nginx (limit_req 10r/s burst 20, limit_conn 10 per address)', { port: ng.port, pid: ng.proc.pid }, { ...o, upstreamPid: up.pid }));
      } finally {
        await stop(ng.proc);
      }
    } else {
      console.error('nginx not installed at /usr/sbin/nginx: the nginx comparison is skipped');
    }
  } finally {
    await stop(up);
  }
  const rows = results.map(summary);
  o.priority = !process.argv.includes('--no-priority');
  // Load average (1/5/15 min) at the start and the end: runs on a shared machine compare only at similar load.
  const load = { start: loadStart, end: loadavg().map((x) => Number(x.toFixed(2))) };
  console.log(JSON.stringify({ date: new Date().toISOString(), options: o, load, rows, raw: results }, null, 2));
}
