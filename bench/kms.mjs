// Benchmark: KMS Encrypt, Decrypt, GenerateDataKey and Sign (ECC_NIST_P256) through SigV4 + key
// policy evaluation + the audit trail, against a bare node:http server answering the same bytes,
// with the same load generator at 50 connections; Sign also against raw node:crypto signing; and
// the audit trail's cost on Encrypt (node with the audit trail vs one without, same run).
// Usage: npm run build && node bench/kms.mjs [--connections 50] [--seconds 5] [--rounds 3] [--audit-only]
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arg, creds, load, median, signed, startBare, startBulwark, stop, tempDir } from './lib.mjs';

const connections = arg('connections', 50);
const seconds = arg('seconds', 5);
const rounds = arg('rounds', 3);
const dir = tempDir();
const JSON_CT = { 'content-type': 'application/x-amz-json-1.1' };
const target = (op) => ({ ...JSON_CT, 'x-amz-target': `TrentService.${op}` });

const node = await startBulwark(join(dir, 'data'));
const kms = new KMSClient({ endpoint: node.endpoint, region: 'us-east-1', credentials: creds });
const sym = (await kms.send(new CreateKeyCommand({}))).KeyMetadata.KeyId;
const ecc = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }))).KeyMetadata.KeyId;
const plaintext = Buffer.alloc(256, 7);
const ct = Buffer.from((await kms.send(new EncryptCommand({ KeyId: sym, Plaintext: plaintext }))).CiphertextBlob).toString('base64');

