// Shared helpers for the benchmarks: start the real `bulwark` binary, sign requests, run the load
// generator in its own process, start the bare baseline server.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { execFile, spawn } from 'node:child_process';
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

/** Starts `bulwark start` on a free port; resolves { proc, endpoint }. */
export async function startBulwark(dataDir, env = {}) {
  const proc = spawn(process.execPath, [join(root, 'dist/src/cli/bin.js'), 'start', '--data-dir', dataDir, '--api-listen', '127.0.0.1:0'], {
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

/** Runs bench/load.mjs against `url` with the requests in `specs`; resolves its JSON result. */
export async function load(url, specs, connections, seconds, dir) {
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
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
