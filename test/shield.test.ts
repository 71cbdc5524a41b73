/**
 * Shield Advanced end to end, as a new user would: subscribe, protect a site from the config file
 * with `aws shield create-protection`, group and tag protections, enable automatic application-layer
 * response (the site needs a web ACL), then flood the site from many 127.x.y.z addresses: the attack
 * shows in ListAttacks/DescribeAttack, the Shield mitigation rule group appears in the web ACL at
 * priority 10,000,000 and blocks the flood while a normal client keeps getting 200, and it is
 * removed once the flood stops. Detection and hold times are shortened in the config file.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateProtectionCommand, CreateProtectionGroupCommand, CreateSubscriptionCommand, DeleteProtectionCommand, DeleteProtectionGroupCommand,
  DeleteSubscriptionCommand, DescribeAttackCommand, DescribeAttackStatisticsCommand, DescribeDRTAccessCommand, DescribeProtectionCommand,
  DescribeProtectionGroupCommand, DescribeSubscriptionCommand, GetSubscriptionStateCommand, ListAttacksCommand, ListProtectionGroupsCommand,
  ListProtectionsCommand, ListResourcesInProtectionGroupCommand, ListTagsForResourceCommand, ShieldClient, TagResourceCommand,
  UntagResourceCommand, UpdateApplicationLayerAutomaticResponseCommand, UpdateProtectionGroupCommand, DisableApplicationLayerAutomaticResponseCommand,
} from '@aws-sdk/client-shield';
import { GetWebACLCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/clients.js';
import { ROOT_KEY, removeDir, startServer, tempDataDir, type TestServer } from './helpers/server.js';

const SITE_ARN = 'arn:aws:bulwark:us-east-1:000000000000:site/shop';
const BLOG_ARN = 'arn:aws:bulwark:us-east-1:000000000000:site/blog';
const CF_ARN = 'arn:aws:cloudfront::000000000000:distribution/E2QWRUHAPOMQZL';
let upstream: http.Server;
let server: TestServer;
let shield: ShieldClient;
let wafv2: WAFV2Client;
let site = '';
let aclArn = '';
let aclId = '';
let protectionId = '';
const dir = tempDataDir();

async function cli(args: string[]): Promise<Record<string, unknown>> {
  const r = await awsCli(server.endpoint, ROOT_KEY, args);
  if (r.code !== 0) throw new Error(`aws ${args.slice(0, 2).join(' ')}: ${r.stderr}`);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
}

/** The error name a call fails with. */
async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    // SDK errors carry the AWS code as their name; CLI failures carry it in the message.
    return (e as Error).name === 'Error' ? (e as Error).message : (e as Error).name;
  }
  return 'no error';
}

const agents = new Map<string, http.Agent>();
/** A GET to the site from a chosen loopback address (one keep-alive agent per address). */
function get(path: string, from: string, ua = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0'): Promise<number> {
  const u = new URL(site);
  let agent = agents.get(from);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    agents.set(from, agent);
  }
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: Number(u.port), path, localAddress: from, agent, headers: { 'user-agent': ua } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function shieldRules(): Promise<{ Name?: string; Priority?: number; OverrideAction?: unknown; Statement?: { RuleGroupReferenceStatement?: { ARN?: string } } }[]> {
  const acl = await wafv2.send(new GetWebACLCommand({ Name: 'shop-acl', Scope: 'REGIONAL', Id: aclId }));
  return (acl.WebACL?.Rules ?? []).filter((r) => r.Name?.startsWith('ShieldMitigationRuleGroup_'));
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`ok ${req.url}`);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const port = (upstream.address() as AddressInfo).port;
  const configFile = join(dir, 'bulwark.yaml');
  writeFileSync(configFile, [
    'sites:',
    '  - name: shop',
    '    listen: 127.0.0.1:0',
    `    upstream: http://127.0.0.1:${port}`,
    '  - name: blog',
    '    listen: 127.0.0.1:0',
    `    upstream: http://127.0.0.1:${port}`,
    'shield:',
    '  detection:',
    '    detectSeconds: 2',
    '    staticFloorRps: 20',
    '    perSourceFloorRps: 2',
    '    confirmTicks: 1',
    '    holdSeconds: 4',
    '    minBaselineSeconds: 100000',
    '',
  ].join('\n'));
  server = await startServer({ dataDir: join(dir, 'data'), args: ['--config', configFile] });
  site = /Site shop on (http:\/\/[^\s]+)/.exec(server.output())?.[1] as string;
  shield = new ShieldClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
  wafv2 = new WAFV2Client({ endpoint: server.endpoint, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  for (const a of agents.values()) a.destroy();
  await server?.stop();
  await new Promise<void>((r) => upstream.close(() => r()));
  removeDir(dir);
});

