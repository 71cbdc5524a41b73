// Cost of the JA3/JA4 ClientHello capture on a TLS site: the same site with the capture off (A,
// `tls.fingerprints: false`, the plain https.Server listening) and on (B, the TLS front reading each
// ClientHello), each in its own process with its own upstream, no web ACL (so only the data-plane
// path differs). Rows: new TLS connections per second (one request per connection, agent: false)
// and keep-alive requests per second, each with the server process's CPU time per connection /
// request (less sensitive than rates to other load on a shared machine). Short interleaved rounds
// (A B B A ...) so drift hits both sides alike; prints every round, the medians and B / A. Also
// times the parser + both fingerprints alone on a ClientHello recorded from Node's own client.
// Usage: npx tsc -p tsconfig.build.json && node bench/tls-fingerprint.mjs [--rounds 6] [--seconds 2]
//                                                  [--new-conns 8] [--ka-conns 16]
//   BULWARK_DIST=<dir> points at the compiled tree (default dist/src).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(import.meta.url);
const dist = resolve(process.env.BULWARK_DIST ?? join(here, '..', '..', 'dist', 'src'));
const role = process.argv[2];
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : process.argv[i + 1];
};

if (role === '--server') {
  // One site (capture off or on) and its upstream in one process; reports its CPU time over IPC.
  const [cert, key, capture] = process.argv.slice(3, 6);
  const page = Buffer.from('<!doctype html><p>ok</p>');
  const up = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': page.length });
      res.end(page);
    });
  });
  await new Promise((r) => up.listen(0, '127.0.0.1', r));
  const { SiteManager } = await import(pathToFileURL(join(dist, 'proxy', 'index.js')).href);
  const m = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: { forSite: () => undefined } });
  const upstream = `http://127.0.0.1:${up.address().port}`;
  const limits = { perIpConnectionRate: 0, perIpConnections: 0 };
  const s = await m.add({ name: capture, listen: '127.0.0.1:0', upstream, tls: { cert, key, fingerprints: capture === 'on' }, limits });
  process.on('message', () => process.send(process.cpuUsage()));
  process.stdout.write(`ready ${s.address.port}\n`);
} else if (role === '--client') {
  // One load run: mode 'new' (a new TLS connection per request) or 'ka' (keep-alive).
  const [port, mode, secs, conns] = process.argv.slice(3).map((v, i) => (i === 1 ? v : Number(v)));
  const agent = mode === 'ka' ? new https.Agent({ keepAlive: true, maxSockets: conns }) : false;
  const end = Date.now() + secs * 1000;
  let n = 0;
  let errors = 0;
  const one = () =>
    new Promise((res) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/', agent, rejectUnauthorized: false, headers: mode === 'new' ? { connection: 'close' } : {} }, (r) => {
        r.resume();
        r.on('end', () => {
          if (r.statusCode === 200) n++;
          else errors++;
          res();
        });
      });
      req.on('error', () => {
        errors++;
        res();
      });
      req.end();
    });
  const t0 = Date.now();
  await Promise.all(Array.from({ length: conns }, async () => {
    while (Date.now() < end) await one();
  }));
  const s = (Date.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ n, errors, seconds: s, rate: n / s }) + '\n');
  process.exit(0);
} else {
  await main();
}

function run(args) {
  return JSON.parse(execFileSync(process.execPath, [here, ...args], { encoding: 'utf8' }));
}

/** The first TLS record of Node's client, recorded on a TCP server that never answers. */
async function nodeHello() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const rec = await new Promise((res) => {
    server.on('connection', (s) => {
      let buf = Buffer.alloc(0);
      s.on('error', () => {});
      s.on('data', (c) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
          res(buf.subarray(0, 5 + buf.readUInt16BE(3)));
          s.destroy();
        }
      });
    });
    tls.connect({ host: '127.0.0.1', port: server.address().port, rejectUnauthorized: false }).on('error', () => {});
  });
  server.close();
  return rec;
}