const ops = {
  Encrypt: JSON.stringify({ KeyId: sym, Plaintext: plaintext.toString('base64') }),
  Decrypt: JSON.stringify({ CiphertextBlob: ct }),
  GenerateDataKey: JSON.stringify({ KeyId: sym, KeySpec: 'AES_256' }),
  Sign: JSON.stringify({ KeyId: ecc, Message: Buffer.alloc(64, 1).toString('base64'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
};

const results = {};
const auditOnly = process.argv.includes('--audit-only');
for (const [op, body] of auditOnly ? [] : Object.entries(ops)) {
  const spec = await signed(node.endpoint, 'kms', target(op), body);
  const sample = await fetch(node.endpoint, { method: 'POST', headers: spec.headers, body });
  if (sample.status !== 200) throw new Error(`${op}: ${sample.status} ${await sample.text()}`);
  const bodyFile = join(dir, `${op}.json`);
  writeFileSync(bodyFile, Buffer.from(await sample.arrayBuffer()));
  const bare = await startBare(bodyFile, 'application/x-amz-json-1.1');
  await load(bare.url, spec, connections, 1, dir);
  await load(node.endpoint, spec, connections, 1, dir);
  const rs = [];
  for (let i = 0; i < rounds; i++) {
    const b = await load(bare.url, spec, connections, seconds, dir);
    const w = await load(node.endpoint, spec, connections, seconds, dir);
    if (Object.keys(w.statuses).some((s) => s !== '200')) throw new Error(`${op}: non-200 ${JSON.stringify(w.statuses)}`);
    rs.push({ bare: b.rps, bulwark: w.rps, ratio: w.rps / b.rps, p50: w.p50ms, p99: w.p99ms });
  }
  await stop(bare.proc);
  results[op] = {
    bareRps: Math.round(median(rs.map((r) => r.bare))),
    bulwarkRps: Math.round(median(rs.map((r) => r.bulwark))),
    ratio: Number(median(rs.map((r) => r.ratio)).toFixed(3)),
    p50ms: Number(median(rs.map((r) => r.p50)).toFixed(2)),
    p99ms: Number(median(rs.map((r) => r.p99)).toFixed(2)),
  };
  console.log(op, JSON.stringify(results[op]));
}

if (!auditOnly) {
// Sign against raw node:crypto ECDSA P-256 signing in one thread for the same duration.
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const msg = Buffer.alloc(64, 1);
let n = 0;
const until = Date.now() + seconds * 1000;
while (Date.now() < until) {
  sign('sha256', msg, privateKey);
  n++;
}
const rawSignPerSec = n / seconds;
results.Sign.rawNodeCryptoSignPerSec = Math.round(rawSignPerSec);
results.Sign.ratioToRawSign = Number((results.Sign.bulwarkRps / rawSignPerSec).toFixed(3));
console.log('Sign vs raw node:crypto', JSON.stringify({ rawSignPerSec: Math.round(rawSignPerSec), ratio: results.Sign.ratioToRawSign }));
}

// The audit trail's cost on Encrypt: a second node without it, measured alternately.
const quiet = await startBulwark(join(dir, 'data-noaudit'), { BULWARK_UNSAFE_BENCHMARK_WITHOUT_AUDIT: '1' });
const kms2 = new KMSClient({ endpoint: quiet.endpoint, region: 'us-east-1', credentials: creds });
const sym2 = (await kms2.send(new CreateKeyCommand({}))).KeyMetadata.KeyId;
const withAudit = await signed(node.endpoint, 'kms', target('Encrypt'), ops.Encrypt);
const without = await signed(quiet.endpoint, 'kms', target('Encrypt'), JSON.stringify({ KeyId: sym2, Plaintext: plaintext.toString('base64') }));
// CPU time of a server process (all its threads, from /proc; undefined elsewhere), in µs. On a
// shared machine the two nodes' req/s are measured at different moments under different load;
// their CPU per request is the steadier comparison.
const cpuUs = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100; // utime + stime, in USER_HZ (100) ticks
  } catch {
    return undefined;
  }
};
// CPU time of each thread of a server process (tid -> µs; the main thread's tid is the pid).
const threadCpuUs = (pid) => {
  const out = new Map();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(Number(tid), ((Number(f[11]) + Number(f[12])) * 1e6) / 100);
    }
  } catch {
    // not Linux, or gone
  }
  return out;
};
const measured = async (server, spec) => {
  const c0 = cpuUs(server.proc.pid);
  const t0 = threadCpuUs(server.proc.pid);
  const r = await load(server.endpoint, spec, connections, seconds, dir);
  const c1 = cpuUs(server.proc.pid);
  const t1 = threadCpuUs(server.proc.pid);
  const requests = r.requests ?? r.rps * seconds;
  // The main thread's share and the busiest other thread's (the SQLite writer when the trail is on).
  let main;
  let other = 0;
  for (const [tid, us] of t1) {
    const d = (us - (t0.get(tid) ?? 0)) / requests;
    if (tid === server.proc.pid) main = d;
    else if (d > other) other = d;
  }
  return { rps: r.rps, cpuUsPerRequest: c0 === undefined || c1 === undefined ? undefined : (c1 - c0) / requests, mainUs: main, otherUs: other };
};
// JIT warm-up of both nodes, unmeasured (in --audit-only mode nothing else has run on them yet).
await load(quiet.endpoint, without, connections, 2, dir);
await load(node.endpoint, withAudit, connections, 2, dir);
const audit = [];
for (let i = 0; i < rounds; i++) {
  const off = await measured(quiet, without);
  const on = await measured(node, withAudit);
  audit.push({ off: off.rps, on: on.rps, ratio: on.rps / off.rps, cpuOff: off.cpuUsPerRequest, cpuOn: on.cpuUsPerRequest, mainOff: off.mainUs, mainOn: on.mainUs, otherOff: off.otherUs, otherOn: on.otherUs });
}
const haveCpu = audit.every((a) => a.cpuOff !== undefined && a.cpuOn !== undefined);
results.auditOnEncrypt = {
  withoutAuditRps: Math.round(median(audit.map((a) => a.off))),
  withAuditRps: Math.round(median(audit.map((a) => a.on))),
  ratio: Number(median(audit.map((a) => a.ratio)).toFixed(3)),
  ...(haveCpu
    ? {
        // Server CPU (main + writer thread) per request, and off/on: the throughput ratio a CPU-bound node would reach.
        cpuUsPerRequestOff: Math.round(median(audit.map((a) => a.cpuOff))),
        cpuUsPerRequestOn: Math.round(median(audit.map((a) => a.cpuOn))),
        cpuRatio: Number(median(audit.map((a) => a.cpuOff / a.cpuOn)).toFixed(3)),
      }
    : {}),
  target: 0.9,
  rounds: audit.map((a) => ({ off: Math.round(a.off), on: Math.round(a.on), ratio: Number(a.ratio.toFixed(3)), ...(haveCpu ? { cpuOff: Math.round(a.cpuOff), cpuOn: Math.round(a.cpuOn) } : {}), ...(a.mainOn !== undefined ? { mainOff: Math.round(a.mainOff), mainOn: Math.round(a.mainOn), otherOff: Math.round(a.otherOff), otherOn: Math.round(a.otherOn) } : {}) })),
};
console.log('audit on/off (Encrypt)', JSON.stringify(results.auditOnEncrypt));
console.log(JSON.stringify({ benchmark: 'kms', connections, seconds, rounds, results }));
await stop(quiet.proc);
await stop(node.proc);
rmSync(dir, { recursive: true, force: true });
