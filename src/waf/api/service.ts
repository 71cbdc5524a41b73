/**
 * The AWS WAFV2 API (JSON protocol, model src/models/wafv2.json): web ACLs, rule groups, IP sets,
 * regex pattern sets, associations with Bulwark sites, capacity, managed rule group discovery,
 * logging configurations, sampled requests, rate-based keys and tags. Configuration is validated
 * here and compiled by the engine (through WafEngineHooks) before it is stored; every committed
 * change calls engine.onChange() so the data plane recompiles. See docs/waf-api.md.
 */
import { randomUUID } from 'node:crypto';
import { awsError } from '../../errors/index.js';
import type { OperationHandler, RequestContext, ServiceDefinition, ServiceModel } from '../../http/service.js';
import wafModel from '../../models/wafv2.json' with { type: 'json' };
import type { KVStore } from '../../storage/index.js';
import { REASON, associated, duplicate, invalidParameter, limitsExceeded, nonexistent, optimisticLock } from './errors.js';
import { isWafConfigError, type WafEngineHooks } from './hooks.js';
import { WafConfigStore, type EntityRecord } from './store.js';
import type {
  CustomResponseBodies, EntityType, IPSet, Json, LoggingConfiguration, RegexPatternSet, Rule, RuleGroup, Scope, Tag, VisibilityConfig, WebACL,
} from './types.js';
import {
  DEFAULT_WAF_LIMITS, checkAddresses, checkDefaultAction, checkLoggingConfiguration, checkRegexList, checkRules, checkTagKeys, checkTags,
  consumedLabels, parseWafArn, referencedArns, type RuleCheckEnv, type WafLimits,
} from './validate.js';

const model = wafModel as unknown as ServiceModel;
const SITE_ARN = /^arn:aws:bulwark:([a-z0-9-]+):(\d{12}):site\/(.+)$/;
const SAMPLE_WINDOW_MS = 3 * 3600_000;
/** ListResourcesForWebACL's ResourceType under which sites are listed (AWS's default type). */
export const SITE_RESOURCE_TYPE = 'APPLICATION_LOAD_BALANCER';

/** Dependencies of the wafv2 service. */
export interface Wafv2ServiceDeps {
  readonly kv: KVStore;
  readonly accountId: string;
  readonly region: string;
  readonly now?: () => Date;
  readonly engine: WafEngineHooks;
  /** Quotas; defaults to DEFAULT_WAF_LIMITS. */
  readonly limits?: Partial<WafLimits>;
  /** An existing store to use (so the data plane and the API share one); created over `kv` otherwise. */
  readonly store?: WafConfigStore;
}

/** The wafv2 service definition plus the configuration store the data plane reads. */
export type Wafv2Service = ServiceDefinition & { readonly store: WafConfigStore };

type In = Record<string, unknown>;

const IAM_TYPES: Record<EntityType, string> = {
  webacl: 'AWS::WAFv2::WebACL', rulegroup: 'AWS::WAFv2::RuleGroup', ipset: 'AWS::WAFv2::IPSet', regexpatternset: 'AWS::WAFv2::RegexPatternSet',
};

function encodeMarker(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

/** Pages sorted items after an opaque marker (the sort key of the next item). */
function page<T>(items: readonly T[], key: (t: T) => string, limit: unknown, marker: unknown): { items: T[]; next?: string } {
  const lim = typeof limit === 'number' ? limit : 100;
  if (!Number.isInteger(lim) || lim < 1 || lim > 100) throw invalidParameter(undefined, 'Limit', REASON.format);
  let start = 0;
  if (marker !== undefined) {
    const after = typeof marker === 'string' ? Buffer.from(marker, 'base64url').toString('utf8') : '';
    if (after.length === 0 || encodeMarker(after) !== marker) throw invalidParameter(undefined, 'NextMarker', REASON.format);
    start = items.findIndex((t) => key(t) >= after);
    if (start < 0) start = items.length;
  }
  const out = items.slice(start, start + lim);
  const nextItem = items[start + lim];
  return nextItem === undefined ? { items: out } : { items: out, next: encodeMarker(key(nextItem)) };
}

function withNext(o: Record<string, unknown>, next: string | undefined): Record<string, unknown> {
  return next === undefined ? o : { ...o, NextMarker: next };
}

/** Copies the optional members that are set. */
function pick(i: In, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) if (i[n] !== undefined && i[n] !== null) out[n] = i[n];
  return out;
}