async function main() {
  const rounds = Number(arg('--rounds', '6'));
  const secs = Number(arg('--seconds', '2'));
  const newConns = Number(arg('--new-conns', '8'));
  const kaConns = Number(arg('--ka-conns', '16'));

  // Parser + fingerprints alone.
  const { ClientHelloReader, fingerprints } = await import(pathToFileURL(join(dist, 'proxy', 'tls-hello.js')).href);
  const hello = await nodeHello();
  const iters = 20000;
  for (let i = 0; i < 2000; i++) fingerprints(readHello(ClientHelloReader, hello)); // warm-up
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < iters; i++) fingerprints(readHello(ClientHelloReader, hello));
  const c1 = process.cpuUsage(c0);
  const usPer = Number(process.hrtime.bigint() - t0) / 1000 / iters;
  process.stdout.write(`parse + JA3 + JA4 of Node's ClientHello (${hello.length} bytes): ${((c1.user + c1.system) / iters).toFixed(1)} µs CPU each (${usPer.toFixed(1)} µs wall)\n`);

  const dir = mkdtempSync(join(tmpdir(), 'bench-tlsfp-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const start = (capture) =>
    new Promise((res, rej) => {
      const proc = spawn(process.execPath, [here, '--server', join(dir, 'cert.pem'), join(dir, 'key.pem'), capture], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: process.env });
      let buf = '';
      proc.stdout.on('data', (c) => {
        buf += c;
        const m = /ready (\d+)/.exec(buf);
        if (m) res({ proc, port: Number(m[1]) });
      });
      proc.on('exit', (code) => rej(new Error(`server exited ${code}`)));
    });
  /** The server process's CPU time (user + system, µs). */
  const cpu = (side) =>
    new Promise((res) => {
      side.proc.once('message', (u) => res(u.user + u.system));
      side.proc.send('cpu');
    });
  const a = await start('off');
  const b = await start('on');
  try {
    for (const [mode, conns, label] of [['new', newConns, 'new connections/s'], ['ka', kaConns, 'keep-alive req/s']]) {
      run(['--client', String(a.port), mode, '1', String(conns)]);
      run(['--client', String(b.port), mode, '1', String(conns)]); // warm-up
      const rate = { a: [], b: [] };
      const cpuPer = { a: [], b: [] };
      for (let i = 0; i < rounds; i++) {
        const order = i % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
        for (const side of order) {
          const srv = side === 'a' ? a : b;
          const c0 = await cpu(srv);
          const r = run(['--client', String(srv.port), mode, String(secs), String(conns)]);
          const c1 = await cpu(srv);
          if (r.errors > 0) throw new Error(`${side}: ${r.errors} errors`);
          rate[side].push(r.rate);
          cpuPer[side].push((c1 - c0) / r.n);
        }
        process.stdout.write(
          `${label} round ${i + 1}: A (off) ${rate.a[i].toFixed(0)}/s ${cpuPer.a[i].toFixed(0)} µs CPU each, B (on) ${rate.b[i].toFixed(0)}/s ${cpuPer.b[i].toFixed(0)} µs CPU each\n`,
        );
      }
      const ratio = (xs, ys) => median(xs.map((x, i) => ys[i] / x)).toFixed(3);
      process.stdout.write(
        `${label}, conns=${conns}: median rate A ${median(rate.a).toFixed(0)}, B ${median(rate.b).toFixed(0)}, B/A ${(median(rate.b) / median(rate.a)).toFixed(3)} (per-round ${ratio(rate.a, rate.b)}); ` +
          `median server CPU per ${mode === 'new' ? 'connection' : 'request'} A ${median(cpuPer.a).toFixed(0)} µs, B ${median(cpuPer.b).toFixed(0)} µs, B/A ${(median(cpuPer.b) / median(cpuPer.a)).toFixed(3)} (per-round ${ratio(cpuPer.a, cpuPer.b)})\n`,
      );
    }
  } finally {
    a.proc.kill();
    b.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

function readHello(Reader, bytes) {
  const r = new Reader();
  r.push(bytes);
  return r.hello;
}
