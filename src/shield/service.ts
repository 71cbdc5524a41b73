/**
 * The AWS Shield Advanced API (JSON 1.1, model src/models/shield.json): subscription, protections of
 * Bulwark sites (and any resource ARN AWS accepts), protection groups, tags, attacks recorded by the
 * detector (ListAttacks, DescribeAttack, DescribeAttackStatistics) and the application-layer
 * automatic response that places mitigations in the site's web ACL. DRT access, proactive
 * engagement, emergency contacts and health checks answer InvalidOperationException. See docs/shield.md.
 */
import { randomUUID } from 'node:crypto';
import { awsError, type AwsError } from '../errors/index.js';
import type { OperationHandler, ServiceDefinition, ServiceModel } from '../http/index.js';
import shieldModel from '../models/shield.json' with { type: 'json' };
import type { KVStore } from '../storage/index.js';
import { ShieldStore, type AttackRecord, type ProtectionGroupRecord, type ProtectionRecord, type ShieldTag } from './store.js';

const model = shieldModel as unknown as ServiceModel;
type In = Record<string, unknown>;
type Out = Record<string, unknown>;

/** Quotas (AWS's defaults unless configured). */
export interface ShieldLimits {
  /** Protections per resource type (Type as AWS reports it). */
  readonly protectionsPerType: Readonly<Record<string, number>>;
  readonly maxProtectionGroups: number;
  readonly maxArbitraryMembers: number;
}

/** AWS's default Shield Advanced limits. */
export const DEFAULT_SHIELD_LIMITS: ShieldLimits = {
  protectionsPerType: { ELASTIC_IP_ADDRESS: 100, APPLICATION_LOAD_BALANCER: 50 },
  maxProtectionGroups: 100,
  maxArbitraryMembers: 10_000,
};

/** What the Shield service needs. */
export interface ShieldServiceDeps {
  readonly kv: KVStore;
  readonly accountId: string;
  readonly region: string;
  readonly now?: () => Date;
  /** An existing store (shared with the attack controller); created over `kv` otherwise. */
  readonly store?: ShieldStore;
  /** True when a Bulwark site with this ARN exists. */
  readonly siteExists: (arn: string) => boolean;
  /** The web ACL associated with a resource, if any. */
  readonly webAclFor: (resourceArn: string) => string | undefined;
  /** Called after automatic response configuration changes (the controller applies or removes mitigations). */
  readonly onAutomaticResponseChange?: (resourceArn: string) => void;
  readonly limits?: Partial<ShieldLimits>;
}

/** The Shield service definition plus its store. */
export type ShieldService = ServiceDefinition & { readonly store: ShieldStore };

const SITE_ARN = /^arn:aws:bulwark:[a-z0-9-]+:\d{12}:site\/[A-Za-z0-9._-]+$/;

/** The ProtectedResourceType of a resource ARN AWS accepts (sites count as APPLICATION_LOAD_BALANCER), or undefined. */
export function resourceTypeOf(arn: string): string | undefined {
  if (SITE_ARN.test(arn)) return 'APPLICATION_LOAD_BALANCER';
  if (/^arn:aws:cloudfront::\d{12}:distribution\/[A-Z0-9]+$/.test(arn)) return 'CLOUDFRONT_DISTRIBUTION';
  if (/^arn:aws:route53:::hostedzone\/[A-Z0-9]+$/.test(arn)) return 'ROUTE_53_HOSTED_ZONE';
  if (/^arn:aws:ec2:[a-z0-9-]+:\d{12}:eip-allocation\/eipalloc-[0-9a-f]+$/.test(arn)) return 'ELASTIC_IP_ALLOCATION';
  if (/^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/[A-Za-z0-9-]+\/[0-9a-f]+$/.test(arn)) return 'APPLICATION_LOAD_BALANCER';
  if (/^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/[A-Za-z0-9-]+$/.test(arn)) return 'CLASSIC_LOAD_BALANCER';
  if (/^arn:aws:globalaccelerator::\d{12}:accelerator\/[0-9a-f-]+$/.test(arn)) return 'GLOBAL_ACCELERATOR';
  return undefined;
}

