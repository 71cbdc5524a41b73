/**
 * wafv2 configuration persistence and the data plane's read API. Entities are JSON in the KVStore
 * under waf/<scope>/<type>/<id> (with their LockToken and tags), associations under
 * waf/associations/<site ARN> and logging configurations under waf/logging/<web ACL ARN>, mirrored
 * in memory so reads are map look-ups. Stored entities are deeply frozen: the data plane can hold
 * them across recompiles without copying. Mutations are serialised (one at a time) so LockToken
 * checks and writes cannot interleave.
 */
import type { KVStore } from '../../storage/index.js';
import type { WafResolvers } from './hooks.js';
import type { EntityType, IPSet, LoggingConfiguration, RegexPatternSet, RuleGroup, Scope, Tag, WebACL } from './types.js';

/** One stored entity with its bookkeeping. */
export interface EntityRecord<T = WebACL | RuleGroup | IPSet | RegexPatternSet> {
  readonly scope: Scope;
  readonly type: EntityType;
  readonly entity: T;
  readonly lockToken: string;
  readonly tags: readonly Tag[];
}

const PREFIX = 'waf/';
const ASSOC = 'waf/associations/';
const LOGGING = 'waf/logging/';

function deepFreeze<T>(o: T): T {
  // Buffers (model blobs such as ByteMatchStatement.SearchString) cannot be frozen.
  if (typeof o === 'object' && o !== null && !ArrayBuffer.isView(o) && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

/** Blobs (Buffers) are stored as { $blob: base64 } and revived as Buffers. */
function enc(o: unknown): Buffer {
  return Buffer.from(JSON.stringify(o, function (this: Record<string, unknown>, k: string, v: unknown) {
    const raw = this[k];
    return Buffer.isBuffer(raw) ? { $blob: raw.toString('base64') } : v;
  }), 'utf8');
}

function parse<T>(b: Buffer): T {
  return JSON.parse(b.toString('utf8'), (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null && typeof (v as { $blob?: unknown }).$blob === 'string' && Object.keys(v).length === 1) {
      return Buffer.from((v as { $blob: string }).$blob, 'base64');
    }
    return v;
  }) as T;
}

/** A deep copy with the same representation a reload would give. */
function copy<T>(o: T): T {
  return parse<T>(enc(o));
}

/** The wafv2 configuration: what the API writes and the data plane reads. */
export class WafConfigStore {
  private readonly entities = new Map<string, EntityRecord>();
  private readonly assoc = new Map<string, string>();
  private readonly logging = new Map<string, LoggingConfiguration>();
  private loading: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private versionCounter = 0;
  /** Rule groups and IP sets owned by another service (Shield's mitigations): resolvable by ARN, never listed. */
  private readonly serviceOwned = new Map<string, { readonly type: EntityType; readonly entity: RuleGroup | IPSet }>();

  /** Look-ups by ARN for the engine's compile (IP sets, regex pattern sets, rule groups). */
  readonly resolvers: WafResolvers = {
    ipSet: (arn) => this.entityOf<IPSet>(arn, 'ipset'),
    regexPatternSet: (arn) => this.entityOf<RegexPatternSet>(arn, 'regexpatternset'),
    ruleGroup: (arn) => this.entityOf<RuleGroup>(arn, 'rulegroup'),
  };

  constructor(private readonly kv: KVStore) {}

  /** Loads everything from the KVStore once (later calls wait for the same load). */
  load(): Promise<void> {
    this.loading ??= this.doLoad().catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    for (const key of await this.kv.list(PREFIX)) {
      const b = await this.kv.get(key);
      if (!b) continue;
      if (key.startsWith(ASSOC)) {
        const a = parse<{ resourceArn: string; webAclArn: string }>(b);
        this.assoc.set(a.resourceArn, a.webAclArn);
      } else if (key.startsWith(LOGGING)) {
        const c = deepFreeze(parse<LoggingConfiguration>(b));
        this.logging.set(c.ResourceArn, c);
      } else {
        const r = deepFreeze(parse<EntityRecord>(b));
        this.entities.set(r.entity.ARN, r);
      }
    }
  }

  /** Increments on every committed change; the data plane can compare it to skip recompiles. */
  get version(): number {
    return this.versionCounter;
  }

  /** Runs `fn` after every earlier mutation has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---- entities ----

  /** The record with this ARN, if any. */
  record(arn: string): EntityRecord | undefined {
    return this.entities.get(arn);
  }

  private entityOf<T>(arn: string, type: EntityType): T | undefined {
    const r = this.entities.get(arn);
    if (r) return r.type === type ? (r.entity as T) : undefined;
    const o = this.serviceOwned.get(arn);
    return o && o.type === type ? (o.entity as T) : undefined;
  }

  /**
   * Registers (or, with `undefined`, removes) a rule group or IP set owned by another service, as
   * AWS Shield's mitigation rule groups live outside the customer's entities: web ACLs can reference
   * it, the wafv2 List/Get operations do not show it. In memory only; the owner re-registers it.
   */
  setServiceOwned(arn: string, type: 'rulegroup' | 'ipset', entity: RuleGroup | IPSet | undefined): void {
    if (entity === undefined) this.serviceOwned.delete(arn);
    else this.serviceOwned.set(arn, { type, entity: deepFreeze(copy(entity)) });
    this.versionCounter++;
  }

  /** Records of one type in one scope, sorted by name then id. */
  list(type: EntityType, scope: Scope): EntityRecord[] {
    const out: EntityRecord[] = [];
    for (const r of this.entities.values()) if (r.type === type && r.scope === scope) out.push(r);
    return out.sort((a, b) => (a.entity.Name < b.entity.Name ? -1 : a.entity.Name > b.entity.Name ? 1 : a.entity.Id < b.entity.Id ? -1 : 1));
  }

  /** All entity records. */
  all(): IterableIterator<EntityRecord> {
    return this.entities.values();
  }

  private key(r: { scope: Scope; type: EntityType; entity: { Id: string } }): string {
    return `${PREFIX}${r.scope}/${r.type}/${r.entity.Id}`;
  }

  /** Writes an entity record (create or replace). */
  async putEntity(r: EntityRecord): Promise<EntityRecord> {
    await this.kv.put(this.key(r), enc(r));
    const frozen = deepFreeze(copy(r));
    this.entities.set(r.entity.ARN, frozen);
    this.versionCounter++;
    return frozen;
  }

  /** Deletes an entity record, and a web ACL's logging configuration with it. */
  async deleteEntity(r: EntityRecord): Promise<void> {
    const hasLogging = r.type === 'webacl' && this.logging.has(r.entity.ARN);
    await this.kv.batch([
      { op: 'delete', key: this.key(r) },
      ...(hasLogging ? [{ op: 'delete' as const, key: LOGGING + encodeURIComponent(r.entity.ARN) }] : []),
    ]);
    this.entities.delete(r.entity.ARN);
    if (hasLogging) this.logging.delete(r.entity.ARN);
    this.versionCounter++;
  }

  // ---- associations ----

  /** The web ACL ARN associated with a site ARN. */
  webAclArnFor(resourceArn: string): string | undefined {
    return this.assoc.get(resourceArn);
  }

  /** Site ARNs associated with a web ACL, sorted. */
  resourcesFor(webAclArn: string): string[] {
    const out: string[] = [];
    for (const [res, acl] of this.assoc) if (acl === webAclArn) out.push(res);
    return out.sort();
  }

  /** Associates (or re-associates) a resource. */
  async associate(resourceArn: string, webAclArn: string): Promise<void> {
    await this.kv.put(ASSOC + encodeURIComponent(resourceArn), enc({ resourceArn, webAclArn }));
    this.assoc.set(resourceArn, webAclArn);
    this.versionCounter++;
  }

  /** Removes a resource's association; no-op when there is none. */
  async disassociate(resourceArn: string): Promise<void> {
    await this.kv.delete(ASSOC + encodeURIComponent(resourceArn));
    this.assoc.delete(resourceArn);
    this.versionCounter++;
  }

  // ---- logging ----

  /** The logging configuration of a web ACL. */
  loggingConfigFor(webAclArn: string): LoggingConfiguration | undefined {
    return this.logging.get(webAclArn);
  }

  /** Logging configurations, sorted by web ACL ARN. */
  loggingConfigs(): LoggingConfiguration[] {
    return [...this.logging.values()].sort((a, b) => (a.ResourceArn < b.ResourceArn ? -1 : 1));
  }

  /** Writes a logging configuration. */
  async putLogging(c: LoggingConfiguration): Promise<LoggingConfiguration> {
    await this.kv.put(LOGGING + encodeURIComponent(c.ResourceArn), enc(c));
    const frozen = deepFreeze(copy(c));
    this.logging.set(c.ResourceArn, frozen);
    this.versionCounter++;
    return frozen;
  }

  /** Deletes a logging configuration. */
  async deleteLogging(webAclArn: string): Promise<void> {
    await this.kv.delete(LOGGING + encodeURIComponent(webAclArn));
    this.logging.delete(webAclArn);
    this.versionCounter++;
  }

  // ---- data plane ----

  /** The web ACL a site is protected by, if any (frozen). */
  webAclForSite(siteArn: string): WebACL | undefined {
    const arn = this.assoc.get(siteArn);
    return arn === undefined ? undefined : this.entityOf<WebACL>(arn, 'webacl');
  }

  /** A web ACL by ARN (frozen). */
  webAcl(arn: string): WebACL | undefined {
    return this.entityOf<WebACL>(arn, 'webacl');
  }
}
