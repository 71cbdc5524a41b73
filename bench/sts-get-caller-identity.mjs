// Benchmark: GetCallerIdentity through the full API path (body read, routing, SigV4 verification,
// credential lookup, XML encoding, event publishing) against a bare node:http server that answers
// the same bytes, measured in the same run with the same load generator.
// Usage: npm run build && node bench/sts-get-caller-identity.mjs [--connections 32] [--seconds 8] [--rounds 3]
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const connections = arg('connections', 32);
const seconds = arg('seconds', 8);
const rounds = arg('rounds', 3);
const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bulwark-bench-'));
const creds = { accessKeyId: 'AKIABENCHMARK0000001', secretAccessKey: 'bench-secret-key-0123456789abcdefghijklmn' };

function waitFor(proc, pattern) {
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

async function load(url, reqFile) {
  const { stdout } = await run(process.execPath, [join(root, 'bench/load.mjs'), url, String(connections), String(seconds), reqFile]);
  return JSON.parse(stdout);
}

const bulwark = spawn(process.execPath, [join(root, 'dist/src/cli/bin.js'), 'start', '--data-dir', join(dir, 'data'), '--api-listen', '127.0.0.1:0'], {
  env: { ...process.env, BULWARK_ROOT_ACCESS_KEY_ID: creds.accessKeyId, BULWARK_ROOT_SECRET_ACCESS_KEY: creds.secretAccessKey, BULWARK_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const endpoint = (await waitFor(bulwark, /listening on (http:\/\/[^\s]+)/))[1];
const url = new URL(endpoint);

// One signed request, replayed (valid for the 15-minute window).
const body = 'Action=GetCallerIdentity&Version=2011-06-15';
const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 'sts', sha256: Sha256 });
const signed = await signer.sign(
  new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }),
);
const reqFile = join(dir, 'request.json');
writeFileSync(reqFile, JSON.stringify({ method: 'POST', path: '/', headers: signed.headers, body }));

// The bare server answers exactly the bytes Bulwark answers.
const sample = await fetch(endpoint, { method: 'POST', headers: signed.headers, body });
if (sample.status !== 200) throw new Error(`GetCallerIdentity failed: ${sample.status} ${await sample.text()}`);
const bodyFile = join(dir, 'response.xml');
writeFileSync(bodyFile, Buffer.from(await sample.arrayBuffer()));
const bare = spawn(process.execPath, [join(root, 'bench/bare-server.mjs'), '0', bodyFile, 'text/xml'], { stdio: ['ignore', 'pipe', 'inherit'] });
const bareUrl = `http://127.0.0.1:${(await waitFor(bare, /ready (\d+)/))[1]}`;

// Warm up both, then alternate rounds so drift on a shared machine hits both alike.
await load(endpoint, reqFile);
await load(bareUrl, reqFile);
const results = [];
for (let i = 0; i < rounds; i++) {
  const b = await load(bareUrl, reqFile);
  const w = await load(endpoint, reqFile);
  if (Object.keys(w.statuses).some((s) => s !== '200')) throw new Error('non-200 from Bulwark: ' + JSON.stringify(w.statuses));
  results.push({ bare: b.rps, bulwark: w.rps, ratio: w.rps / b.rps });
  console.log(`round ${i + 1}: bare ${b.rps.toFixed(0)} req/s, bulwark ${w.rps.toFixed(0)} req/s, ratio ${(w.rps / b.rps).toFixed(3)}`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  JSON.stringify({
    benchmark: 'sts:GetCallerIdentity (SigV4 + IAM) vs bare node:http, same response bytes',
    connections,
    seconds,
    rounds,
    medianRatio: Number(median(results.map((r) => r.ratio)).toFixed(3)),
    medianBareRps: Math.round(median(results.map((r) => r.bare))),
    medianBulwarkRps: Math.round(median(results.map((r) => r.bulwark))),
    target: 0.5,
  }),
);
bare.kill();
bulwark.kill('SIGTERM');
await new Promise((r) => bulwark.on('exit', r));
rmSync(dir, { recursive: true, force: true });