describe('subscription', () => {
  it('needs a subscription before protections', async () => {
    expect((await shield.send(new GetSubscriptionStateCommand({}))).SubscriptionState).toBe('INACTIVE');
    expect(await errorOf(shield.send(new DescribeSubscriptionCommand({})))).toBe('ResourceNotFoundException');
    expect(await errorOf(shield.send(new CreateProtectionCommand({ Name: 'shop', ResourceArn: SITE_ARN })))).toBe('ResourceNotFoundException');
    expect(await errorOf(shield.send(new ListProtectionsCommand({})))).toBe('ResourceNotFoundException');
  });

  it('subscribes once, with AWS limits, locked for its time commitment', async () => {
    await cli(['shield', 'create-subscription']);
    expect(await errorOf(shield.send(new CreateSubscriptionCommand({})))).toBe('ResourceAlreadyExistsException');
    expect((await shield.send(new GetSubscriptionStateCommand({}))).SubscriptionState).toBe('ACTIVE');
    const s = (await shield.send(new DescribeSubscriptionCommand({}))).Subscription!;
    expect(s.TimeCommitmentInSeconds).toBe(31_536_000);
    expect(s.AutoRenew).toBe('ENABLED');
    expect(s.SubscriptionArn).toMatch(/^arn:aws:shield::000000000000:subscription\/[0-9a-f]{12}$/);
    expect(s.SubscriptionLimits?.ProtectionGroupLimits?.MaxProtectionGroups).toBe(100);
    expect(s.SubscriptionLimits?.ProtectionLimits?.ProtectedResourceTypeLimits).toEqual([
      { Type: 'ELASTIC_IP_ADDRESS', Max: 100 }, { Type: 'APPLICATION_LOAD_BALANCER', Max: 50 },
    ]);
    expect(await errorOf(shield.send(new DeleteSubscriptionCommand({})))).toBe('LockedSubscriptionException');
    expect(await errorOf(shield.send(new DescribeDRTAccessCommand({})))).toBe('InvalidOperationException');
  });
});

