// Profiles the API server under load: starts `bulwark start` with --cpu-prof, creates a symmetric
// key, replays one signed KMS Encrypt (or STS GetCallerIdentity with --op sts) at 50 connections,
// stops the server and prints the top self-time functions of its profile.
// Usage: npm run build && node bench/profile-api.mjs [--op encrypt|sts] [--seconds 8] [--no-audit]
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arg, creds, load, signed, startBulwark, stop, tempDir } from './lib.mjs';

const seconds = arg('seconds', 8);
const op = process.argv.includes('--op') ? process.argv[process.argv.indexOf('--op') + 1] : 'encrypt';
const noAudit = process.argv.includes('--no-audit');
const top = arg('top', 40);
const dir = tempDir();
const profDir = join(dir, 'prof');
const node = await startBulwark(join(dir, 'data'), noAudit ? { BULWARK_UNSAFE_BENCHMARK_WITHOUT_AUDIT: '1' } : {}, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
let spec;
if (op === 'sts') {
  spec = await signed(node.endpoint, 'sts', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=GetCallerIdentity&Version=2011-06-15');
} else {
  const kms = new KMSClient({ endpoint: node.endpoint, region: 'us-east-1', credentials: creds });
  const sym = (await kms.send(new CreateKeyCommand({}))).KeyMetadata.KeyId;
  const body = JSON.stringify({ KeyId: sym, Plaintext: Buffer.alloc(256, 7).toString('base64') });
  spec = await signed(node.endpoint, 'kms', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' }, body);
}
const r = await load(node.endpoint, spec, 50, seconds, dir);
await stop(node.proc);
const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
for (const file of files) report(file, JSON.parse(readFileSync(join(profDir, file), 'utf8')));

function report(file, prof) {
  const self = new Map();
  const dt = prof.timeDeltas;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const hits = new Map();
  for (let i = 0; i < prof.samples.length; i++) hits.set(prof.samples[i], (hits.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
  let total = 0;
  for (const [id, us] of hits) {
    const cf = byId.get(id).callFrame;
    const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${cf.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + us);
    total += us;
  }
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  console.log(`\n${file}: ${op}${noAudit ? ' (no audit)' : ''}: ${r.rps.toFixed(0)} req/s; profile ${(total / 1e6).toFixed(2)} s, idle ${((idle / total) * 100).toFixed(1)}%, busy µs/request ${((total - idle) / (r.rps * seconds)).toFixed(1)}`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(((v / (total - idle)) * 100).toFixed(1).padStart(5) + '%  ' + k);
}