/** The limit Type a resource type counts against. */
function limitTypeOf(resourceType: string): string {
  return resourceType === 'ELASTIC_IP_ALLOCATION' ? 'ELASTIC_IP_ADDRESS' : resourceType;
}

function invalidParameter(message: string, fields: { name: string; message: string }[] = []): AwsError {
  return awsError('InvalidParameterException', message, { reason: fields.length > 0 ? 'FIELD_VALIDATION_FAILED' : 'OTHER', ...(fields.length > 0 ? { fields } : {}) });
}

function notFound(message: string, resourceType?: string): AwsError {
  return awsError('ResourceNotFoundException', message, resourceType ? { resourceType } : undefined);
}

const NO_SUBSCRIPTION = 'The subscription does not exist.';
const YEAR_S = 365 * 24 * 3600;

/** Pages a sorted list with an opaque token (base64url of the next item's key). */
function page<T>(items: readonly T[], key: (t: T) => string, max: unknown, token: unknown): { items: T[]; next?: string } {
  const lim = typeof max === 'number' && max > 0 ? max : 20;
  let start = 0;
  if (token !== undefined) {
    const after = typeof token === 'string' ? Buffer.from(token, 'base64url').toString('utf8') : '';
    if (!after.startsWith('k:') || Buffer.from(after, 'utf8').toString('base64url') !== token) {
      throw awsError('InvalidPaginationTokenException', 'Invalid pagination token.');
    }
    start = items.findIndex((t) => key(t) >= after.slice(2));
    if (start < 0) start = items.length;
  }
  const out = items.slice(start, start + lim);
  const nextItem = items[start + lim];
  return nextItem === undefined ? { items: out } : { items: out, next: Buffer.from(`k:${key(nextItem)}`, 'utf8').toString('base64url') };
}

function parseAction(a: unknown): 'Block' | 'Count' {
  const o = (a ?? {}) as Record<string, unknown>;
  const block = o.Block !== undefined && o.Block !== null;
  const count = o.Count !== undefined && o.Count !== null;
  if (block === count) throw invalidParameter('Exactly one of Block or Count must be set in Action.', [{ name: 'Action', message: 'Specify exactly one of Block or Count.' }]);
  return block ? 'Block' : 'Count';
}

function checkTags(tags: unknown): ShieldTag[] {
  const list = (Array.isArray(tags) ? tags : []) as { Key?: string; Value?: string }[];
  const out: ShieldTag[] = [];
  for (const t of list) {
    if (typeof t.Key !== 'string' || t.Key.length === 0) throw invalidParameter('Tag keys must be non-empty.', [{ name: 'Tags', message: 'Key is required.' }]);
    if (t.Key.startsWith('aws:')) throw invalidParameter('Tag keys cannot start with aws:.', [{ name: 'Tags', message: 'Reserved tag key prefix aws:.' }]);
    out.push({ Key: t.Key, Value: t.Value ?? '' });
  }
  return out;
}

function mergeTags(old: readonly ShieldTag[], add: readonly ShieldTag[]): ShieldTag[] {
  const m = new Map(old.map((t) => [t.Key, t.Value]));
  for (const t of add) m.set(t.Key, t.Value);
  if (m.size > 200) throw awsError('LimitsExceededException', 'A resource can have at most 200 tags.', { Type: 'TAGS', Limit: 200 });
  return [...m].map(([Key, Value]) => ({ Key, Value }));
}

