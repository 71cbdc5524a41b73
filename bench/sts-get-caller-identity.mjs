// Benchmark: GetCallerIdentity through the full API path (body read, routing, SigV4 verification,
// credential lookup, XML encoding, audit record) against a bare node:http server answering the
// same bytes, measured in the same run with the same load generator.
// Usage: npm run build && node bench/sts-get-caller-identity.mjs [--connections 32] [--seconds 5] [--rounds 3]
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arg, load, median, signed, startBare, startBulwark, stop, tempDir } from './lib.mjs';

const connections = arg('connections', 32);
const seconds = arg('seconds', 5);
const rounds = arg('rounds', 3);
const dir = tempDir();
const node = await startBulwark(join(dir, 'data'));
const body = 'Action=GetCallerIdentity&Version=2011-06-15';
const spec = await signed(node.endpoint, 'sts', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body);
const sample = await fetch(node.endpoint, { method: 'POST', headers: spec.headers, body });
if (sample.status !== 200) throw new Error(`GetCallerIdentity failed: ${sample.status} ${await sample.text()}`);
const bodyFile = join(dir, 'response.xml');
writeFileSync(bodyFile, Buffer.from(await sample.arrayBuffer()));
const bare = await startBare(bodyFile, 'text/xml');

await load(node.endpoint, spec, connections, 1, dir);
await load(bare.url, spec, connections, 1, dir);
const results = [];
for (let i = 0; i < rounds; i++) {
  const b = await load(bare.url, spec, connections, seconds, dir);
  const w = await load(node.endpoint, spec, connections, seconds, dir);
  if (Object.keys(w.statuses).some((s) => s !== '200')) throw new Error('non-200 from Bulwark: ' + JSON.stringify(w.statuses));
  results.push({ bare: b.rps, bulwark: w.rps, ratio: w.rps / b.rps });
  console.log(`round ${i + 1}: bare ${b.rps.toFixed(0)} req/s, bulwark ${w.rps.toFixed(0)} req/s, ratio ${(w.rps / b.rps).toFixed(3)}`);
}
console.log(
  JSON.stringify({
    benchmark: 'sts:GetCallerIdentity (SigV4 + IAM + audit) vs bare node:http, same response bytes',
    connections,
    seconds,
    rounds,
    medianRatio: Number(median(results.map((r) => r.ratio)).toFixed(3)),
    medianBareRps: Math.round(median(results.map((r) => r.bare))),
    medianBulwarkRps: Math.round(median(results.map((r) => r.bulwark))),
    target: 0.5,
  }),
);
await stop(bare.proc);
await stop(node.proc);
rmSync(dir, { recursive: true, force: true });
