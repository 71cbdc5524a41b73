/**
 * The WAF runtime: connects the wafv2 configuration store (control plane), the rule engine and the
 * data plane. It answers the API's engine hooks (compile checks, WCU, samples, rate-based keys)
 * and is the proxy's AclProvider: each site's associated web ACL, compiled once per configuration
 * version and reused until the next change (a change reaches the data plane on the next request).
 */
import type { Logger } from 'pino';
import type { SampledRequests, SiteProtection, VisibilityConfig } from '../proxy/index.js';
import type { AclProvider } from '../proxy/index.js';
import type { RateBasedKeysResult, SiteInfo, WafConfigStore, WafEngineHooks, WafResolvers, WebACL } from './api/index.js';
import { detectors } from './detect/index.js';
import { compileRuleGroup, compileWebAcl, MemoryRateCounter, rulesCapacity, type CompiledWebAcl, type EngineDeps, type RateCounter } from './engine/index.js';
import { managedRuleGroupInfos, managedRuleGroups, resolveManagedRuleGroup } from './managed/index.js';

/** What the runtime needs from its surroundings. */
export interface WafRuntimeOptions {
  readonly store: WafConfigStore;
  readonly sampled: SampledRequests;
  /** The site ARN of a site name. */
  readonly siteArn: (name: string) => string;
  /** The sites that exist now (for AssociateWebACL). */
  readonly sites: () => readonly SiteInfo[];
  readonly logger: Logger;
  /** Rate-based rule counters (default: a MemoryRateCounter; a RedisRateCounter shares them across nodes). */
  readonly rateCounter?: RateCounter;
}

interface Compiled {
  readonly acl: CompiledWebAcl;
  readonly protection: SiteProtection;
}

type Json = Record<string, unknown>;

/** Compiles and serves web ACLs; implements the proxy's AclProvider and the API's engine hooks. */
export class WafRuntime implements AclProvider {
  /** Shared by every compiled ACL so rate counts survive recompiles. */
  readonly rateCounter: RateCounter;
  private compiled = new Map<string, Compiled>();
  private compiledVersion = -1;
  private loaded = false;

  constructor(private readonly o: WafRuntimeOptions) {
    this.rateCounter = o.rateCounter ?? new MemoryRateCounter();
  }

  /** Loads the configuration (after every unseal). */
  async load(): Promise<void> {
    await this.o.store.load();
    this.compiled = new Map();
    this.compiledVersion = -1;
    this.loaded = true;
  }

  /** Drops compiled state (at seal): sites then fail closed or open per their policy. */
  unload(): void {
    this.loaded = false;
    this.compiled = new Map();
  }

  private deps(resolvers: WafResolvers): EngineDeps {
    return {
      resolveIpSet: (arn) => resolvers.ipSet(arn) as Json | undefined,
      resolveRegexPatternSet: (arn) => resolvers.regexPatternSet(arn) as Json | undefined,
      resolveRuleGroup: (arn) => resolvers.ruleGroup(arn) as Json | undefined,
      // The AWS managed rule groups, implemented here under AWS's names (src/waf/managed/).
      resolveManagedRuleGroup,
      detectors,
      rateCounter: this.rateCounter,
    };
  }

  /** The proxy asks this for every request: a prebuilt value while nothing changes. */
  forSite(siteName: string): SiteProtection | undefined {
    if (!this.loaded) return SEALED;
    const store = this.o.store;
    const acl = store.webAclForSite(this.o.siteArn(siteName)) as WebACL | undefined;
    if (!acl) return undefined;
    if (store.version !== this.compiledVersion) {
      this.compiled = new Map();
      this.compiledVersion = store.version;
    }
    const arn = acl.ARN as string;
    let c = this.compiled.get(arn);
    if (!c) {
      c = this.compile(acl);
      this.compiled.set(arn, c);
    }
    return c.protection;
  }

