// Shared helpers for the benchmarks: start the real `bulwark` binary, sign requests, run the load
// generator in its own process, start the bare baseline server.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const root = new URL('..', import.meta.url).pathname;
export const creds = { accessKeyId: 'AKIABENCHMARK0000001', secretAccessKey: 'bench-secret-key-0123456789abcdefghijklmn' };

/** Parses --name value flags with numeric defaults. */
export function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
}

/** A fresh temporary directory. */
export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'bulwark-bench-'));
}

/** Resolves with the regex match once `proc`'s stdout matches. */
export function waitFor(proc, pattern) {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error('timeout: ' + out)), 30000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    });
    proc.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
}

/** BENCH_NODE_ARGS: extra node flags for every Bulwark node a bench starts (e.g. `--v8-pool-size=1`, `--cpu-prof`). */
export function benchNodeArgs() {
  return process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ').filter(Boolean) : [];
}

/** Starts `bulwark start` on a free port; resolves { proc, endpoint }. */
export async function startBulwark(dataDir, env = {}, execArgv = []) {
  const proc = spawn(process.execPath, [...benchNodeArgs(), ...execArgv, join(process.env.BULWARK_DIST ?? join(root, 'dist/src'), 'cli/bin.js'), 'start', '--data-dir', dataDir, '--api-listen', '127.0.0.1:0'], {
    env: { ...process.env, BULWARK_ROOT_ACCESS_KEY_ID: creds.accessKeyId, BULWARK_ROOT_SECRET_ACCESS_KEY: creds.secretAccessKey, BULWARK_LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = (await waitFor(proc, /listening on (http:\/\/[^\s]+)/))[1];
  return { proc, endpoint };
}

/** Stops a child process with SIGTERM and waits. */
export async function stop(proc) {
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('exit', r));
}

/** SigV4-signs one request for the load generator (valid for the 15-minute window). */
export async function signed(endpoint, service, headers, body) {
  const url = new URL(endpoint);
  const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service, sha256: Sha256 });
  const s = await signer.sign(new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, ...headers }, body }));
  return { method: 'POST', path: '/', headers: s.headers, body };
}

/** True when wrk (Debian's package) is installed: it loads a 2-core machine far less than a Node client. */
export const HAVE_WRK = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    return e.status === 1; // wrk --version exits 1 after printing its version
  }
})();

/** The load generator used: wrk when installed (BENCH_CLIENT=node forces bench/load.mjs). */
export const CLIENT = HAVE_WRK && process.env.BENCH_CLIENT !== 'node' ? 'wrk' : 'node';

function luaString(s) {
  return '"' + [...Buffer.from(s)].map((b) => '\\' + b).join('') + '"';
}

/** Runs wrk with one fixed request; resolves {rps, p50ms, p99ms, statuses}. */
async function wrkLoad(url, spec, connections, seconds, dir) {
  const script = join(dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  const headers = Object.entries(spec.headers ?? {})
    .filter(([k]) => k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length')
    .map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(String(v))}`)
    .join('\n');
  writeFileSync(
    script,
    `wrk.method = ${luaString(spec.method ?? 'POST')}\nwrk.path = ${luaString(spec.path ?? '/')}\nwrk.body = ${luaString(spec.body ?? '')}\n${headers}\n` +
      'done = function(summary, latency, requests)\n' +
      '  io.write(string.format("JSON {\\"requests\\":%d,\\"errors\\":%d,\\"status\\":%d,\\"p50\\":%f,\\"p99\\":%f,\\"duration\\":%d}\\n", summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status, latency:percentile(50), latency:percentile(99), summary.duration))\n' +
      'end\n',
  );
  const threads = Math.min(2, connections);
  const { stdout } = await run('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '-s', script, url], { maxBuffer: 1 << 20 });
  const m = /JSON (\{.*\})/.exec(stdout);
  if (!m) throw new Error('wrk output not understood: ' + stdout);
  const r = JSON.parse(m[1]);
  const secs = r.duration / 1e6;
  return { requests: r.requests, seconds: secs, rps: r.requests / secs, p50ms: r.p50 / 1000, p99ms: r.p99 / 1000, statuses: { ...(r.status ? { 'non-2xx': r.status } : {}), ...(r.errors ? { error: r.errors } : {}), 200: r.requests - r.status } };
}

/** Runs the load generator against `url` with the request(s) in `specs`; resolves {rps, p50ms, p99ms, statuses}. */
export async function load(url, specs, connections, seconds, dir) {
  if (CLIENT === 'wrk' && !Array.isArray(specs)) return wrkLoad(url, specs, connections, seconds, dir);
  const file = join(dir, `req-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(specs));
  const { stdout } = await run(process.execPath, [join(root, 'bench/load.mjs'), url, String(connections), String(seconds), file]);
  return JSON.parse(stdout);
}

/** Starts the bare baseline: node:http answering `bodyFile` with `contentType`. Resolves { proc, url }. */
export async function startBare(bodyFile, contentType) {
  const proc = spawn(process.execPath, [join(root, 'bench/bare-server.mjs'), '0', bodyFile, contentType], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = (await waitFor(proc, /ready (\d+)/))[1];
  return { proc, url: `http://127.0.0.1:${port}` };
}

/** Median of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