describe('protections', () => {
  it('protects a site with aws shield create-protection, and rejects what AWS rejects', async () => {
    protectionId = (await cli(['shield', 'create-protection', '--name', 'shop', '--resource-arn', SITE_ARN, '--tags', 'Key=team,Value=web'])).ProtectionId as string;
    expect(protectionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await errorOf(shield.send(new CreateProtectionCommand({ Name: 'again', ResourceArn: SITE_ARN })))).toBe('ResourceAlreadyExistsException');
    expect(await errorOf(shield.send(new CreateProtectionCommand({ Name: 'nope', ResourceArn: 'arn:aws:bulwark:us-east-1:000000000000:site/nope' })))).toBe('ResourceNotFoundException');
    expect(await errorOf(shield.send(new CreateProtectionCommand({ Name: 'bucket', ResourceArn: 'arn:aws:s3:::my-bucket' })))).toBe('InvalidResourceException');
    expect(await errorOf(shield.send(new CreateProtectionCommand({ Name: 'bad name!', ResourceArn: CF_ARN })))).toBe('ValidationException');
    await shield.send(new CreateProtectionCommand({ Name: 'cdn', ResourceArn: CF_ARN }));
    await shield.send(new CreateProtectionCommand({ Name: 'blog', ResourceArn: BLOG_ARN }));
    const p = (await shield.send(new DescribeProtectionCommand({ ResourceArn: SITE_ARN }))).Protection!;
    expect(p).toMatchObject({ Id: protectionId, Name: 'shop', ResourceArn: SITE_ARN, ProtectionArn: `arn:aws:shield::000000000000:protection/${protectionId}` });
    expect(await errorOf(shield.send(new DescribeProtectionCommand({ ResourceArn: SITE_ARN, ProtectionId: protectionId })))).toBe('InvalidParameterException');
    expect(await errorOf(shield.send(new DescribeProtectionCommand({ ProtectionId: '00000000-0000-0000-0000-000000000000' })))).toBe('ResourceNotFoundException');
  });

  it('lists with filters and pages', async () => {
    const all = await shield.send(new ListProtectionsCommand({}));
    expect(all.Protections!.map((p) => p.Name).sort()).toEqual(['blog', 'cdn', 'shop']);
    const first = await shield.send(new ListProtectionsCommand({ MaxResults: 2 }));
    expect(first.Protections).toHaveLength(2);
    const second = await shield.send(new ListProtectionsCommand({ MaxResults: 2, NextToken: first.NextToken }));
    expect(second.Protections).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const cf = await shield.send(new ListProtectionsCommand({ InclusionFilters: { ResourceTypes: ['CLOUDFRONT_DISTRIBUTION'] } }));
    expect(cf.Protections!.map((p) => p.Name)).toEqual(['cdn']);
    expect(await errorOf(shield.send(new ListProtectionsCommand({ NextToken: 'bogus' })))).toBe('InvalidPaginationTokenException');
  });

  it('groups protections: ALL, ARBITRARY, BY_RESOURCE_TYPE', async () => {
    await cli(['shield', 'create-protection-group', '--protection-group-id', 'everything', '--aggregation', 'SUM', '--pattern', 'ALL']);
    await shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: 'sites', Aggregation: 'MAX', Pattern: 'ARBITRARY', Members: [SITE_ARN, BLOG_ARN] }));
    await shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: 'albs', Aggregation: 'MEAN', Pattern: 'BY_RESOURCE_TYPE', ResourceType: 'APPLICATION_LOAD_BALANCER' }));
    expect(await errorOf(shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: 'sites', Aggregation: 'MAX', Pattern: 'ALL' })))).toBe('ResourceAlreadyExistsException');
    expect(await errorOf(shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: 'x', Aggregation: 'MAX', Pattern: 'ARBITRARY' })))).toBe('InvalidParameterException');
    expect(await errorOf(shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: 'y', Aggregation: 'SUM', Pattern: 'BY_RESOURCE_TYPE' })))).toBe('InvalidParameterException');
    expect(await errorOf(shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: 'z', Aggregation: 'SUM', Pattern: 'ALL', Members: [SITE_ARN] })))).toBe('InvalidParameterException');
    const res = async (id: string): Promise<string[]> => (await shield.send(new ListResourcesInProtectionGroupCommand({ ProtectionGroupId: id }))).ResourceArns!;
    expect(await res('everything')).toEqual([CF_ARN, SITE_ARN, BLOG_ARN].sort());
    expect(await res('albs')).toEqual([SITE_ARN, BLOG_ARN].sort());
    expect(await res('sites')).toEqual([SITE_ARN, BLOG_ARN].sort());
    await shield.send(new UpdateProtectionGroupCommand({ ProtectionGroupId: 'sites', Aggregation: 'SUM', Pattern: 'ARBITRARY', Members: [SITE_ARN] }));
    expect((await shield.send(new DescribeProtectionGroupCommand({ ProtectionGroupId: 'sites' }))).ProtectionGroup).toEqual({
      ProtectionGroupId: 'sites', Aggregation: 'SUM', Pattern: 'ARBITRARY', Members: [SITE_ARN], ProtectionGroupArn: 'arn:aws:shield::000000000000:protection-group/sites',
    });
    const listed = await shield.send(new ListProtectionGroupsCommand({ InclusionFilters: { Patterns: ['ARBITRARY'] } }));
    expect(listed.ProtectionGroups!.map((g) => g.ProtectionGroupId)).toEqual(['sites']);
    await shield.send(new DeleteProtectionGroupCommand({ ProtectionGroupId: 'albs' }));
    expect(await errorOf(shield.send(new DescribeProtectionGroupCommand({ ProtectionGroupId: 'albs' })))).toBe('ResourceNotFoundException');
  });

  it('tags protections and protection groups', async () => {
    const parn = `arn:aws:shield::000000000000:protection/${protectionId}`;
    await shield.send(new TagResourceCommand({ ResourceARN: parn, Tags: [{ Key: 'env', Value: 'prod' }] }));
    expect((await shield.send(new ListTagsForResourceCommand({ ResourceARN: parn }))).Tags).toEqual([{ Key: 'team', Value: 'web' }, { Key: 'env', Value: 'prod' }]);
    await shield.send(new UntagResourceCommand({ ResourceARN: parn, TagKeys: ['team'] }));
    expect((await cli(['shield', 'list-tags-for-resource', '--resource-arn', parn])).Tags).toEqual([{ Key: 'env', Value: 'prod' }]);
    const garn = 'arn:aws:shield::000000000000:protection-group/sites';
    await shield.send(new TagResourceCommand({ ResourceARN: garn, Tags: [{ Key: 'k', Value: 'v' }] }));
    expect((await shield.send(new ListTagsForResourceCommand({ ResourceARN: garn }))).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
    expect(await errorOf(shield.send(new ListTagsForResourceCommand({ ResourceARN: SITE_ARN })))).toBe('InvalidResourceException');
    expect(await errorOf(shield.send(new ListTagsForResourceCommand({ ResourceARN: 'arn:aws:shield::000000000000:protection/00000000-0000-0000-0000-000000000000' })))).toBe('ResourceNotFoundException');
    const cdn = (await shield.send(new DescribeProtectionCommand({ ResourceArn: CF_ARN }))).Protection!;
    await shield.send(new DeleteProtectionCommand({ ProtectionId: cdn.Id }));
    expect(await errorOf(shield.send(new DeleteProtectionCommand({ ProtectionId: cdn.Id })))).toBe('ResourceNotFoundException');
  });
});

