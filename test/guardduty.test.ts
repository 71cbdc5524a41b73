/**
 * GuardDuty end to end, as a new user would: `aws guardduty create-detector`, `bulwark ingest
 * cloudtrail` a Stratus file and `bulwark ingest vpcflow` a flow log, list findings by severity,
 * suppress a type with a filter, add a threat list and see a `.Custom` finding, watch a live API
 * call become a finding, and watch the attacking IP get blocked by the WAF (response block-ip)
 * with the action in the audit trail. The real binary, the AWS CLI and @aws-sdk/client-guardduty.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  type Condition,
  ArchiveFindingsCommand, CreateFilterCommand, CreateThreatIntelSetCommand, GetFindingsCommand, GetFindingsStatisticsCommand,
  GuardDutyClient, ListFindingsCommand, type Finding,
} from '@aws-sdk/client-guardduty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/clients.js';
import { BIN, ROOT, ROOT_KEY, removeDir, startServer, type TestServer } from './helpers/server.js';

const run = promisify(execFile);
const STRATUS = join(ROOT, '../shared/data/cloudtrail/stratus/aws.persistence.iam-create-admin-user.json');
const ATTACKER = '203.0.113.77';

let dir: string;
let server: TestServer;
let upstream: http.Server;
let site: string;
let gd: GuardDutyClient;
let detectorId: string;

const creds = { accessKeyId: ROOT_KEY.accessKeyId, secretAccessKey: ROOT_KEY.secretAccessKey };

async function guardduty(args: string[]): Promise<Record<string, unknown>> {
  const r = await awsCli(server.endpoint, creds, ['guardduty', ...args]);
  if (r.code !== 0) throw new Error(`aws guardduty ${args[0]}: ${r.stderr}`);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
}

async function ingest(kind: string, ...paths: string[]): Promise<{ [k: string]: number }> {
  const r = await run(process.execPath, [BIN, 'ingest', kind, ...paths, '--json'], {
    env: {
      PATH: process.env.PATH, HOME: dir, AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    timeout: 60_000,
  });
  return JSON.parse(r.stdout) as Record<string, number>;
}

async function findings(criterion: Record<string, Condition>): Promise<Finding[]> {
  const ids = (await gd.send(new ListFindingsCommand({ DetectorId: detectorId, FindingCriteria: { Criterion: criterion }, MaxResults: 50 }))).FindingIds ?? [];
  if (ids.length === 0) return [];
  return (await gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: ids }))).Findings ?? [];
}

async function get(path: string, xff: string): Promise<number> {
  const res = await fetch(site + path, { headers: { 'x-forwarded-for': xff } });
  await res.arrayBuffer();
  return res.status;
}

/** Polls `fn` until it returns a truthy value (bounded: 5 s). */
async function eventually<T>(fn: () => Promise<T | undefined>): Promise<T | undefined> {
  // Bounded polling (up to 30 s on a loaded machine); the assertions are on the outcome, not the time.
  for (let i = 0; i < 300; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bulwark-gd-'));
  upstream = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as AddressInfo).port;
  const configFile = join(dir, 'bulwark.yaml');
  writeFileSync(
    configFile,
    [
      'sites:',
      '  - name: shop',
      '    listen: 127.0.0.1:0',
      `    upstream: http://127.0.0.1:${port}`,
      '    trustedProxyHops: 1',
      'guardduty:',
      '  publishIntervalSeconds: 1',
      '  response:',
      '    - action: block-ip',
      '      ipSet: guardduty-blocked',
      "      types: ['UnauthorizedAccess:IAMUser/MaliciousIPCaller', 'Recon:IAMUser/MaliciousIPCaller']",
      '',
    ].join('\n'),
  );
  server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', configFile] });
  site = /Site shop on (http:\/\/[^\s]+)/.exec(server.output())?.[1] as string;
  gd = new GuardDutyClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  gd?.destroy();
  await server?.stop();
  await new Promise<void>((r) => upstream.close(() => r()));
  removeDir(dir);
});

