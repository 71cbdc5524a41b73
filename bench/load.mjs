// A small closed-loop HTTP load generator (keep-alive, N connections, fixed duration), run as its
// own process so it does not share an event loop with the server under test. Sends one prepared
// request over and over and reports requests/s and status counts as JSON on stdout.
// Usage: node bench/load.mjs <url> <connections> <seconds> <request-json-file>
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [url, connsArg, secsArg, reqFile] = process.argv.slice(2);
const target = new URL(url);
const spec = JSON.parse(readFileSync(reqFile, 'utf8'));
const body = Buffer.from(spec.body ?? '');
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connsArg) });
const deadline = Date.now() + Number(secsArg) * 1000;
const statuses = {};
let done = 0;

function one() {
  return new Promise((resolve) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: spec.path ?? '/', method: spec.method ?? 'POST', headers: spec.headers, agent },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          done++;
          resolve();
        });
      },
    );
    req.on('error', () => {
      statuses.error = (statuses.error ?? 0) + 1;
      resolve();
    });
    req.end(body);
  });
}

async function worker() {
  while (Date.now() < deadline) await one();
}

const start = Date.now();
await Promise.all(Array.from({ length: Number(connsArg) }, worker));
const secs = (Date.now() - start) / 1000;
agent.destroy();
process.stdout.write(JSON.stringify({ requests: done, seconds: secs, rps: done / secs, statuses }) + '\n');
