import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { SampledRequests } from './sampled.js';
import { SiteManager } from './sites.js';
import { ScriptedAcl, decision, startUpstream } from './testing.js';
import type { LoggingConfig, SiteProtection } from './types.js';
import { WafLogWriter, onWafLog, compileLogging, s3Destination, type WafLogEvent, type WafLogRecord } from './waf-log.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-waflogs-'));
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const acl = new ScriptedAcl('shop-acl');
const writer = new WafLogWriter({ bucketsRoot: root, accountId: '111122223333', region: 'eu-west-1', flushIntervalMs: 3_600_000 });
const registry = new Registry();
const sampled = new SampledRequests(5);
const logging: LoggingConfig = {
  ResourceArn: acl.arn,
  LogDestinationConfigs: ['arn:aws:s3:::aws-waf-logs-shop'],
  RedactedFields: [{ SingleHeader: { Name: 'Authorization' } }, { QueryString: {} }],
  LoggingFilter: {
    DefaultBehavior: 'DROP',
    Filters: [
      { Behavior: 'KEEP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { LabelNameCondition: { LabelName: 'awswaf:111122223333:webacl:shop-acl:keep' } }] },
    ],
  },
};
let protection: SiteProtection = {
  acl,
  logging,
  visibility: { MetricName: 'shopAcl', CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
  ruleVisibility: new Map([['quietRule', { MetricName: 'quietRule', CloudWatchMetricsEnabled: false, SampledRequestsEnabled: false }]]),
};
const manager = new SiteManager({ region: 'eu-west-1', accountId: '111122223333', acls: { forSite: () => protection }, registry, sampled, logWriter: writer });
let base = '';
const published: WafLogEvent[] = [];
let unsubscribe: () => void = () => undefined;

beforeAll(async () => {
  upstream = await startUpstream();
  const s = await manager.add({ name: 'shop', listen: 0, upstream: upstream.url });
  base = `http://127.0.0.1:${s.address.port}`;
  unsubscribe = onWafLog((e) => published.push(e));
});
afterAll(async () => {
  unsubscribe();
  await manager.close();
  await writer.close();
  await upstream.close();
  rmSync(root, { recursive: true, force: true });
});

function readLogs(): WafLogRecord[] {
  const out: WafLogRecord[] = [];
  for (const key of writer.written) {
    const text = gunzipSync(readFileSync(join(root, ...key.split('/')))).toString('utf8');
    for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as WafLogRecord);
  }
  return out;
}

describe('WAF logs, metrics and sampled requests', () => {
  it('writes AWS-format records honouring RedactedFields and LoggingFilter, in the S3 layout', async () => {
    acl.script = (r) =>
      r.uriPath === '/attack'
        ? decision({
            action: 'BLOCK',
            terminatingRuleId: 'SQLi',
            terminatingRuleMatchDetails: [{ conditionType: 'SQL_INJECTION', location: 'QUERY_STRING', matchedData: ['1', 'OR'] }],
            labels: ['awswaf:111122223333:webacl:shop-acl:sqli'],
            metricMatches: [{ metricName: 'sqliRule', action: 'BLOCK' }],
          })
        : r.uriPath === '/keep'
          ? decision({ action: 'ALLOW', labels: ['awswaf:111122223333:webacl:shop-acl:keep'], insertHeaders: [['x-amzn-waf-k', 'v']], metricMatches: [{ metricName: 'quietRule', action: 'COUNT' }], nonTerminatingMatchingRules: [{ ruleId: 'quiet', action: 'COUNT' }] })
          : decision({ action: 'ALLOW' });
    for (const path of ['/attack?id=1%20OR%201=1', '/benign?x=1', '/keep?y=2']) {
      const r = await request(`${base}${path}`, { method: 'POST', body: 'a=b', headers: { authorization: 'Bearer secret', 'user-agent': 'test/1' } });
      await r.body.text();
    }
    await writer.flush();
    expect(writer.written).toHaveLength(1);
    const key = writer.written[0]!;
    expect(key).toMatch(
      /^aws-waf-logs-shop\/AWSLogs\/111122223333\/WAFLogs\/eu-west-1\/shop-acl\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}\/111122223333_waflogs_eu-west-1_shop-acl_\d{8}T\d{4}Z_[0-9a-f]+\.log\.gz$/,
    );
    expect(Number(key.split('/')[10]) % 5).toBe(0); // 5-minute files
    const records = readLogs();
    expect(records.map((r) => r.httpRequest.uri)).toEqual(['/attack', '/keep']); // the benign ALLOW was dropped
    const blocked = records[0]!;
    expect(blocked).toMatchObject({
      formatVersion: 1,
      webaclId: acl.arn,
      terminatingRuleId: 'SQLi',
      terminatingRuleType: 'REGULAR',
      action: 'BLOCK',
      terminatingRuleMatchDetails: [{ conditionType: 'SQL_INJECTION', location: 'QUERY_STRING', matchedData: ['1', 'OR'] }],
      httpSourceName: 'shop',
      httpSourceId: 'arn:aws:bulwark:eu-west-1:111122223333:site/shop',
      ruleGroupList: [],
      rateBasedRuleList: [],
      nonTerminatingMatchingRules: [],
      requestHeadersInserted: null,
      responseCodeSent: null,
      labels: [{ name: 'awswaf:111122223333:webacl:shop-acl:sqli' }],
      requestBodySize: 3,
      requestBodySizeInspectedByWAF: 3,
    });
    expect(typeof blocked.timestamp).toBe('number');
    expect(blocked.httpRequest).toMatchObject({ clientIp: '127.0.0.1', country: '-', uri: '/attack', args: 'REDACTED', httpVersion: 'HTTP/1.1', httpMethod: 'POST', scheme: 'http', fragment: '' });
    expect(blocked.httpRequest.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(blocked.httpRequest.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(blocked.httpRequest.headers.find((h) => h.name === 'authorization')).toEqual({ name: 'authorization', value: 'REDACTED' });
    expect(blocked.httpRequest.headers.find((h) => h.name === 'user-agent')).toEqual({ name: 'user-agent', value: 'test/1' });
    expect(records[1]!.requestHeadersInserted).toEqual([{ name: 'x-amzn-waf-k', value: 'v' }]);
    // The channel carries every record (the detector filters for itself).
    expect(published.map((e) => e.record.httpRequest.uri)).toEqual(['/attack', '/benign', '/keep']);
    expect(published[0]!.webAclName).toBe('shop-acl');
  });

  it('logs challenge responses with failure reasons', async () => {
    acl.script = () => decision({ action: 'CHALLENGE', terminatingRuleId: 'ch', labels: ['awswaf:111122223333:webacl:shop-acl:keep'] });
    const r = await request(`${base}/c`);
    expect(r.statusCode).toBe(202);
    await r.body.text();
    const ev = published.at(-1)!.record;
    expect(ev.responseCodeSent).toBe(202);
    expect(ev.challengeResponse).toEqual({ responseCode: 202, failureReason: 'TOKEN_MISSING' });
  });

  it('counts requests per web ACL and rule metric name, honouring CloudWatchMetricsEnabled', async () => {
    const text = await registry.metrics();
    expect(text).toContain('bulwark_waf_requests_total{webacl="shopAcl",rule="ALL",action="BlockedRequests"} 1');
    expect(text).toContain('bulwark_waf_requests_total{webacl="shopAcl",rule="ALL",action="AllowedRequests"} 2');
    expect(text).toContain('bulwark_waf_requests_total{webacl="shopAcl",rule="sqliRule",action="BlockedRequests"} 1');
    expect(text).toContain('bulwark_waf_requests_total{webacl="shopAcl",rule="shopAcl",action="AllowedRequests"} 2');
    expect(text).toContain('bulwark_waf_requests_total{webacl="shopAcl",rule="ALL",action="ChallengeRequests"} 1');
    expect(text).not.toContain('quietRule');
    protection = { ...protection, visibility: { MetricName: 'shopAcl', CloudWatchMetricsEnabled: false, SampledRequestsEnabled: false } };
    acl.script = () => decision({ action: 'ALLOW' });
    const r = await request(`${base}/off`);
    await r.body.text();
    expect(await registry.metrics()).toContain('bulwark_waf_requests_total{webacl="shopAcl",rule="ALL",action="AllowedRequests"} 2');
  });

  it('answers GetSampledRequests from a bounded sample', async () => {
    const now = Date.now();
    const res = sampled.get(acl.arn, 'shopAcl', new Date(now - 3600_000), new Date(now + 1000), 100);
    expect(res.PopulationSize).toBe(4);
    expect(res.SampledRequests).toHaveLength(4);
    const first = res.SampledRequests[0]!;
    expect(first).toMatchObject({ Action: 'BLOCK', Weight: 1, Request: { ClientIP: '127.0.0.1', URI: '/attack', Method: 'POST', HTTPVersion: 'HTTP/1.1' }, Labels: [{ Name: 'awswaf:111122223333:webacl:shop-acl:sqli' }] });
    expect(first.Request.Headers.find((h) => h.Name === 'user-agent')).toEqual({ Name: 'user-agent', Value: 'test/1' });
    expect(first.Timestamp).toBeInstanceOf(Date);
    expect(res.SampledRequests[3]!.ChallengeResponse).toEqual({ ResponseCode: 202, FailureReason: 'TOKEN_MISSING' });
    expect(sampled.get(acl.arn, 'sqliRule', new Date(now - 3600_000), new Date(now + 1000), 100).SampledRequests).toHaveLength(1);
    expect(sampled.get(acl.arn, 'quietRule', new Date(now - 3600_000), new Date(now + 1000), 100).SampledRequests).toHaveLength(0);
    // The reservoir stays bounded and weights samples by the population.
    const s = new SampledRequests(10);
    const t0 = Math.floor(now / 900_000) * 900_000;
    for (let i = 0; i < 1000; i++) s.offer('arn', 'r', t0 + i, (k: number) => ({ Request: { ClientIP: '', Country: '', URI: `/${k}`, Method: 'GET', HTTPVersion: 'HTTP/1.1', Headers: [] }, Weight: 1, Timestamp: new Date(t0 + k), Action: 'ALLOW' }), i);
    const got = s.get('arn', 'r', new Date(t0), new Date(t0 + 2000), 500, t0 + 2000);
    expect(got.SampledRequests).toHaveLength(10);
    expect(got.PopulationSize).toBe(1000);
    expect(got.SampledRequests[0]!.Weight).toBe(100);
    const old = s.get('arn', 'r', new Date(t0 - 10 * 3600_000), new Date(t0 + 2000), 500, t0 + 2000);
    expect(old.TimeWindow.StartTime.getTime()).toBe(t0 + 2000 - 3 * 3600_000);
  });

  it('compiles filters: MEETS_ALL, DROP filters and destinations', () => {
    const c = compileLogging({
      ResourceArn: 'x',
      LogDestinationConfigs: ['arn:aws:s3:::aws-waf-logs-a/prefix/', 'arn:aws:logs:us-east-1:1:log-group:aws-waf-logs-b'],
      LoggingFilter: {
        DefaultBehavior: 'KEEP',
        Filters: [{ Behavior: 'DROP', Requirement: 'MEETS_ALL', Conditions: [{ ActionCondition: { Action: 'COUNT' } }, { LabelNameCondition: { LabelName: 'l' } }] }],
      },
    });
    expect(c.destinations).toEqual([{ bucket: 'aws-waf-logs-a', prefix: 'prefix' }]);
    expect(c.keep('ALLOW', [{ ruleId: 'r', action: 'COUNT' }], [], ['l'])).toBe(false);
    expect(c.keep('ALLOW', [{ ruleId: 'r', action: 'COUNT' }], [], [])).toBe(true);
    expect(c.keep('ALLOW', [], [], ['l'])).toBe(true);
    expect(s3Destination('arn:aws:s3:::my-bucket')).toBeUndefined();
  });
});
