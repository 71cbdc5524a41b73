// A small closed-loop HTTP load generator (keep-alive, N connections, fixed duration), run as its
// own process so it does not share an event loop with the server under test. Replays prepared
// requests round-robin and prints requests/s, p50/p99 latency and status counts as JSON.
// Usage: node bench/load.mjs <url> <connections> <seconds> <requests-json-file>
//   the file holds one request {method, path, headers, body} or an array of them.
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [url, connsArg, secsArg, reqFile] = process.argv.slice(2);
const target = new URL(url);
const parsed = JSON.parse(readFileSync(reqFile, 'utf8'));
const specs = (Array.isArray(parsed) ? parsed : [parsed]).map((s) => ({ ...s, body: Buffer.from(s.body ?? '', s.bodyEncoding ?? 'utf8') }));
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connsArg) });
const deadline = Date.now() + Number(secsArg) * 1000;
const statuses = {};
const latencies = [];
let done = 0;
let next = 0;

function one() {
  const spec = specs[next++ % specs.length];
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: spec.path ?? '/', method: spec.method ?? 'POST', headers: spec.headers, agent },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          done++;
          resolve();
        });
      },
    );
    req.on('error', () => {
      statuses.error = (statuses.error ?? 0) + 1;
      resolve();
    });
    req.end(spec.body);
  });
}

async function worker() {
  while (Date.now() < deadline) await one();
}

const start = Date.now();
await Promise.all(Array.from({ length: Number(connsArg) }, worker));
const secs = (Date.now() - start) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0);
process.stdout.write(JSON.stringify({ requests: done, seconds: secs, rps: done / secs, p50ms: pct(50), p99ms: pct(99), statuses }) + '\n');
