// A/B CPU per request: two bulwark nodes (A and B builds), audit off by default, alternating wrk rounds.
// Usage: npm run build && node bench/api-cpu-ab.mjs <A dist/src> <B dist/src> [--seconds 3] [--rounds 4] [--ops Encrypt,Decrypt,GenerateDataKey,Sign,Sts] [--audit]
// Prints main-thread and all-thread CPU µs per request of each build, rounds alternated ABBA (the node started second runs a few % higher).
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { arg, creds, load, median, signed, startBulwark, stop, tempDir } from './lib.mjs';

const [aDist, bDist] = process.argv.slice(2, 4);
const seconds = arg('seconds', 3);
const rounds = arg('rounds', 4);
const connections = arg('connections', 50);
const audit = process.argv.includes('--audit');
const opsArg = process.argv.includes('--ops') ? process.argv[process.argv.indexOf('--ops') + 1].split(',') : ['Encrypt', 'Decrypt', 'GenerateDataKey', 'Sign', 'Sts'];
const dir = tempDir();
const env = audit ? {} : { BULWARK_UNSAFE_BENCHMARK_WITHOUT_AUDIT: '1' };
async function start(dist, name) {
  process.env.BULWARK_DIST = dist;
  const node = await startBulwark(join(dir, name), env);
  const kms = new KMSClient({ endpoint: node.endpoint, region: 'us-east-1', credentials: creds });
  const sym = (await kms.send(new CreateKeyCommand({}))).KeyMetadata.KeyId;
  const ecc = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata.KeyId;
  const plaintext = Buffer.alloc(256, 7);
  const ct = Buffer.from((await kms.send(new EncryptCommand({ KeyId: sym, Plaintext: plaintext }))).CiphertextBlob).toString('base64');
  const bodies = {
    Encrypt: JSON.stringify({ KeyId: sym, Plaintext: plaintext.toString('base64') }),
    Decrypt: JSON.stringify({ CiphertextBlob: ct }),
    GenerateDataKey: JSON.stringify({ KeyId: sym, KeySpec: 'AES_256' }),
    Sign: JSON.stringify({ KeyId: ecc, Message: Buffer.alloc(64, 1).toString('base64'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
  };
  const specs = {};
  for (const op of opsArg) {
    if (op === 'Sts') specs[op] = await signed(node.endpoint, 'sts', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, 'Action=GetCallerIdentity&Version=2011-06-15');
    else specs[op] = await signed(node.endpoint, 'kms', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${op}` }, bodies[op]);
  }
  return { node, specs, name };
}
const threadCpuUs = (pid) => {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    out.set(Number(tid), ((Number(f[11]) + Number(f[12])) * 1e6) / 100);
  }
  return out;
};
async function measure(s, op) {
  const pid = s.node.proc.pid;
  const t0 = threadCpuUs(pid);
  const r = await load(s.node.endpoint, s.specs[op], connections, seconds, dir);
  const t1 = threadCpuUs(pid);
  if (Object.keys(r.statuses).some((k) => k !== '200')) throw new Error(`${s.name} ${op}: ${JSON.stringify(r.statuses)}`);
  let main = 0, all = 0;
  for (const [tid, us] of t1) { const d = us - (t0.get(tid) ?? 0); all += d; if (tid === pid) main = d; }
  return { rps: r.rps, main: main / r.requests, all: all / r.requests };
}
const A = await start(aDist, 'A');
const B = await start(bDist, 'B');
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log('load before', loadavg());
for (const op of opsArg) {
  await load(A.node.endpoint, A.specs[op], connections, 2, dir);
  await load(B.node.endpoint, B.specs[op], connections, 2, dir);
  const ra = [], rb = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) { ra.push(await measure(A, op)); rb.push(await measure(B, op)); }
    else { rb.push(await measure(B, op)); ra.push(await measure(A, op)); }
  }
  const f = (xs, k) => median(xs.map((x) => x[k]));
  console.log(`${op.padEnd(16)} A main ${f(ra, 'main').toFixed(1)} all ${f(ra, 'all').toFixed(1)} rps ${f(ra, 'rps').toFixed(0)} | B main ${f(rb, 'main').toFixed(1)} all ${f(rb, 'all').toFixed(1)} rps ${f(rb, 'rps').toFixed(0)} | B/A main ${(f(rb, 'main') / f(ra, 'main')).toFixed(3)}  [A ${ra.map((x) => x.main.toFixed(0)).join(',')} B ${rb.map((x) => x.main.toFixed(0)).join(',')}]`);
}
console.log('load after', loadavg());
await stop(A.node.proc);
await stop(B.node.proc);
rmSync(dir, { recursive: true, force: true });