  private compile(acl: WebACL): Compiled {
    const store = this.o.store;
    let compiled: CompiledWebAcl;
    try {
      compiled = compileWebAcl(acl as unknown as Json, this.deps(store.resolvers));
    } catch (e) {
      // The API validated it; a failure here means a referenced entity changed underneath. Fail per site policy.
      this.o.logger.error({ err: e, webAcl: acl.ARN }, 'web ACL failed to compile; its sites apply their fail mode');
      return { acl: undefined as unknown as CompiledWebAcl, protection: failing(acl.Name as string, acl.ARN as string, e) };
    }
    const ruleVisibility = new Map<string, VisibilityConfig>();
    for (const r of (acl.Rules ?? []) as unknown as Json[]) {
      const v = r.VisibilityConfig as VisibilityConfig | undefined;
      if (v) ruleVisibility.set(v.MetricName, v);
    }
    const logging = store.loggingConfigFor(acl.ARN as string);
    const protection: SiteProtection = {
      acl: compiled,
      ...(logging ? { logging: logging as unknown as NonNullable<SiteProtection['logging']> } : {}),
      ...(acl.VisibilityConfig ? { visibility: acl.VisibilityConfig as unknown as VisibilityConfig } : {}),
      ruleVisibility,
    };
    return { acl: compiled, protection };
  }

  /** The wafv2 API's engine hooks. */
  hooks(): WafEngineHooks {
    return {
      validateWebAcl: (acl, resolvers) => ({ capacity: compileWebAcl(acl as unknown as Json, this.deps(resolvers)).capacity }),
      validateRuleGroup: (group, resolvers) => ({ capacity: compileRuleGroup(group as unknown as Json, this.deps(resolvers)).capacity }),
      ruleCapacity: (rules, resolvers) =>
        rulesCapacity(rules as unknown as Json[], {
          ruleGroupCapacity: (arn) => (resolvers.ruleGroup(arn)?.Capacity as number | undefined) ?? undefined,
          managedRuleGroupCapacity: (vendor, name) => managedRuleGroups.get(`${vendor}:${name}`)?.Capacity,
        }),
      onChange: () => {
        // Compiled lazily per configuration version: the next request sees the change.
      },
      sites: () => this.o.sites(),
      sampledRequests: (webAclArn, metric, window, maxItems) =>
        this.o.sampled.get(webAclArn, metric, window.StartTime, window.EndTime, maxItems) as unknown as ReturnType<WafEngineHooks['sampledRequests']>,
      rateBasedKeys: (webAclArn, ruleName, groupRule) => this.rateKeys(webAclArn, ruleName, groupRule),
      managedRuleGroups: () => managedRuleGroupInfos(),
    };
  }

  private rateKeys(webAclArn: string, ruleName: string, groupRule?: string): RateBasedKeysResult {
    const acl = this.o.store.webAcl(webAclArn) as WebACL | undefined;
    let compiled = acl ? this.compiled.get(webAclArn)?.acl : undefined;
    if (acl && !compiled) compiled = compileWebAcl(acl as unknown as Json, this.deps(this.o.store.resolvers));
    const keys = compiled?.rateKeysOver(ruleName, groupRule);
    return {
      ManagedKeysIPV4: { IPAddressVersion: 'IPV4', Addresses: keys?.IPV4 ?? [] },
      ManagedKeysIPV6: { IPAddressVersion: 'IPV6', Addresses: keys?.IPV6 ?? [] },
    };
  }
}

/** A protection whose evaluation fails: the proxy applies the site's fail mode (closed → 503). */
function failing(name: string, arn: string, cause: unknown): SiteProtection {
  const message = cause instanceof Error ? cause.message : String(cause);
  return {
    acl: {
      name,
      arn,
      evaluate() {
        throw new Error(`web ACL ${name} is unavailable: ${message}`);
      },
    },
  };
}

const SEALED: SiteProtection = failing('sealed', 'arn:aws:wafv2:sealed', new Error('Bulwark is sealed'));