const WEB_ACL_OPTIONAL = [
  'Description', 'CustomResponseBodies', 'CaptchaConfig', 'ChallengeConfig', 'TokenDomains', 'AssociationConfig', 'DataProtectionConfig',
  'ApplicationConfig', 'OnSourceDDoSProtectionConfig',
] as const;

/** Creates the wafv2 service over `deps`. */
export function wafv2Service(deps: Wafv2ServiceDeps): Wafv2Service {
  const { accountId, region, engine } = deps;
  const limits: WafLimits = { ...DEFAULT_WAF_LIMITS, ...deps.limits };
  const store = deps.store ?? new WafConfigStore(deps.kv);
  const ops: Record<string, OperationHandler<In, Record<string, unknown>>> = {};

  // ---- helpers ----

  const scopePart = (scope: Scope): string => (scope === 'CLOUDFRONT' ? 'global' : 'regional');
  const arnFor = (scope: Scope, type: EntityType, name: string, id: string): string =>
    `arn:aws:wafv2:${region}:${accountId}:${scopePart(scope)}/${type}/${name}/${id}`;
  const safeArn = (i: In, type: EntityType, id = i.Id): string =>
    arnFor(i.Scope === 'CLOUDFRONT' ? 'CLOUDFRONT' : 'REGIONAL', type, String(i.Name), String(id));

  function checkScope(scope: unknown): Scope {
    if (scope === 'REGIONAL') return scope;
    if (scope === 'CLOUDFRONT' && region === 'us-east-1') return scope;
    throw invalidParameter('SCOPE_VALUE', String(scope), REASON.scope);
  }

  function changed(): void {
    // The configuration is committed; a data plane that fails to reload reports it itself.
    try {
      engine.onChange();
    } catch {
      /* see above */
    }
  }

  /** The record named by Name+Scope+Id, or WAFNonexistentItemException. */
  function byName(type: EntityType, i: In): EntityRecord {
    const scope = checkScope(i.Scope);
    if (typeof i.Name !== 'string' || typeof i.Id !== 'string') throw nonexistent();
    const r = store.record(arnFor(scope, type, i.Name, i.Id));
    if (!r || r.type !== type) throw nonexistent();
    return r;
  }

  /** The record an ARN names, or WAFInvalidParameterException (malformed) / WAFNonexistentItemException. */
  function byArn(arn: unknown, types: readonly EntityType[], field: 'RESOURCE_ARN' = 'RESOURCE_ARN'): EntityRecord {
    const p = parseWafArn(arn);
    if (!p || !(types as readonly string[]).includes(p.type)) throw invalidParameter(field, String(arn), REASON.invalidArn);
    const r = store.record(arn as string);
    if (!r || p.account !== accountId || p.region !== region) throw nonexistent();
    return r;
  }

  function checkLock(r: EntityRecord, token: unknown): void {
    if (token !== r.lockToken) throw optimisticLock();
  }

  function checkNewName(type: EntityType, scope: Scope, name: string, max: number): void {
    const existing = store.list(type, scope);
    if (existing.some((r) => r.entity.Name === name)) throw duplicate();
    if (existing.length >= max) throw limitsExceeded(`At most ${max} ${type} entities per scope.`);
  }

  function newTags(tags: unknown): Tag[] {
    const t = checkTags(tags);
    if (t.length > limits.maxTags) throw limitsExceeded(`A resource can have at most ${limits.maxTags} tags.`);
    return t;
  }

  function ruleEnv(kind: 'webacl' | 'rulegroup', scope: Scope, bodies: CustomResponseBodies | undefined | null): RuleCheckEnv {
    return {
      kind, scope, bodies,
      exists: (type, arn) => {
        const p = parseWafArn(arn);
        const r = store.record(arn);
        return !!p && !!r && r.type === type && r.scope === scope && p.account === accountId && p.region === region;
      },
      managedExists: (vendor, name, version) => {
        const g = engine.managedRuleGroups().find((m) => m.VendorName === vendor && m.Name === name && (!m.Scopes || m.Scopes.includes(scope)));
        if (!g) return false;
        return version === undefined || (g.Versions ?? []).some((v) => v.Name === version);
      },
    };
  }

  /** Runs an engine hook, answering its WafConfigError as WAFInvalidParameterException. */
  function compile<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (isWafConfigError(e)) throw invalidParameter(e.field, e.parameter ?? e.field, e.reason);
      throw e;
    }
  }

  function summary(r: EntityRecord): Record<string, unknown> {
    const e = r.entity;
    return { Name: e.Name, Id: e.Id, ...(e.Description !== undefined ? { Description: e.Description } : {}), LockToken: r.lockToken, ARN: e.ARN };
  }

  function listOp(type: EntityType, outName: string): OperationHandler<In, Record<string, unknown>> {
    return {
      handler: async (i) => {
        await store.load();
        const scope = checkScope(i.Scope);
        const p = page(store.list(type, scope), (r) => `${r.entity.Name}/${r.entity.Id}`, i.Limit, i.NextMarker);
        return withNext({ [outName]: p.items.map(summary) }, p.next);
      },
    };
  }

  function op(name: string, handler: (i: In, ctx: RequestContext) => Promise<Record<string, unknown>>, resources?: (i: In) => string[]): void {
    ops[name] = { handler, ...(resources ? { resources: (i: In) => resources(i) } : {}) };
  }

  // ---- web ACLs ----

  function buildWebAcl(i: In, scope: Scope, id: string): WebACL {
    const name = i.Name as string;
    const acl = {
      Name: name, Id: id, ARN: arnFor(scope, 'webacl', name, id),
      DefaultAction: i.DefaultAction as Json,
      ...pick(i, WEB_ACL_OPTIONAL),
      Rules: (i.Rules as Rule[] | undefined) ?? [],
      VisibilityConfig: i.VisibilityConfig as VisibilityConfig,
      Capacity: 0,
      LabelNamespace: `awswaf:${accountId}:webacl:${name}:`,
      ManagedByFirewallManager: false,
      RetrofittedByFirewallManager: false,
    } as WebACL;
    const env = ruleEnv('webacl', scope, acl.CustomResponseBodies);
    checkDefaultAction(acl.DefaultAction, env);
    checkRules(acl.Rules, env);
    const { capacity } = compile(() => engine.validateWebAcl(acl, store.resolvers));
    if (capacity > limits.maxWebAclCapacity) {
      throw limitsExceeded(`The web ACL uses ${capacity} WCU; Bulwark allows at most ${limits.maxWebAclCapacity} WCU per web ACL.`);
    }
    return { ...acl, Capacity: capacity };
  }

  op('CreateWebACL', async (i, ctx) => {
    const scope = checkScope(i.Scope);
    await store.load();
    return store.exclusive(async () => {
      checkNewName('webacl', scope, i.Name as string, limits.maxWebAcls);
      const tags = newTags(i.Tags);
      const acl = buildWebAcl(i, scope, randomUUID());
      const r = await store.putEntity({ scope, type: 'webacl', entity: acl, lockToken: randomUUID(), tags });
      ctx.addResource(acl.ARN, IAM_TYPES.webacl);
      changed();
      return { Summary: summary(r) };
    });
  }, (i) => [safeArn(i, 'webacl', '*')]);

  op('GetWebACL', async (i, ctx) => {
    await store.load();
    const r = i.ARN !== undefined ? byArn(i.ARN, ['webacl']) : byName('webacl', i);
    ctx.addResource(r.entity.ARN, IAM_TYPES.webacl);
    return { WebACL: r.entity, LockToken: r.lockToken };
  }, (i) => [typeof i.ARN === 'string' ? i.ARN : safeArn(i, 'webacl')]);

  op('UpdateWebACL', async (i, ctx) => {
    await store.load();
    return store.exclusive(async () => {
      const r = byName('webacl', i);
      checkLock(r, i.LockToken);
      const acl = buildWebAcl(i, r.scope, r.entity.Id);
      const lockToken = randomUUID();
      await store.putEntity({ ...r, entity: acl, lockToken });
      ctx.addResource(acl.ARN, IAM_TYPES.webacl);
      changed();
      return { NextLockToken: lockToken };
    });
  }, (i) => [safeArn(i, 'webacl')]);

  op('DeleteWebACL', async (i, ctx) => {
    await store.load();
    return store.exclusive(async () => {
      const r = byName('webacl', i);
      checkLock(r, i.LockToken);
      if (store.resourcesFor(r.entity.ARN).length > 0) throw associated();
      await store.deleteEntity(r);
      ctx.addResource(r.entity.ARN, IAM_TYPES.webacl);
      changed();
      return {};
    });
  }, (i) => [safeArn(i, 'webacl')]);

  ops.ListWebACLs = listOp('webacl', 'WebACLs');

  // ---- rule groups ----

  function buildRuleGroup(i: In, scope: Scope, id: string, capacity: number): RuleGroup {
    const name = i.Name as string;
    const rules = (i.Rules as Rule[] | undefined) ?? [];
    const ns = `awswaf:${accountId}:rulegroup:${name}:`;
    const available = new Set<string>();
    for (const rule of rules) for (const l of rule.RuleLabels ?? []) available.add(`${ns}${l.Name}`);
    const group = {
      Name: name, Id: id, ARN: arnFor(scope, 'rulegroup', name, id), Capacity: capacity,
      ...pick(i, ['Description', 'CustomResponseBodies']),
      Rules: rules,
      VisibilityConfig: i.VisibilityConfig as VisibilityConfig,
      LabelNamespace: ns,
      AvailableLabels: [...available].sort().map((Name) => ({ Name })),
      ConsumedLabels: consumedLabels(rules).map((Name) => ({ Name })),
    } as RuleGroup;
    checkRules(rules, ruleEnv('rulegroup', scope, group.CustomResponseBodies));
    const used = compile(() => engine.validateRuleGroup(group, store.resolvers)).capacity;
    if (used > capacity) throw invalidParameter('RULE_GROUP', 'Capacity', REASON.threshold);
    return group;
  }

  op('CreateRuleGroup', async (i, ctx) => {
    const scope = checkScope(i.Scope);
    const capacity = i.Capacity;
    if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1) throw invalidParameter('RULE_GROUP', 'Capacity', REASON.format);
    if (capacity > limits.maxRuleGroupCapacity) throw limitsExceeded(`A rule group's capacity is at most ${limits.maxRuleGroupCapacity} WCU.`);
    await store.load();
    return store.exclusive(async () => {
      checkNewName('rulegroup', scope, i.Name as string, limits.maxRuleGroups);
      const tags = newTags(i.Tags);
      const group = buildRuleGroup(i, scope, randomUUID(), capacity);
      const r = await store.putEntity({ scope, type: 'rulegroup', entity: group, lockToken: randomUUID(), tags });
      ctx.addResource(group.ARN, IAM_TYPES.rulegroup);
      changed();
      return { Summary: summary(r) };
    });
  }, (i) => [safeArn(i, 'rulegroup', '*')]);

  op('GetRuleGroup', async (i, ctx) => {
    await store.load();
    const r = i.ARN !== undefined ? byArn(i.ARN, ['rulegroup']) : byName('rulegroup', i);
    ctx.addResource(r.entity.ARN, IAM_TYPES.rulegroup);
    return { RuleGroup: r.entity, LockToken: r.lockToken };
  }, (i) => [typeof i.ARN === 'string' ? i.ARN : safeArn(i, 'rulegroup')]);

  op('UpdateRuleGroup', async (i, ctx) => {
    await store.load();
    return store.exclusive(async () => {
      const r = byName('rulegroup', i);
      checkLock(r, i.LockToken);
      const group = buildRuleGroup(i, r.scope, r.entity.Id, (r.entity as RuleGroup).Capacity);
      const lockToken = randomUUID();
      await store.putEntity({ ...r, entity: group, lockToken });
      ctx.addResource(group.ARN, IAM_TYPES.rulegroup);
      changed();
      return { NextLockToken: lockToken };
    });
  }, (i) => [safeArn(i, 'rulegroup')]);

  /** True when any web ACL or rule group other than `arn` itself references `arn`. */
  function isReferenced(arn: string): boolean {
    for (const r of store.all()) {
      if ((r.type === 'webacl' || r.type === 'rulegroup') && r.entity.ARN !== arn && referencedArns((r.entity as WebACL | RuleGroup).Rules).has(arn)) return true;
    }
    return false;
  }

  op('DeleteRuleGroup', async (i, ctx) => {
    await store.load();
    return store.exclusive(async () => {
      const r = byName('rulegroup', i);
      checkLock(r, i.LockToken);
      if (isReferenced(r.entity.ARN)) throw associated();
      await store.deleteEntity(r);
      ctx.addResource(r.entity.ARN, IAM_TYPES.rulegroup);
      changed();
      return {};
    });
  }, (i) => [safeArn(i, 'rulegroup')]);

  ops.ListRuleGroups = listOp('rulegroup', 'RuleGroups');

  // ---- IP sets and regex pattern sets ----

  function setOps(type: 'ipset' | 'regexpatternset', noun: 'IPSet' | 'RegexPatternSet', listName: string, max: () => number,
    content: (i: In, prev?: IPSet | RegexPatternSet) => Record<string, unknown>): void {
    op(`Create${noun}`, async (i, ctx) => {
      const scope = checkScope(i.Scope);
      await store.load();
      return store.exclusive(async () => {
        checkNewName(type, scope, i.Name as string, max());
        const tags = newTags(i.Tags);
        const id = randomUUID();
        const entity = { Name: i.Name as string, Id: id, ARN: arnFor(scope, type, i.Name as string, id), ...pick(i, ['Description']), ...content(i) } as IPSet | RegexPatternSet;
        const r = await store.putEntity({ scope, type, entity, lockToken: randomUUID(), tags });
        ctx.addResource(entity.ARN, IAM_TYPES[type]);
        changed();
        return { Summary: summary(r) };
      });
    }, (i) => [safeArn(i, type, '*')]);

    op(`Get${noun}`, async (i, ctx) => {
      await store.load();
      const r = byName(type, i);
      ctx.addResource(r.entity.ARN, IAM_TYPES[type]);
      return { [noun]: r.entity, LockToken: r.lockToken };
    }, (i) => [safeArn(i, type)]);

    op(`Update${noun}`, async (i, ctx) => {
      await store.load();
      return store.exclusive(async () => {
        const r = byName(type, i);
        checkLock(r, i.LockToken);
        const prev = r.entity as IPSet | RegexPatternSet;
        const entity = { Name: prev.Name, Id: prev.Id, ARN: prev.ARN, ...pick(i, ['Description']), ...content(i, prev) } as IPSet | RegexPatternSet;
        const lockToken = randomUUID();
        await store.putEntity({ ...r, entity, lockToken });
        ctx.addResource(entity.ARN, IAM_TYPES[type]);
        changed();
        return { NextLockToken: lockToken };
      });
    }, (i) => [safeArn(i, type)]);

    op(`Delete${noun}`, async (i, ctx) => {
      await store.load();
      return store.exclusive(async () => {
        const r = byName(type, i);
        checkLock(r, i.LockToken);
        if (isReferenced(r.entity.ARN)) throw associated();
        await store.deleteEntity(r);
        ctx.addResource(r.entity.ARN, IAM_TYPES[type]);
        changed();
        return {};
      });
    }, (i) => [safeArn(i, type)]);

    ops[`List${listName}`] = listOp(type, listName);
  }

  setOps('ipset', 'IPSet', 'IPSets', () => limits.maxIpSets, (i, prev) => {
    // UpdateIPSet has no IPAddressVersion: the version is fixed at creation.
    const version = prev ? (prev as IPSet).IPAddressVersion : i.IPAddressVersion;
    return { IPAddressVersion: version, Addresses: checkAddresses(i.Addresses, version, limits) };
  });
  setOps('regexpatternset', 'RegexPatternSet', 'RegexPatternSets', () => limits.maxRegexPatternSets,
    (i) => ({ RegularExpressionList: checkRegexList(i.RegularExpressionList, limits) }));

  // ---- associations ----

  /** The site an ARN names: WAFInvalidParameterException unless it is a site ARN, WAFNonexistentItemException unless the site exists. */
  function site(arn: unknown): string {
    const m = typeof arn === 'string' ? SITE_ARN.exec(arn) : null;
    if (!m) throw invalidParameter('RESOURCE_ARN', String(arn), REASON.invalidArn);
    if (m[1] !== region || m[2] !== accountId || !engine.sites().some((s) => s.arn === arn)) throw nonexistent();
    return arn as string;
  }

  op('AssociateWebACL', async (i, ctx) => {
    await store.load();
    return store.exclusive(async () => {
      const r = byArn(i.WebACLArn, ['webacl']);
      if (r.scope !== 'REGIONAL') throw invalidParameter('RESOURCE_ARN', String(i.WebACLArn), 'Only REGIONAL web ACLs can be associated with a site.');
      const res = site(i.ResourceArn);
      if (store.webAclArnFor(res) !== r.entity.ARN) {
        await store.associate(res, r.entity.ARN);
        changed();
      }
      ctx.addResource(r.entity.ARN, IAM_TYPES.webacl);
      ctx.addResource(res);
      return {};
    });
  }, (i) => [String(i.WebACLArn), String(i.ResourceArn)]);

  op('DisassociateWebACL', async (i, ctx) => {
    await store.load();
    return store.exclusive(async () => {
      const m = typeof i.ResourceArn === 'string' ? SITE_ARN.exec(i.ResourceArn) : null;
      if (!m) throw invalidParameter('RESOURCE_ARN', String(i.ResourceArn), REASON.invalidArn);
      const res = i.ResourceArn as string;
      // Idempotent, as AWS: disassociating a resource without a web ACL succeeds.
      if (store.webAclArnFor(res) !== undefined) {
        await store.disassociate(res);
        changed();
      }
      ctx.addResource(res);
      return {};
    });
  }, (i) => [String(i.ResourceArn)]);

  op('GetWebACLForResource', async (i) => {
    await store.load();
    const res = site(i.ResourceArn);
    const acl = store.webAclForSite(res);
    return acl ? { WebACL: acl } : {};
  }, (i) => [String(i.ResourceArn)]);

  op('ListResourcesForWebACL', async (i) => {
    await store.load();
    const r = byArn(i.WebACLArn, ['webacl']);
    const type = i.ResourceType ?? SITE_RESOURCE_TYPE;
    return { ResourceArns: type === SITE_RESOURCE_TYPE ? store.resourcesFor(r.entity.ARN) : [] };
  }, (i) => [String(i.WebACLArn)]);

  // ---- capacity and managed rule groups ----

  op('CheckCapacity', async (i) => {
    const scope = checkScope(i.Scope);
    await store.load();
    const rules = (i.Rules as Rule[] | undefined) ?? [];
    checkRules(rules, ruleEnv('webacl', scope, null));
    return { Capacity: compile(() => engine.ruleCapacity(rules, store.resolvers)) };
  });

  function managedGroups(scope: Scope): ReturnType<WafEngineHooks['managedRuleGroups']> {
    return engine.managedRuleGroups()
      .filter((g) => !g.Scopes || g.Scopes.includes(scope))
      .slice()
      .sort((a, b) => (`${a.VendorName}/${a.Name}` < `${b.VendorName}/${b.Name}` ? -1 : 1));
  }

  function managedGroup(i: In): ReturnType<WafEngineHooks['managedRuleGroups']>[number] {
    const scope = checkScope(i.Scope);
    const g = managedGroups(scope).find((m) => m.VendorName === i.VendorName && m.Name === i.Name);
    if (!g) throw nonexistent();
    return g;
  }

  op('ListAvailableManagedRuleGroups', async (i) => {
    const scope = checkScope(i.Scope);
    const p = page(managedGroups(scope), (g) => `${g.VendorName}/${g.Name}`, i.Limit, i.NextMarker);
    return withNext({
      ManagedRuleGroups: p.items.map((g) => ({
        VendorName: g.VendorName, Name: g.Name, VersioningSupported: (g.Versions ?? []).length > 0,
        ...(g.Description !== undefined ? { Description: g.Description } : {}),
      })),
    }, p.next);
  });

  op('DescribeManagedRuleGroup', async (i) => {
    const g = managedGroup(i);
    const version = i.VersionName as string | undefined;
    if (version !== undefined && !(g.Versions ?? []).some((v) => v.Name === version)) throw nonexistent();
    const effective = version ?? g.CurrentDefaultVersion;
    return {
      ...(effective !== undefined ? { VersionName: effective } : {}),
      ...(g.SnsTopicArn !== undefined ? { SnsTopicArn: g.SnsTopicArn } : {}),
      Capacity: g.Capacity,
      Rules: g.Rules,
      ...(g.LabelNamespace !== undefined ? { LabelNamespace: g.LabelNamespace } : {}),
      AvailableLabels: g.AvailableLabels ?? [],
      ConsumedLabels: g.ConsumedLabels ?? [],
    };
  });

  op('ListAvailableManagedRuleGroupVersions', async (i) => {
    const g = managedGroup(i);
    const versions = g.Versions ?? [];
    // Versions stay in the registry's order (newest first); the marker is the position.
    const indexed = versions.map((v, n) => ({ v, key: String(n).padStart(8, '0') }));
    const p = page(indexed, (x) => x.key, i.Limit, i.NextMarker);
    return withNext({
      Versions: p.items.map((x) => x.v),
      ...(g.CurrentDefaultVersion !== undefined ? { CurrentDefaultVersion: g.CurrentDefaultVersion } : {}),
    }, p.next);
  });

  // ---- logging ----

  function checkLogScope(logScope: unknown, logType: unknown): void {
    if (logScope !== undefined && logScope !== 'CUSTOMER') throw awsError('WAFInvalidOperationException', 'Bulwark supports only LogScope CUSTOMER.');
    if (logType !== undefined && logType !== 'WAF_LOGS') throw invalidParameter(undefined, String(logType), REASON.unsupported);
  }

  op('PutLoggingConfiguration', async (i, ctx) => {
    const c = i.LoggingConfiguration as Record<string, unknown> | undefined;
    if (!c || typeof c !== 'object') throw invalidParameter(undefined, 'LoggingConfiguration', REASON.required);
    await store.load();
    return store.exclusive(async () => {
      const r = byArn(c.ResourceArn, ['webacl']);
      checkLogScope(c.LogScope, c.LogType);
      checkLoggingConfiguration(c);
      const config: LoggingConfiguration = {
        ResourceArn: r.entity.ARN,
        LogDestinationConfigs: c.LogDestinationConfigs as string[],
        ...pick(c, ['RedactedFields', 'LoggingFilter']),
        ManagedByFirewallManager: false,
        LogType: 'WAF_LOGS',
        LogScope: 'CUSTOMER',
      };
      const saved = await store.putLogging(config);
      ctx.addResource(r.entity.ARN, IAM_TYPES.webacl);
      changed();
      return { LoggingConfiguration: saved };
    });
  }, (i) => [String((i.LoggingConfiguration as In | undefined)?.ResourceArn)]);

  function loggingFor(i: In): LoggingConfiguration {
    const r = byArn(i.ResourceArn, ['webacl']);
    if (i.LogScope !== undefined && i.LogScope !== 'CUSTOMER') throw nonexistent();
    const c = store.loggingConfigFor(r.entity.ARN);
    if (!c) throw nonexistent();
    return c;
  }

  op('GetLoggingConfiguration', async (i) => {
    await store.load();
    return { LoggingConfiguration: loggingFor(i) };
  }, (i) => [String(i.ResourceArn)]);

  op('DeleteLoggingConfiguration', async (i) => {
    await store.load();
    return store.exclusive(async () => {
      const c = loggingFor(i);
      await store.deleteLogging(c.ResourceArn);
      changed();
      return {};
    });
  }, (i) => [String(i.ResourceArn)]);

  op('ListLoggingConfigurations', async (i) => {
    const scope = checkScope(i.Scope);
    await store.load();
    const all = i.LogScope !== undefined && i.LogScope !== 'CUSTOMER' ? [] : store.loggingConfigs().filter((c) => store.record(c.ResourceArn)?.scope === scope);
    const p = page(all, (c) => c.ResourceArn, i.Limit, i.NextMarker);
    return withNext({ LoggingConfigurations: p.items }, p.next);
  });

  // ---- data plane views ----

  op('GetSampledRequests', async (i, ctx) => {
    const scope = checkScope(i.Scope);
    await store.load();
    const r = byArn(i.WebAclArn, ['webacl']);
    if (r.scope !== scope) throw nonexistent();
    const tw = i.TimeWindow as { StartTime?: unknown; EndTime?: unknown } | undefined;
    const start = tw?.StartTime;
    const end = tw?.EndTime;
    if (!(start instanceof Date) || !(end instanceof Date) || end.getTime() <= start.getTime()) {
      throw invalidParameter(undefined, 'TimeWindow', 'EndTime must be after StartTime.');
    }
    const now = (deps.now ?? (() => ctx.now))().getTime();
    if (start.getTime() < now - SAMPLE_WINDOW_MS) throw invalidParameter(undefined, 'TimeWindow', 'StartTime must be within the previous three hours.');
    const maxItems = typeof i.MaxItems === 'number' ? i.MaxItems : 100;
    const out = engine.sampledRequests(r.entity.ARN, String(i.RuleMetricName), { StartTime: start, EndTime: end }, maxItems);
    return { SampledRequests: out.SampledRequests, PopulationSize: out.PopulationSize, TimeWindow: out.TimeWindow };
  }, (i) => [String(i.WebAclArn)]);

  op('GetRateBasedStatementManagedKeys', async (i) => {
    await store.load();
    const r = byName('webacl', { Name: i.WebACLName, Scope: i.Scope, Id: i.WebACLId });
    const acl = r.entity as WebACL;
    const rule = acl.Rules.find((x) => x.Name === i.RuleName);
    if (!rule) throw nonexistent();
    let rateRule: Rule | undefined = rule;
    if (i.RuleGroupRuleName !== undefined) {
      const ref = (rule.Statement as { RuleGroupReferenceStatement?: { ARN?: string } }).RuleGroupReferenceStatement;
      const group = ref?.ARN !== undefined ? store.resolvers.ruleGroup(ref.ARN) : undefined;
      if (!group) throw nonexistent();
      rateRule = group.Rules.find((x) => x.Name === i.RuleGroupRuleName);
      if (!rateRule) throw nonexistent();
    }
    const rb = (rateRule.Statement as { RateBasedStatement?: { AggregateKeyType?: string } }).RateBasedStatement;
    if (!rb) throw invalidParameter('RULE', String(i.RuleGroupRuleName ?? i.RuleName), 'The rule is not a rate-based rule.');
    if (rb.AggregateKeyType === 'CONSTANT' || rb.AggregateKeyType === 'CUSTOM_KEYS') {
      throw awsError('WAFUnsupportedAggregateKeyTypeException', 'The rule you specified is an unsupported type. Rate-based rules that aggregate by CONSTANT or CUSTOM_KEYS have no managed keys.');
    }
    const keys = engine.rateBasedKeys(acl.ARN, rule.Name, i.RuleGroupRuleName as string | undefined);
    return { ManagedKeysIPV4: keys.ManagedKeysIPV4, ManagedKeysIPV6: keys.ManagedKeysIPV6 };
  }, (i) => [safeArn({ Name: i.WebACLName, Scope: i.Scope }, 'webacl', i.WebACLId)]);

  // ---- tags ----

  op('TagResource', async (i, ctx) => {
    await store.load();
    return store.exclusive(async () => {
      const r = byArn(i.ResourceARN, ['webacl', 'rulegroup', 'ipset', 'regexpatternset']);
      const add = checkTags(i.Tags);
      const m = new Map(r.tags.map((t) => [t.Key, t.Value] as const));
      for (const t of add) m.set(t.Key, t.Value);
      if (m.size > limits.maxTags) throw limitsExceeded(`A resource can have at most ${limits.maxTags} tags.`);
      await store.putEntity({ ...r, tags: [...m].map(([Key, Value]) => ({ Key, Value })) });
      ctx.addResource(r.entity.ARN, IAM_TYPES[r.type]);
      return {};
    });
  }, (i) => [String(i.ResourceARN)]);

  op('UntagResource', async (i, ctx) => {
    await store.load();
    return store.exclusive(async () => {
      const r = byArn(i.ResourceARN, ['webacl', 'rulegroup', 'ipset', 'regexpatternset']);
      const drop = new Set(checkTagKeys(i.TagKeys));
      await store.putEntity({ ...r, tags: r.tags.filter((t) => !drop.has(t.Key)) });
      ctx.addResource(r.entity.ARN, IAM_TYPES[r.type]);
      return {};
    });
  }, (i) => [String(i.ResourceARN)]);

  op('ListTagsForResource', async (i) => {
    await store.load();
    const r = byArn(i.ResourceARN, ['webacl', 'rulegroup', 'ipset', 'regexpatternset']);
    const tags = [...r.tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
    const p = page(tags, (t) => t.Key, i.Limit, i.NextMarker);
    return withNext({ TagInfoForResource: { ResourceARN: r.entity.ARN, TagList: p.items } }, p.next);
  }, (i) => [String(i.ResourceARN)]);

  return {
    name: 'wafv2',
    signingName: 'wafv2',
    eventSource: 'wafv2.amazonaws.com',
    model,
    operations: ops,
    unimplementedError: {
      code: 'WAFInvalidOperationException',
      message: 'Bulwark does not support this operation (API keys, mobile SDK releases, managed rule sets for vendors, permission policies, '
        + 'Firewall Manager rule groups and traffic statistics are not implemented).',
    },
    store,
  };
}
