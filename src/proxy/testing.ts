/**
 * Test helpers of the data plane: a recording upstream and a scripted web ACL. Not exported from
 * index.ts.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { InspectedRequest, WafDecision } from '../waf/index.js';
import type { EvaluatingAcl } from './types.js';

/** What the upstream saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  rawHeaders: string[];
  bodyBytes: number;
  bodySha256: string;
}

/** A node:http upstream recording what it receives. Paths: /slow never answers, /hop sends hop-by-hop headers. */
export async function startUpstream(): Promise<{ url: string; port: number; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const h = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      h.update(c);
      n += c.length;
    });
    req.on('end', () => {
      const s: SeenRequest = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, bodyBytes: n, bodySha256: h.digest('hex') };
      seen.push(s);
      if (req.url === '/slow') return;
      if (req.url === '/hop') {
        res.writeHead(200, [['Connection', 'X-Secret'], ['X-Secret', 'no'], ['Keep-Alive', 'timeout=99'], ['X-Kept', 'yes'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['Content-Length', '2']].flat());
        res.end('ok');
        return;
      }
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(1024 * 1024, 7);
        for (let i = 0; i < 5; i++) res.write(chunk);
        res.end();
        return;
      }
      const body = JSON.stringify(s);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A decision with defaults filled in. */
export function decision(p: Partial<WafDecision> & { action: WafDecision['action'] }): WafDecision {
  return {
    terminatingRuleId: p.action === 'ALLOW' ? 'Default_Action' : 'Rule1',
    terminatingRuleType: 'REGULAR',
    terminatingRuleMatchDetails: [],
    insertHeaders: [],
    labels: [],
    nonTerminatingMatchingRules: [],
    ruleGroupList: [],
    rateBasedRuleList: [],
    metricMatches: [],
    ...p,
  };
}

/** A web ACL whose decisions a test scripts; it records what it inspected. */
export class ScriptedAcl implements EvaluatingAcl {
  readonly name: string;
  readonly arn: string;
  seen: InspectedRequest[] = [];
  script: (req: InspectedRequest) => WafDecision = () => decision({ action: 'ALLOW' });

  constructor(name = 'test-acl') {
    this.name = name;
    this.arn = `arn:aws:wafv2:us-east-1:000000000000:regional/webacl/${name}/11111111-2222-3333-4444-555555555555`;
  }

  evaluate(req: InspectedRequest): WafDecision {
    this.seen.push(req);
    return this.script(req);
  }
}

/** Sends exact bytes on a new connection and returns everything read until the server closes (or timeout). */
export function rawRequest(port: number, bytes: string | Buffer, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const t = setTimeout(() => {
      s.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    s.on('data', (c) => chunks.push(c));
    s.on('error', (e) => {
      clearTimeout(t);
      if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(e);
    });
    s.on('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    s.write(bytes);
  });
}

/** A small seeded PRNG (mulberry32) for deterministic tests. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Waits until a condition holds, polling every 10 ms (the test runner's timeout bounds it). */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}