/** The AttackDetail shape of a recorded attack. */
export function attackDetail(a: AttackRecord): Out {
  const counters = [
    { Name: 'Requests', Max: a.maxRps, Average: 0, Sum: a.requests, N: 1, Unit: 'Requests' },
  ];
  const end = a.endTime ? Date.parse(a.endTime) : undefined;
  const secs = Math.max(1, ((end ?? Date.now()) - Date.parse(a.startTime)) / 1000);
  counters[0]!.Average = Math.round((a.requests / secs) * 100) / 100;
  const vectorCounters = Object.entries(a.connections).map(([k, v]) => ({ Name: k, Max: v, Average: v, Sum: v, N: 1, Unit: 'Connections' }));
  return {
    AttackId: a.id,
    ResourceArn: a.resourceArn,
    StartTime: new Date(a.startTime),
    ...(a.endTime ? { EndTime: new Date(a.endTime) } : {}),
    SubResources: a.topSources.map((s) => ({
      Type: 'IP', Id: s.ip,
      AttackVectors: a.vectors.map((v) => ({ VectorType: v, VectorCounters: v === 'REQUEST_FLOOD' ? [{ Name: 'Requests', Max: s.count, Average: s.count, Sum: s.count, N: 1, Unit: 'Requests' }] : vectorCounters })),
      Counters: [{ Name: 'Requests', Max: s.count, Average: s.count, Sum: s.count, N: 1, Unit: 'Requests' }],
    })),
    AttackCounters: [...counters, ...vectorCounters],
    AttackProperties: a.properties.map((p) => ({
      AttackLayer: 'APPLICATION',
      AttackPropertyIdentifier: p.identifier,
      TopContributors: p.top.map((c) => ({ Name: c.name, Value: c.value })),
      Unit: 'REQUESTS',
      Total: p.total,
    })),
    Mitigations: a.mitigations.map((m) => ({ MitigationName: m })),
  };
}