describe('automatic application-layer response', () => {
  it('needs a web ACL on the resource; enable, update, disable', async () => {
    expect(await errorOf(cli(['shield', 'enable-application-layer-automatic-response', '--resource-arn', SITE_ARN, '--action', 'Block={}'])))
      .toMatch(/InvalidOperationException/);
    const acl = await cli([
      'wafv2', 'create-web-acl', '--name', 'shop-acl', '--scope', 'REGIONAL', '--default-action', 'Allow={}',
      '--visibility-config', 'SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName=shopAcl',
    ]);
    aclArn = (acl.Summary as { ARN: string }).ARN;
    aclId = (acl.Summary as { Id: string }).Id;
    await cli(['wafv2', 'associate-web-acl', '--web-acl-arn', aclArn, '--resource-arn', SITE_ARN]);
    await cli(['shield', 'enable-application-layer-automatic-response', '--resource-arn', SITE_ARN, '--action', 'Count={}']);
    expect(await errorOf(cli(['shield', 'enable-application-layer-automatic-response', '--resource-arn', SITE_ARN, '--action', 'Block={}'])))
      .toMatch(/InvalidOperationException/);
    expect(await errorOf(shield.send(new UpdateApplicationLayerAutomaticResponseCommand({ ResourceArn: SITE_ARN, Action: {} })))).toBe('InvalidParameterException');
    await shield.send(new UpdateApplicationLayerAutomaticResponseCommand({ ResourceArn: SITE_ARN, Action: { Block: {} } }));
    const p = (await shield.send(new DescribeProtectionCommand({ ResourceArn: SITE_ARN }))).Protection!;
    expect(p.ApplicationLayerAutomaticResponseConfiguration).toEqual({ Status: 'ENABLED', Action: { Block: {} } });
    await shield.send(new DisableApplicationLayerAutomaticResponseCommand({ ResourceArn: SITE_ARN }));
    expect(await errorOf(shield.send(new DisableApplicationLayerAutomaticResponseCommand({ ResourceArn: SITE_ARN })))).toBe('InvalidOperationException');
    expect((await shield.send(new DescribeProtectionCommand({ ResourceArn: SITE_ARN }))).Protection!.ApplicationLayerAutomaticResponseConfiguration?.Status).toBe('DISABLED');
    await cli(['shield', 'enable-application-layer-automatic-response', '--resource-arn', SITE_ARN, '--action', 'Block={}']);
    expect(await errorOf(shield.send(new UpdateApplicationLayerAutomaticResponseCommand({ ResourceArn: CF_ARN, Action: { Block: {} } })))).toBe('ResourceNotFoundException');
  });

  it('a flood is detected, mitigated in the web ACL while a normal client gets 200, and the mitigation is removed after', async () => {
    expect(await shieldRules()).toEqual([]);
    expect(await get('/', '127.0.0.1')).toBe(200);
    // Flood: 20 sources in 127.77.0.0/24, 24 requests in flight (each worker pausing 5 ms between
    // requests, so that the flood lasts the seconds detection needs however fast the machine), until
    // blocked (bounded: 40,000 requests, 40 s).
    const deadline = Date.now() + 40_000;
    let sent = 0;
    let blocked = 0;
    let legitOk = 0;
    let legitOther = 0;
    let stop = false;
    const blockedFrom = new Set<string>();
    const legit = (async () => {
      while (!stop) {
        const s = await get('/products', '127.0.0.1');
        if (s === 200) legitOk++;
        else legitOther++;
        await sleep(1000);
      }
    })();
    const worker = async (w: number): Promise<void> => {
      while (!stop && sent < 40_000 && Date.now() < deadline) {
        const n = sent++;
        const from = `127.77.0.${((n * 24 + w) % 20) + 10}`;
        const s = await get(`/login?n=${n}`, from, 'python-requests/2.32');
        if (s === 403) {
          blocked++;
          blockedFrom.add(from);
        }
        if (blocked >= 200) stop = true;
        await sleep(5);
      }
    };
    await Promise.all(Array.from({ length: 24 }, (_, w) => worker(w)));
    stop = true;
    expect(blocked).toBeGreaterThanOrEqual(200);
    // While mitigated: the rule group sits at priority 10,000,000 in the web ACL, as AWS shows it.
    const rules = await shieldRules();
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Name).toMatch(new RegExp(`^ShieldMitigationRuleGroup_000000000000_${aclId}_[0-9a-f-]{36}$`));
    expect(rules[0]!.Priority).toBe(10_000_000);
    expect(rules[0]!.OverrideAction).toEqual({ None: {} });
    expect(rules[0]!.Statement?.RuleGroupReferenceStatement?.ARN).toMatch(/^arn:aws:wafv2:us-east-1:000000000000:regional\/rulegroup\/ShieldMitigationRuleGroup_/);
    const attacker = [...blockedFrom][0] as string;
    expect(await get('/login', attacker, 'python-requests/2.32')).toBe(403);
    expect(await get('/products', '127.0.0.1')).toBe(200);
    await legit;
    expect(legitOther).toBe(0);
    expect(legitOk).toBeGreaterThan(0);
    // The attack is recorded while it lasts.
    const attacks = (await shield.send(new ListAttacksCommand({ ResourceArns: [SITE_ARN] }))).AttackSummaries!;
    expect(attacks).toHaveLength(1);
    expect(attacks[0]!.AttackVectors).toEqual([{ VectorType: 'REQUEST_FLOOD' }]);
    const attackId = attacks[0]!.AttackId!;
    // Flood stopped: the mitigation is removed after the hold time (bounded wait).
    const until = Date.now() + 30_000;
    while ((await shieldRules()).length > 0 && Date.now() < until) await sleep(500);
    expect(await shieldRules()).toEqual([]);
    expect(await get('/login', attacker, 'python-requests/2.32')).toBe(200);
    const detail = (await shield.send(new DescribeAttackCommand({ AttackId: attackId }))).Attack!;
    expect(detail.ResourceArn).toBe(SITE_ARN);
    expect(detail.EndTime!.getTime()).toBeGreaterThan(detail.StartTime!.getTime());
    expect(detail.Mitigations).toEqual([{ MitigationName: rules[0]!.Name }]);
    const props = new Map(detail.AttackProperties!.map((p) => [p.AttackPropertyIdentifier, p]));
    expect([...props.keys()].sort()).toEqual(['DESTINATION_URL', 'REFERRER', 'SOURCE_COUNTRY', 'SOURCE_IP_ADDRESS', 'SOURCE_USER_AGENT']);
    expect(props.get('DESTINATION_URL')!.TopContributors![0]!.Name).toBe('/login');
    expect(props.get('SOURCE_USER_AGENT')!.TopContributors![0]!.Name).toBe('python-requests/2.32');
    expect(props.get('SOURCE_IP_ADDRESS')!.TopContributors![0]!.Name).toMatch(/^127\.77\.0\.\d+$/);
    expect(props.get('SOURCE_IP_ADDRESS')!.Unit).toBe('REQUESTS');
    expect(detail.SubResources![0]!.Type).toBe('IP');
    const ended = (await cli(['shield', 'list-attacks', '--resource-arns', SITE_ARN])).AttackSummaries as { EndTime?: string }[];
    expect(ended, JSON.stringify(ended)).toHaveLength(1);
    expect(ended[0]!.EndTime).toBeDefined();
    const stats = await shield.send(new DescribeAttackStatisticsCommand({}));
    expect(stats.DataItems![0]!.AttackCount).toBe(1);
    expect(await errorOf(shield.send(new DescribeAttackCommand({ AttackId: 'no-such-attack' })))).toBe('AccessDeniedException');
  }, 90_000);
});