describe('GuardDuty as a new user tries it', () => {
  it('creates one detector per account and Region with aws guardduty', async () => {
    const out = await guardduty(['create-detector', '--enable']);
    detectorId = out.DetectorId as string;
    expect(detectorId).toMatch(/^[0-9a-f]{32}$/);
    const again = await awsCli(server.endpoint, creds, ['guardduty', 'create-detector', '--enable']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('BadRequestException');
    expect(again.stderr).toContain('a detector already exists for the current account');
    const d = await guardduty(['get-detector', '--detector-id', detectorId]);
    expect(d.Status).toBe('ENABLED');
    expect((await guardduty(['list-detectors'])).DetectorIds).toEqual([detectorId]);
    const missing = await awsCli(server.endpoint, creds, ['guardduty', 'get-detector', '--detector-id', '0'.repeat(32)]);
    expect(missing.stderr).toContain('BadRequestException');
  });

  it('ingests a Stratus CloudTrail file with bulwark ingest; re-reading it adds nothing', async () => {
    const n = (JSON.parse(readFileSync(STRATUS, 'utf8')) as unknown[]).length;
    const first = await ingest('cloudtrail', STRATUS);
    expect(first.read).toBe(n);
    expect(first.accepted).toBe(n);
    expect(first.findingsCreated).toBeGreaterThan(0);
    // The same records as CloudTrail delivers them: {"Records":[...]} gzipped in the AWSLogs layout.
    const day = join(dir, 'trail', 'AWSLogs', '229654561268', 'CloudTrail', 'ap-isob-central-3r', '2024', '08', '01');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, '229654561268_CloudTrail_ap-isob-central-3r_20240801T1335Z_x.json.gz'), gzipSync(JSON.stringify({ Records: JSON.parse(readFileSync(STRATUS, 'utf8')) as unknown[] })));
    const delivered = await ingest('cloudtrail', join(dir, 'trail'));
    expect([delivered.files, delivered.read, delivered.accepted, delivered.duplicates]).toEqual([1, n, 0, n]);
    const second = await ingest('cloudtrail', STRATUS);
    expect(second.accepted).toBe(0);
    expect(second.duplicates).toBe(n);
    expect([second.findingsCreated, second.findingsUpdated]).toEqual([0, 0]);
    // The findings keep the records' own account and Region, not the detector's.
    const own = await findings({ accountId: { Eq: ['229654561268'] } });
    expect(own.length).toBeGreaterThan(0);
    for (const f of own) {
      expect(f.SchemaVersion).toBe('2.0');
      expect(f.Region).toBe('ap-isob-central-3r');
      expect(f.Arn).toBe(`arn:aws:guardduty:us-east-1:000000000000:detector/${detectorId}/finding/${f.Id}`);
      expect(f.Service?.DetectorId).toBe(detectorId);
      expect(f.Service?.ServiceName).toBe('guardduty');
      expect(f.Severity).toBeGreaterThanOrEqual(1);
    }
  });

  it('ingests a VPC flow log (default format) and a custom-format one; a port scan is found', async () => {
    const t = Math.floor(Date.now() / 1000) - 60;
    const lines: string[] = [];
    for (let p = 1000; p < 1070; p++) lines.push(`2 123456789012 eni-0a1b2c3d 10.0.0.5 198.51.100.9 40000 ${p} 6 1 44 ${t} ${t + 1} REJECT OK`);
    lines.push(`2 123456789012 eni-0a1b2c3d - - - - - - - ${t} ${t + 1} - NODATA`);
    const flow = join(dir, 'flow.log');
    writeFileSync(flow, lines.join('\n') + '\n');
    const r = await ingest('vpcflow', flow);
    expect(r.read).toBe(71);
    expect(r.accepted).toBe(70);
    expect(r.skipped).toBe(1);
    const custom = join(dir, 'flow-custom.log');
    writeFileSync(custom, `srcaddr dstaddr dstport protocol start end action\n10.0.0.7 198.51.100.10 443 6 ${t} ${t + 2} ACCEPT\n`);
    const c = await ingest('vpcflow', custom);
    expect(c.accepted).toBe(1);
    const scans = await findings({ type: { Eq: ['Recon:EC2/Portscan'] } });
    expect(scans.length).toBe(1);
    expect(scans[0]?.Resource?.ResourceType).toBe('Instance');
  });

  it('lists findings by severity and counts them by severity', async () => {
    const all = (await gd.send(new ListFindingsCommand({ DetectorId: detectorId, SortCriteria: { AttributeName: 'severity', OrderBy: 'DESC' }, MaxResults: 50 }))).FindingIds ?? [];
    expect(all.length).toBeGreaterThan(1);
    const got = (await gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: all }))).Findings ?? [];
    const bySev = all.map((id) => got.find((f) => f.Id === id)?.Severity as number);
    expect([...bySev].sort((a, b) => b - a)).toEqual(bySev);
    const high = await findings({ severity: { Gte: 7 } });
    expect(high.every((f) => (f.Severity as number) >= 7)).toBe(true);
    const cli = await guardduty(['list-findings', '--detector-id', detectorId, '--finding-criteria', '{"Criterion":{"severity":{"Gte":1}}}', '--sort-criteria', 'AttributeName=severity,OrderBy=DESC']);
    expect(cli.FindingIds).toEqual(all);
    const stats = await gd.send(new GetFindingsStatisticsCommand({ DetectorId: detectorId, FindingStatisticTypes: ['COUNT_BY_SEVERITY'] }));
    const total = Object.values(stats.FindingStatistics?.CountBySeverity ?? {}).reduce((a, b) => a + b, 0);
    expect(total).toBe(all.length);
    const grouped = await gd.send(new GetFindingsStatisticsCommand({ DetectorId: detectorId, GroupBy: 'FINDING_TYPE', OrderBy: 'DESC' }));
    expect(grouped.FindingStatistics?.GroupedByFindingType?.reduce((a, g) => a + (g.TotalFindings ?? 0), 0)).toBe(all.length);
  });

  it('suppresses a finding type with an ARCHIVE filter: its new and repeated findings are archived', async () => {
    const scan = (await findings({ type: { Eq: ['Recon:EC2/Portscan'] } }))[0] as Finding;
    await gd.send(new CreateFilterCommand({ DetectorId: detectorId, Name: 'suppress-scans', Action: 'ARCHIVE', Rank: 1, FindingCriteria: { Criterion: { type: { Eq: ['Recon:EC2/Portscan'] } } } }));
    const f = await guardduty(['get-filter', '--detector-id', detectorId, '--filter-name', 'suppress-scans']);
    expect(f.Action).toBe('ARCHIVE');
    const dup = await awsCli(server.endpoint, creds, ['guardduty', 'create-filter', '--detector-id', detectorId, '--name', 'suppress-scans', '--finding-criteria', '{"Criterion":{"type":{"Eq":["x"]}}}']);
    expect(dup.stderr).toContain('BadRequestException');
    // The scan goes on: the same finding is updated (count grows) and archived by the rule.
    const t = Math.floor(Date.now() / 1000);
    const lines: string[] = [];
    for (let p = 2000; p < 2060; p++) lines.push(`2 123456789012 eni-0a1b2c3d 10.0.0.5 198.51.100.9 40000 ${p} 6 1 44 ${t} ${t + 1} REJECT OK`);
    const more = join(dir, 'flow-more.log');
    writeFileSync(more, lines.join('\n') + '\n');
    await ingest('vpcflow', more);
    const after = (await findings({ type: { Eq: ['Recon:EC2/Portscan'] } }))[0] as Finding;
    expect(after.Id).toBe(scan.Id);
    expect(after.Service?.Count).toBeGreaterThan(scan.Service?.Count as number);
    expect(after.Service?.Archived).toBe(true);
    expect(await findings({ type: { Eq: ['Recon:EC2/Portscan'] }, 'service.archived': { Eq: ['false'] } })).toEqual([]);
    // Unarchive/archive by hand still work.
    await gd.send(new ArchiveFindingsCommand({ DetectorId: detectorId, FindingIds: [after.Id as string] }));
  });

  it('adds a threat list: a call from a listed IP is a .Custom finding, and the response blocks the IP in the WAF', async () => {
    // The web ACL that blocks the IP set the response writes to.
    const wafv2 = async (args: string[]): Promise<Record<string, unknown>> => {
      const r = await awsCli(server.endpoint, creds, ['wafv2', ...args]);
      if (r.code !== 0) throw new Error(`aws wafv2 ${args[0]}: ${r.stderr}`);
      return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
    };
    const ipset = (await wafv2(['create-ip-set', '--name', 'guardduty-blocked', '--scope', 'REGIONAL', '--ip-address-version', 'IPV4', '--addresses', '[]'])).Summary as { ARN: string };
    const rules = [{ Name: 'guardduty-blocked', Priority: 1, Action: { Block: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'gd' }, Statement: { IPSetReferenceStatement: { ARN: ipset.ARN } } }];
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules));
    const acl = (await wafv2(['create-web-acl', '--name', 'shop-acl', '--scope', 'REGIONAL', '--default-action', 'Allow={}', '--visibility-config', 'SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName=shop', '--rules', `file://${join(dir, 'rules.json')}`])).Summary as { ARN: string };
    await wafv2(['associate-web-acl', '--web-acl-arn', acl.ARN, '--resource-arn', 'arn:aws:bulwark:us-east-1:000000000000:site/shop']);
    expect(await get('/', ATTACKER)).toBe(200);

    const list = join(dir, 'threats.txt');
    writeFileSync(list, `# bad actors\n${ATTACKER}\n192.0.2.0/24\nevil.example\n`);
    const set = await gd.send(new CreateThreatIntelSetCommand({ DetectorId: detectorId, Name: 'my-threats', Format: 'TXT', Location: `file://${list}`, Activate: true }));
    expect(set.ThreatIntelSetId).toMatch(/^[0-9a-f]{32}$/);
    const got = await guardduty(['get-threat-intel-set', '--detector-id', detectorId, '--threat-intel-set-id', set.ThreatIntelSetId as string]);
    expect(got.Status).toBe('ACTIVE');
    const bad = await awsCli(server.endpoint, creds, ['guardduty', 'create-threat-intel-set', '--detector-id', detectorId, '--name', 'x', '--format', 'TXT', '--location', join(dir, 'missing.txt'), '--activate']);
    expect(bad.stderr).toContain('BadRequestException');

    const rec = {
      eventVersion: '1.09', eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), eventSource: 's3.amazonaws.com', eventName: 'ListBuckets',
      awsRegion: 'us-east-1', sourceIPAddress: ATTACKER, userAgent: 'aws-cli/2.15.0', eventID: 'b3c2a1d0-0000-4000-8000-00000000abcd', readOnly: true,
      recipientAccountId: '111122223333', userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLEKEY000001', userName: 'alice' },
    };
    const file = join(dir, 'attack.jsonl');
    writeFileSync(file, JSON.stringify(rec) + '\n');
    const r = await ingest('cloudtrail', file);
    expect(r.findingsCreated).toBeGreaterThan(0);
    const custom = await findings({ type: { Eq: ['Recon:IAMUser/MaliciousIPCaller.Custom'] } });
    expect(custom.length).toBe(1);
    expect(custom[0]?.AccountId).toBe('111122223333');
    expect(custom[0]?.Resource?.AccessKeyDetails?.UserName).toBe('alice');
    expect(custom[0]?.Service?.Action?.AwsApiCallAction?.RemoteIpDetails?.IpAddressV4).toBe(ATTACKER);
    // Criteria on a nested attribute path.
    expect((await findings({ 'service.action.awsApiCallAction.remoteIpDetails.ipAddressV4': { Eq: [ATTACKER] } })).length).toBe(1);

    // The response put the IP into the WAF IP set: the attacker gets 403, others still pass.
    const blocked = await eventually(async () => ((await get('/', ATTACKER)) === 403 ? true : undefined));
    expect(blocked).toBe(true);
    expect(await get('/', '198.51.100.200')).toBe(200);
    const s = await wafv2(['get-ip-set', '--name', 'guardduty-blocked', '--scope', 'REGIONAL', '--id', ipset.ARN.split('/').pop() as string]);
    expect((s.IPSet as { Addresses: string[] }).Addresses).toEqual([`${ATTACKER}/32`]);

    // The automated action is in the audit trail, made by guardduty.amazonaws.com.
    const ct = new CloudTrailClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const events = await eventually(async () => {
      const out = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'UpdateIPSet' }] }));
      return out.Events?.length ? out.Events : undefined;
    });
    ct.destroy();
    const ev = JSON.parse(events?.[0]?.CloudTrailEvent as string) as { userIdentity: { type: string; invokedBy: string }; eventSource: string };
    expect(ev.userIdentity).toEqual({ type: 'AWSService', invokedBy: 'guardduty.amazonaws.com' });
    expect(ev.eventSource).toBe('wafv2.amazonaws.com');
  });

  it('turns a live API call on Bulwark into a finding visible in ListFindings', async () => {
    const before = (await findings({ type: { Eq: ['Policy:IAMUser/RootCredentialUsage'] } }))[0]?.Service?.Count ?? 0;
    await gd.send(new ListFindingsCommand({ DetectorId: detectorId, MaxResults: 1 }));
    const seen = await eventually(async () => {
      const f = (await findings({ type: { Eq: ['Policy:IAMUser/RootCredentialUsage'] } }))[0];
      return f && (f.Service?.Count ?? 0) > before ? f : undefined;
    });
    expect(seen?.Service?.Action?.AwsApiCallAction?.Api).toBeDefined();
    expect(seen?.AccountId).toBe('000000000000');
  });

  it('publishes findings to a publishing destination in the AWS export layout', async () => {
    const dest = await guardduty(['create-publishing-destination', '--detector-id', detectorId, '--destination-type', 'S3', '--destination-properties', 'DestinationArn=arn:aws:s3:::gd-findings/exports,KmsKeyArn=arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000']);
    expect(dest.DestinationId).toMatch(/^[0-9a-f]{32}$/);
    const root = join(dir, 'data', 'buckets', 'gd-findings', 'exports', 'AWSLogs', '000000000000', 'GuardDuty', 'us-east-1');
    const files = await eventually(async () => {
      try {
        const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
        const all = walk(root).filter((f) => f.endsWith('.jsonl.gz'));
        return all.length ? all : undefined;
      } catch {
        return undefined;
      }
    });
    expect(files?.length).toBeGreaterThan(0);
    const first = JSON.parse(gunzipSync(readFileSync((files as string[])[0] as string)).toString('utf8').split('\n')[0] as string) as { schemaVersion: string; service: { detectorId: string } };
    expect(first.schemaVersion).toBe('2.0');
    expect(first.service.detectorId).toBe(detectorId);
  });

  it('creates sample findings marked as samples', async () => {
    await guardduty(['create-sample-findings', '--detector-id', detectorId, '--finding-types', 'Backdoor:EC2/C&CActivity.B']);
    const s = await findings({ type: { Eq: ['Backdoor:EC2/C&CActivity.B'] } });
    expect(s.length).toBe(1);
    expect(JSON.parse(s[0]?.Service?.AdditionalInfo?.Value as string)).toEqual({ sample: true });
    expect(s[0]?.Resource?.InstanceDetails?.InstanceId).toBe('i-99999999');
  });

  it('watches a directory of Route 53 Resolver query logs: a listed domain is a .Custom DNS finding', async () => {
    const watched = join(dir, 'dns-logs');
    mkdirSync(watched);
    const proc = spawn(process.execPath, [BIN, 'ingest', 'dns', watched, '--watch', '--interval', '1', '--json'], {
      env: { PATH: process.env.PATH, HOME: dir, AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => proc.once('exit', r));
    try {
      const q = { version: '1.100000', account_id: '111122223333', region: 'us-east-1', vpc_id: 'vpc-1', query_timestamp: new Date().toISOString(), query_name: 'www.evil.example.', query_type: 'A', query_class: 'IN', rcode: 'NOERROR', answers: [], srcaddr: '10.0.0.8', srcport: '5353', transport: 'UDP', srcids: { instance: 'i-0123456789abcdef0' } };
      writeFileSync(join(watched, 'q.log'), JSON.stringify(q) + '\n');
      const summary = await eventually(async () => (out.includes('\n') ? (JSON.parse(out.split('\n')[0] as string) as Record<string, number>) : undefined));
      expect(summary?.accepted).toBe(1);
      const dns = await findings({ type: { Eq: ['Impact:EC2/MaliciousDomainRequest.Custom'] } });
      expect(dns.length).toBe(1);
      expect(dns[0]?.Service?.Action?.DnsRequestAction?.Domain).toContain('evil.example');
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  });

  it('answers ingestion without a detector with BadRequestException', async () => {
    await guardduty(['delete-detector', '--detector-id', detectorId]);
    const r = await run(process.execPath, [BIN, 'ingest', 'cloudtrail', STRATUS], {
      env: { PATH: process.env.PATH, HOME: dir, AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' },
      timeout: 60_000,
    }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('BadRequestException');
    expect((await guardduty(['list-detectors'])).DetectorIds).toEqual([]);
  });
});