/** Creates the Shield service. */
export function shieldService(deps: ShieldServiceDeps): ShieldService {
  const store = deps.store ?? new ShieldStore(deps.kv);
  const now = deps.now ?? ((): Date => new Date());
  const limits: ShieldLimits = { ...DEFAULT_SHIELD_LIMITS, ...deps.limits };
  const acct = deps.accountId;
  const ops: Record<string, OperationHandler<In, Out>> = {};

  const op = (name: string, handler: (i: In) => Promise<Out>, readOnly?: boolean): void => {
    ops[name] = { handler: async (i) => { await store.load(); return handler(i); }, ...(readOnly !== undefined ? { readOnly } : {}) };
  };
  const subscribed = (): void => {
    if (!store.subscription) throw notFound(NO_SUBSCRIPTION);
  };
  const mutate = <T>(fn: () => Promise<T>): Promise<T> => store.exclusive(fn);

  function checkResource(arn: string): string {
    const type = resourceTypeOf(arn);
    if (type === undefined) throw awsError('InvalidResourceException', `Unrecognized resource '${arn}' of type ${arn.split(':')[2] ?? ''}.`);
    if (SITE_ARN.test(arn) && !deps.siteExists(arn)) throw notFound(`The referenced resource '${arn}' does not exist.`, 'AWS::Bulwark::Site');
    return type;
  }

  function protectionById(id: unknown): ProtectionRecord {
    const p = typeof id === 'string' ? store.protections.get(id) : undefined;
    if (!p) throw notFound('The referenced protection does not exist.', 'protection');
    return p;
  }

  function protectionOut(p: ProtectionRecord): Out {
    return {
      Id: p.id, Name: p.name, ResourceArn: p.resourceArn, ProtectionArn: p.arn, HealthCheckIds: [],
      ...(p.alar ? { ApplicationLayerAutomaticResponseConfiguration: { Status: p.alar.status, Action: p.alar.action === 'Block' ? { Block: {} } : { Count: {} } } } : {}),
    };
  }

  function groupById(id: unknown): ProtectionGroupRecord {
    const g = typeof id === 'string' ? store.groups.get(id) : undefined;
    if (!g) throw notFound('The referenced protection group does not exist.', 'protection-group');
    return g;
  }

  function groupOut(g: ProtectionGroupRecord): Out {
    return {
      ProtectionGroupId: g.id, Aggregation: g.aggregation, Pattern: g.pattern, Members: g.members, ProtectionGroupArn: g.arn,
      ...(g.resourceType ? { ResourceType: g.resourceType } : {}),
    };
  }

  function checkGroupInput(i: In): { pattern: ProtectionGroupRecord['pattern']; resourceType?: string; members: string[] } {
    const pattern = i.Pattern as ProtectionGroupRecord['pattern'];
    const members = Array.isArray(i.Members) ? (i.Members as string[]) : undefined;
    const rt = typeof i.ResourceType === 'string' ? i.ResourceType : undefined;
    if (pattern === 'ARBITRARY') {
      if (members === undefined) throw invalidParameter('Members must be set when Pattern is ARBITRARY.', [{ name: 'Members', message: 'Required when Pattern is ARBITRARY.' }]);
      if (rt !== undefined) throw invalidParameter('ResourceType must not be set when Pattern is ARBITRARY.', [{ name: 'ResourceType', message: 'Only allowed when Pattern is BY_RESOURCE_TYPE.' }]);
      if (members.length > limits.maxArbitraryMembers) throw awsError('LimitsExceededException', 'Too many members in the protection group.', { Type: 'ARBITRARY_PATTERN_MEMBERS', Limit: limits.maxArbitraryMembers });
      return { pattern, members: [...new Set(members)] };
    }
    if (members !== undefined && members.length > 0) throw invalidParameter(`Members must not be set when Pattern is ${pattern}.`, [{ name: 'Members', message: 'Only allowed when Pattern is ARBITRARY.' }]);
    if (pattern === 'BY_RESOURCE_TYPE') {
      if (rt === undefined) throw invalidParameter('ResourceType must be set when Pattern is BY_RESOURCE_TYPE.', [{ name: 'ResourceType', message: 'Required when Pattern is BY_RESOURCE_TYPE.' }]);
      return { pattern, resourceType: rt, members: [] };
    }
    if (rt !== undefined) throw invalidParameter('ResourceType must not be set when Pattern is ALL.', [{ name: 'ResourceType', message: 'Only allowed when Pattern is BY_RESOURCE_TYPE.' }]);
    return { pattern, members: [] };
  }

  function groupResources(g: ProtectionGroupRecord): string[] {
    if (g.pattern === 'ARBITRARY') return [...g.members].sort();
    const all = [...store.protections.values()].map((p) => p.resourceArn);
    if (g.pattern === 'ALL') return all.sort();
    return all.filter((a) => resourceTypeOf(a) === g.resourceType).sort();
  }

  function subscriptionOut(): Out {
    const s = store.subscription!;
    const groupsLimits = { MaxProtectionGroups: limits.maxProtectionGroups, PatternTypeLimits: { ArbitraryPatternLimits: { MaxMembers: limits.maxArbitraryMembers } } };
    const typeLimits = Object.entries(limits.protectionsPerType).map(([Type, Max]) => ({ Type, Max }));
    return {
      StartTime: new Date(s.startTime),
      EndTime: new Date(s.endTime),
      TimeCommitmentInSeconds: s.timeCommitmentSeconds,
      AutoRenew: s.autoRenew,
      Limits: typeLimits,
      ProactiveEngagementStatus: 'DISABLED',
      SubscriptionLimits: { ProtectionLimits: { ProtectedResourceTypeLimits: typeLimits }, ProtectionGroupLimits: groupsLimits },
      SubscriptionArn: `arn:aws:shield::${acct}:subscription/${s.id}`,
    };
  }

  // ---- subscription ----
  op('CreateSubscription', async () => mutate(async () => {
    if (store.subscription) throw awsError('ResourceAlreadyExistsException', 'The subscription already exists.', { resourceType: 'subscription' });
    const start = now();
    await store.putSubscription({
      id: randomUUID().replace(/-/g, '').slice(0, 12), startTime: start.toISOString(), endTime: new Date(start.getTime() + YEAR_S * 1000).toISOString(),
      timeCommitmentSeconds: YEAR_S, autoRenew: 'ENABLED',
    });
    return {};
  }));
  op('DescribeSubscription', async () => {
    subscribed();
    return { Subscription: subscriptionOut() };
  });
  op('GetSubscriptionState', async () => ({ SubscriptionState: store.subscription ? 'ACTIVE' : 'INACTIVE' }));
  op('UpdateSubscription', async (i) => mutate(async () => {
    subscribed();
    if (i.AutoRenew !== undefined) await store.putSubscription({ ...store.subscription!, autoRenew: i.AutoRenew as 'ENABLED' | 'DISABLED' });
    return {};
  }));
  op('DeleteSubscription', async () => mutate(async () => {
    subscribed();
    const s = store.subscription!;
    if (now().getTime() < Date.parse(s.startTime) + s.timeCommitmentSeconds * 1000) {
      throw awsError('LockedSubscriptionException', 'The subscription is within its time commitment and cannot be deleted.');
    }
    await store.deleteSubscription();
    return {};
  }));

  // ---- protections ----
  op('CreateProtection', async (i) => mutate(async () => {
    subscribed();
    const arn = String(i.ResourceArn);
    const type = checkResource(arn);
    if (store.protectionFor(arn)) throw awsError('ResourceAlreadyExistsException', 'The referenced protection already exists.', { resourceType: 'protection' });
    const limitType = limitTypeOf(type);
    const max = limits.protectionsPerType[limitType];
    if (max !== undefined) {
      let n = 0;
      for (const p of store.protections.values()) if (limitTypeOf(resourceTypeOf(p.resourceArn) ?? '') === limitType) n++;
      if (n >= max) throw awsError('LimitsExceededException', `Protection limit for ${limitType} exceeded.`, { Type: limitType, Limit: max });
    }
    const id = randomUUID();
    await store.putProtection({ id, name: String(i.Name), resourceArn: arn, arn: `arn:aws:shield::${acct}:protection/${id}`, tags: checkTags(i.Tags) });
    return { ProtectionId: id };
  }), false);
  op('DescribeProtection', async (i) => {
    subscribed();
    const hasId = typeof i.ProtectionId === 'string';
    const hasArn = typeof i.ResourceArn === 'string';
    if (hasId === hasArn) throw invalidParameter('Specify exactly one of ProtectionId or ResourceArn.', [{ name: hasId ? 'ResourceArn' : 'ProtectionId', message: 'Specify exactly one of ProtectionId or ResourceArn.' }]);
    const p = hasId ? protectionById(i.ProtectionId) : store.protectionFor(String(i.ResourceArn));
    if (!p) throw notFound('The referenced protection does not exist.', 'protection');
    return { Protection: protectionOut(p) };
  });
  op('ListProtections', async (i) => {
    subscribed();
    const f = (i.InclusionFilters ?? {}) as { ProtectionNames?: string[]; ResourceArns?: string[]; ResourceTypes?: string[] };
    const list = [...store.protections.values()]
      .filter((p) => !f.ProtectionNames || f.ProtectionNames.includes(p.name))
      .filter((p) => !f.ResourceArns || f.ResourceArns.includes(p.resourceArn))
      .filter((p) => !f.ResourceTypes || f.ResourceTypes.includes(resourceTypeOf(p.resourceArn) ?? ''))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const r = page(list, (p) => p.id, i.MaxResults, i.NextToken);
    return { Protections: r.items.map(protectionOut), ...(r.next ? { NextToken: r.next } : {}) };
  });
  op('DeleteProtection', async (i) => mutate(async () => {
    subscribed();
    const p = protectionById(i.ProtectionId);
    await store.deleteProtection(p.id);
    if (p.alar?.status === 'ENABLED') deps.onAutomaticResponseChange?.(p.resourceArn);
    return {};
  }), false);

  // ---- protection groups ----
  op('CreateProtectionGroup', async (i) => mutate(async () => {
    subscribed();
    const id = String(i.ProtectionGroupId);
    if (store.groups.has(id)) throw awsError('ResourceAlreadyExistsException', 'The referenced protection group already exists.', { resourceType: 'protection-group' });
    if (store.groups.size >= limits.maxProtectionGroups) throw awsError('LimitsExceededException', 'Protection group limit exceeded.', { Type: 'PROTECTION_GROUP', Limit: limits.maxProtectionGroups });
    const g = checkGroupInput(i);
    await store.putGroup({
      id, arn: `arn:aws:shield::${acct}:protection-group/${id}`, aggregation: i.Aggregation as ProtectionGroupRecord['aggregation'],
      pattern: g.pattern, ...(g.resourceType ? { resourceType: g.resourceType } : {}), members: g.members, tags: checkTags(i.Tags),
    });
    return {};
  }), false);
  op('UpdateProtectionGroup', async (i) => mutate(async () => {
    subscribed();
    const old = groupById(i.ProtectionGroupId);
    const g = checkGroupInput(i);
    await store.putGroup({
      id: old.id, arn: old.arn, aggregation: i.Aggregation as ProtectionGroupRecord['aggregation'], pattern: g.pattern,
      ...(g.resourceType ? { resourceType: g.resourceType } : {}), members: g.members, tags: old.tags,
    });
    return {};
  }), false);
  op('DescribeProtectionGroup', async (i) => {
    subscribed();
    return { ProtectionGroup: groupOut(groupById(i.ProtectionGroupId)) };
  });
  op('DeleteProtectionGroup', async (i) => mutate(async () => {
    subscribed();
    await store.deleteGroup(groupById(i.ProtectionGroupId).id);
    return {};
  }), false);
  op('ListProtectionGroups', async (i) => {
    subscribed();
    const f = (i.InclusionFilters ?? {}) as { ProtectionGroupIds?: string[]; Patterns?: string[]; ResourceTypes?: string[]; Aggregations?: string[] };
    const list = [...store.groups.values()]
      .filter((g) => !f.ProtectionGroupIds || f.ProtectionGroupIds.includes(g.id))
      .filter((g) => !f.Patterns || f.Patterns.includes(g.pattern))
      .filter((g) => !f.ResourceTypes || (g.resourceType !== undefined && f.ResourceTypes.includes(g.resourceType)))
      .filter((g) => !f.Aggregations || f.Aggregations.includes(g.aggregation))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const r = page(list, (g) => g.id, i.MaxResults, i.NextToken);
    return { ProtectionGroups: r.items.map(groupOut), ...(r.next ? { NextToken: r.next } : {}) };
  });
  op('ListResourcesInProtectionGroup', async (i) => {
    subscribed();
    const r = page(groupResources(groupById(i.ProtectionGroupId)), (a) => a, i.MaxResults, i.NextToken);
    return { ResourceArns: r.items, ...(r.next ? { NextToken: r.next } : {}) };
  });

  // ---- tags ----
  function tagged(arn: unknown): { kind: 'protection'; rec: ProtectionRecord } | { kind: 'group'; rec: ProtectionGroupRecord } {
    const a = String(arn);
    const m = /^arn:aws:shield::(\d{12}):(protection|protection-group)\/(.+)$/.exec(a);
    if (!m) throw awsError('InvalidResourceException', `Unrecognized resource '${a}'; only protections and protection groups can be tagged.`);
    if (m[2] === 'protection') {
      const rec = store.protections.get(m[3] as string);
      if (!rec || m[1] !== acct) throw notFound('The referenced protection does not exist.', 'protection');
      return { kind: 'protection', rec };
    }
    const rec = store.groups.get(m[3] as string);
    if (!rec || m[1] !== acct) throw notFound('The referenced protection group does not exist.', 'protection-group');
    return { kind: 'group', rec };
  }
  async function retag(t: ReturnType<typeof tagged>, tags: ShieldTag[]): Promise<void> {
    if (t.kind === 'protection') await store.putProtection({ ...t.rec, tags });
    else await store.putGroup({ ...t.rec, tags });
  }
  op('TagResource', async (i) => mutate(async () => {
    subscribed();
    const t = tagged(i.ResourceARN);
    await retag(t, mergeTags(t.rec.tags, checkTags(i.Tags)));
    return {};
  }), false);
  op('UntagResource', async (i) => mutate(async () => {
    subscribed();
    const t = tagged(i.ResourceARN);
    const drop = new Set((i.TagKeys ?? []) as string[]);
    await retag(t, t.rec.tags.filter((x) => !drop.has(x.Key)));
    return {};
  }), false);
  op('ListTagsForResource', async (i) => {
    subscribed();
    return { Tags: tagged(i.ResourceARN).rec.tags };
  });

  // ---- application layer automatic response ----
  function alarProtection(i: In): ProtectionRecord {
    subscribed();
    const arn = String(i.ResourceArn);
    const p = store.protectionFor(arn);
    if (!p) throw notFound(`The resource '${arn}' is not protected.`, 'protection');
    return p;
  }
  op('EnableApplicationLayerAutomaticResponse', async (i) => mutate(async () => {
    const p = alarProtection(i);
    const action = parseAction(i.Action);
    if (p.alar?.status === 'ENABLED') throw awsError('InvalidOperationException', 'Automatic application layer DDoS mitigation is already enabled for this resource; use UpdateApplicationLayerAutomaticResponse.');
    if (deps.webAclFor(p.resourceArn) === undefined) throw awsError('InvalidOperationException', 'The resource must have a web ACL associated with it to enable automatic application layer DDoS mitigation.');
    await store.putProtection({ ...p, alar: { status: 'ENABLED', action } });
    deps.onAutomaticResponseChange?.(p.resourceArn);
    return {};
  }), false);
  op('UpdateApplicationLayerAutomaticResponse', async (i) => mutate(async () => {
    const p = alarProtection(i);
    const action = parseAction(i.Action);
    if (p.alar?.status !== 'ENABLED') throw awsError('InvalidOperationException', 'Automatic application layer DDoS mitigation is not enabled for this resource.');
    await store.putProtection({ ...p, alar: { status: 'ENABLED', action } });
    deps.onAutomaticResponseChange?.(p.resourceArn);
    return {};
  }), false);
  op('DisableApplicationLayerAutomaticResponse', async (i) => mutate(async () => {
    const p = alarProtection(i);
    if (p.alar?.status !== 'ENABLED') throw awsError('InvalidOperationException', 'Automatic application layer DDoS mitigation is not enabled for this resource.');
    await store.putProtection({ ...p, alar: { status: 'DISABLED', action: p.alar.action } });
    deps.onAutomaticResponseChange?.(p.resourceArn);
    return {};
  }), false);

  // ---- attacks ----
  op('ListAttacks', async (i) => {
    const arns = Array.isArray(i.ResourceArns) ? (i.ResourceArns as string[]) : undefined;
    const inRange = (t: Date | undefined, r: unknown): boolean => {
      if (r === undefined) return true;
      const range = r as { FromInclusive?: Date; ToExclusive?: Date };
      if (t === undefined) return range.ToExclusive === undefined;
      return (!range.FromInclusive || t >= range.FromInclusive) && (!range.ToExclusive || t < range.ToExclusive);
    };
    const list = [...store.attacks.values()]
      .filter((a) => !arns || arns.includes(a.resourceArn))
      .filter((a) => inRange(new Date(a.startTime), i.StartTime) && inRange(a.endTime ? new Date(a.endTime) : undefined, i.EndTime))
      .sort((a, b) => (a.startTime > b.startTime ? -1 : a.startTime < b.startTime ? 1 : a.id < b.id ? -1 : 1));
    const keyed = list.map((a, n) => ({ a, k: String(n).padStart(8, '0') }));
    const r = page(keyed, (x) => x.k, i.MaxResults, i.NextToken);
    return {
      AttackSummaries: r.items.map(({ a }) => ({
        AttackId: a.id, ResourceArn: a.resourceArn, StartTime: new Date(a.startTime), ...(a.endTime ? { EndTime: new Date(a.endTime) } : {}),
        AttackVectors: a.vectors.map((v) => ({ VectorType: v })),
      })),
      ...(r.next ? { NextToken: r.next } : {}),
    };
  });
  op('DescribeAttack', async (i) => {
    const a = store.attacks.get(String(i.AttackId));
    if (!a) throw awsError('AccessDeniedException', `The attack ${String(i.AttackId)} does not exist or you are not authorized to describe it.`);
    return { Attack: attackDetail(a) };
  });
  op('DescribeAttackStatistics', async () => {
    const to = now();
    const from = new Date(to.getTime() - YEAR_S * 1000);
    const inYear = [...store.attacks.values()].filter((a) => Date.parse(a.startTime) >= from.getTime());
    const max = inYear.reduce((m, a) => Math.max(m, a.maxRps), 0);
    return {
      TimeRange: { FromInclusive: from, ToExclusive: to },
      DataItems: [{ AttackCount: inYear.length, ...(inYear.length > 0 ? { AttackVolume: { RequestsPerSecond: { Max: max } } } : {}) }],
    };
  });

  return {
    name: 'shield',
    signingName: 'shield',
    eventSource: 'shield.amazonaws.com',
    model,
    operations: ops,
    unimplementedError: {
      code: 'InvalidOperationException',
      message: 'Bulwark does not support this Shield operation (SRT/DRT access, proactive engagement, emergency contacts and health checks are not implemented).',
    },
    store,
  };
}
