/**
 * The AWS KMS API (JSON protocol, model src/models/kms.json): key lifecycle, aliases, key policies,
 * grants, tags, symmetric/asymmetric/HMAC/key-agreement cryptography, rotation and imported key
 * material. Every operation authorizes in the handler against the key policy (AWS's KMS semantics:
 * the key policy must allow, directly or by delegating to the account's IAM policies), then grants.
 * Key bytes never pass through here except data keys the caller asked for: the keystore holds them.
 * See docs/kms.md.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { AwsError, awsError, isAwsError, type AwsErrorCode } from '../errors/index.js';
import { LazyConditionContext } from '../http/lazy-context.js';
import type { OperationHandler, RequestContext, ServiceDefinition, ServiceModel } from '../http/service.js';
import { evaluate, type AuthzPrincipal, type CompiledPolicy } from '../iam/index.js';
import kmsModel from '../models/kms.json' with { type: 'json' };
import type { KVStore } from '../storage/types.js';
import { KeyStore, type DataKeyPairSpec, type WrappingAlgorithm } from './keystore/index.js';
import {
  DATA_KEY_PAIR_SPECS, DIGEST_LENGTH, GRANT_OPERATIONS, KMS_LIMITS, RSA_OAEP_MAX_PLAINTEXT, SPEC_USAGES, UNSUPPORTED_KEY_SPECS,
  grantOperationsFor, isKmsKeySpec, type KeyUsage, type UsageProfile,
} from './specs.js';
import { KmsStore, compileKeyPolicy, type GrantRecord, type KeyEntry, type KeyRecord, type TagRecord } from './store.js';

const model = kmsModel as unknown as ServiceModel;
const DAY = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KMS_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;
const ALIAS_NAME = /^alias\/[a-zA-Z0-9:/_-]+$/;
const GRANT_ID = /^[0-9a-f]{64}$/;
const DRY_RUN_MESSAGE = 'The request would have succeeded, but the DryRun option is set.';
/** How often the scheduler looks for due deletions, rotations and expired imported material. */
const SCHEDULER_INTERVAL_MS = 30_000;

/** Dependencies of the KMS service. */
export interface KmsServiceDeps {
  readonly kv: KVStore;
  readonly keystore: KeyStore;
  readonly accountId: string;
  readonly region: string;
  /** Clock for the scheduler and key dates (tests inject one); defaults to the system clock. */
  readonly now?: () => Date;
}

/** The KMS service definition plus its background scheduler. */
export type KmsService = ServiceDefinition & {
  /** Runs the scheduler once now and then every 30 s (unref'd); returns a function that stops it. */
  startScheduler(): () => void;
  /** One scheduler pass: deletes keys past their DeletionDate, rotates due keys, expires imported material. */
  runScheduledTasks(): Promise<void>;
};

type Json = Record<string, unknown>;
type EncryptionContext = Record<string, string>;
type Ctx = ReadonlyMap<string, string | readonly string[]>;

/** How an operation identifies its key. */
interface Resolved {
  readonly entry: KeyEntry;
  /** The alias name the request used, for kms:RequestAlias. */
  readonly alias?: string;
}

/** Key-state rules of AWS's "Key states of AWS KMS keys" table, by operation family. */
type StateRule = 'any' | 'crypto' | 'notPendingDeletion' | 'enableDisable';

function err(code: AwsErrorCode, message: string): AwsError {
  return awsError(code, message);
}

function validation(message: string): AwsError {
  return awsError('ValidationException', message);
}

function isDenied(e: unknown): boolean {
  return isAwsError(e) && (e.code === 'AccessDeniedException' || e.code === 'AccessDenied');
}

function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  }, null, 2);
}

function encodeMarker(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

function decodeMarker(m: string | undefined): string | undefined {
  if (m === undefined) return undefined;
  const s = Buffer.from(m, 'base64url').toString('utf8');
  if (s.length === 0 || encodeMarker(s) !== m) throw err('InvalidMarkerException', 'Invalid marker value.');
  return s;
}

/** Pages `items` (sorted by `key`) after the marker; the marker is the opaque key of the next item. */
function page<T>(items: readonly T[], key: (t: T) => string, limit: number | undefined, marker: string | undefined, def: number, max: number):
  { items: T[]; next?: string } {
  const lim = limit ?? def;
  if (!Number.isInteger(lim) || lim < 1 || lim > max) throw validation(`1 validation error detected: Value '${lim}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`);
  const after = decodeMarker(marker);
  let start = 0;
  if (after !== undefined) {
    start = items.findIndex((t) => key(t) >= after);
    if (start < 0) start = items.length;
  }
  const out = items.slice(start, start + lim);
  const nextItem = items[start + lim];
  return nextItem === undefined ? { items: out } : { items: out, next: encodeMarker(key(nextItem)) };
}

function listResult(name: string, p: { items: unknown[]; next?: string }): Json {
  return p.next === undefined ? { [name]: p.items, Truncated: false } : { [name]: p.items, NextMarker: p.next, Truncated: true };
}

function checkTags(tags: readonly { TagKey: string; TagValue: string }[] | undefined): void {
  if (!tags) return;
  const seen = new Set<string>();
  for (const t of tags) {
    if (typeof t.TagKey !== 'string' || typeof t.TagValue !== 'string') throw err('TagException', 'Tags must have a TagKey and a TagValue.');
    if (t.TagKey.toLowerCase().startsWith('aws:')) throw err('TagException', `Tag keys prefixed with 'aws:' are reserved: ${t.TagKey}`);
    if (t.TagKey.length < 1 || t.TagKey.length > 128 || t.TagValue.length > 256) throw err('TagException', `Invalid tag: ${t.TagKey}`);
    if (seen.has(t.TagKey)) throw err('TagException', `Duplicate tag key in the request: ${t.TagKey}`);
    seen.add(t.TagKey);
  }
}

function mergeTags(existing: readonly TagRecord[], add: readonly { TagKey: string; TagValue: string }[]): TagRecord[] {
  const m = new Map(existing.map((t) => [t.TagKey, t.TagValue] as const));
  for (const t of add) m.set(t.TagKey, t.TagValue);
  if (m.size > KMS_LIMITS.maxTags) throw err('LimitExceededException', `A KMS key can have at most ${KMS_LIMITS.maxTags} tags.`);
  return [...m].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

function contextMatches(g: GrantRecord, ec: EncryptionContext | undefined): boolean {
  const c = g.constraints;
  if (!c) return true;
  const req = ec ?? {};
  if (c.EncryptionContextEquals) {
    const want = c.EncryptionContextEquals;
    const wk = Object.keys(want);
    if (wk.length !== Object.keys(req).length) return false;
    for (const k of wk) if (req[k] !== want[k]) return false;
  }
  if (c.EncryptionContextSubset) {
    const want = c.EncryptionContextSubset;
    for (const k of Object.keys(want)) if (req[k] !== want[k]) return false;
  }
  return true;
}

function sameContext(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i] || a?.[ka[i]!] !== b?.[kb[i]!]) return false;
  return true;
}

/**
 * A key's condition keys plus the request's. Built on first read: the default key policy reads
 * none, so most crypto calls never build it. The key record and its aliases are taken when the
 * context is created, as the eager Map did.
 */
class KeyConditionContext extends LazyConditionContext {
  private readonly rec: KeyRecord;
  /** TagResource replaces the record's tag list; the list itself is never changed in place. */
  private readonly tags: readonly TagRecord[];
  private readonly aliases: readonly string[] | undefined;
  private readonly alias: string | undefined;

  constructor(
    private readonly callerAccount: string,
    r: Resolved,
    private readonly ec: EncryptionContext | undefined,
    private readonly extra: Json | undefined,
  ) {
    super();
    this.rec = r.entry.rec;
    this.tags = r.entry.rec.tags;
    this.aliases = r.entry.aliases.size === 0 ? undefined : [...r.entry.aliases];
    this.alias = r.alias;
  }

  protected build(): Map<string, string | readonly string[]> {
    const rec = this.rec;
    const m = new Map<string, string | readonly string[]>();
    m.set('kms:calleraccount', this.callerAccount);
    m.set('kms:keyspec', rec.keySpec);
    m.set('kms:customermasterkeyspec', rec.keySpec);
    m.set('kms:keyusage', rec.keyUsage);
    m.set('kms:customermasterkeyusage', rec.keyUsage);
    m.set('kms:keyorigin', rec.origin);
    m.set('kms:multiregion', 'false');
    m.set('kms:resourcealiases', this.aliases ?? []);
    if (this.alias !== undefined) m.set('kms:requestalias', this.alias);
    for (const t of this.tags) m.set(`aws:resourcetag/${t.TagKey.toLowerCase()}`, t.TagValue);
    const ec = this.ec;
    if (ec) {
      const keys = Object.keys(ec);
      for (const k of keys) m.set(`kms:encryptioncontext:${k.toLowerCase()}`, ec[k]!);
      m.set('kms:encryptioncontextkeys', keys);
    }
    const extra = this.extra;
    if (extra) {
      for (const k of Object.keys(extra)) {
        const v = extra[k];
        if (typeof v === 'string' || Array.isArray(v)) m.set(k.toLowerCase(), v as string | string[]);
      }
    }
    return m;
  }
}

/** Creates the KMS service over `deps`. */
export function kmsService(deps: KmsServiceDeps): KmsService {
  const { kv, keystore, accountId, region } = deps;
  const clock = deps.now ?? (() => new Date());
  const store = new KmsStore(kv);
  const arnPrefix = `arn:aws:kms:${region}:${accountId}:`;
  const keyArn = (id: string): string => `${arnPrefix}key/${id}`;
  const aliasArn = (name: string): string => `${arnPrefix}${name}`;

  // ---- key resolution and state ----

  function notFoundKey(idOrArn: string): AwsError {
    return err('NotFoundException', `Key '${idOrArn.startsWith('arn:') ? idOrArn : keyArn(idOrArn)}' does not exist`);
  }

  async function resolve(input: unknown, allowAlias: boolean): Promise<Resolved> {
    await store.load();
    if (typeof input !== 'string' || input.length === 0) throw validation('KeyId is required.');
    let id = input;
    let alias: string | undefined;
    if (input.startsWith('arn:')) {
      const m = KMS_ARN.exec(input);
      if (!m) throw err('InvalidArnException', `Invalid arn ${input}`);
      if (m[4] === 'alias') {
        if (!allowAlias) throw err('NotFoundException', `Invalid keyId '${input}'`);
        if (m[2] !== region || m[3] !== accountId) throw err('NotFoundException', `Alias '${input}' is not found.`);
        alias = `alias/${m[5]}`;
      } else {
        if (m[2] !== region || m[3] !== accountId) throw notFoundKey(input);
        id = m[5]!;
      }
    } else if (input.startsWith('alias/')) {
      if (!allowAlias) throw err('NotFoundException', `Invalid keyId '${input}'`);
      alias = input;
    }
    if (alias !== undefined) {
      const a = store.aliases.get(alias);
      const entry = a && store.keys.get(a.targetKeyId);
      if (!entry) throw err('NotFoundException', `Alias '${aliasArn(alias)}' is not found.`);
      return { entry, alias };
    }
    if (!UUID.test(id)) throw err('NotFoundException', `Invalid keyId '${input}'`);
    const entry = store.keys.get(id);
    if (!entry) throw notFoundKey(id);
    return { entry };
  }

  function checkState(entry: KeyEntry, rule: StateRule): void {
    const { state, arn } = entry.rec;
    if (rule === 'any' || state === 'Enabled') return;
    if (state === 'PendingDeletion') throw err('KMSInvalidStateException', `${arn} is pending deletion.`);
    if (rule === 'notPendingDeletion') return;
    if (state === 'PendingImport') throw err('KMSInvalidStateException', `${arn} is pending import.`);
    if (rule === 'crypto' && state === 'Disabled') throw err('DisabledException', `${arn} is disabled.`);
  }

  function requireUsage(entry: KeyEntry, usage: KeyUsage, op: string): void {
    if (entry.rec.keyUsage !== usage) {
      throw err('InvalidKeyUsageException', `${entry.rec.arn} key usage is ${entry.rec.keyUsage} which is not valid for ${op}.`);
    }
  }

  function requireSymmetric(entry: KeyEntry, op: string): void {
    if (entry.rec.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw err('InvalidKeyUsageException', `${entry.rec.arn} key spec is ${entry.rec.keySpec} which is not valid for ${op}.`);
    }
  }

  function currentMaterial(entry: KeyEntry): string {
    const m = entry.rec.materials[entry.rec.materials.length - 1];
    if (!m) throw err('KMSInvalidStateException', `${entry.rec.arn} is pending import.`);
    return m.id;
  }

  function profile(rec: KeyRecord): UsageProfile {
    return SPEC_USAGES[rec.keySpec][rec.keyUsage] ?? {};
  }

  // ---- authorization ----

  function authzPrincipal(ctx: RequestContext): AuthzPrincipal {
    const p = ctx.principal;
    return { type: p.type, accountId: p.accountId, arn: p.arn, ...(p.roleArn ? { roleArn: p.roleArn } : {}) };
  }

  /** The key's condition keys plus the request's (encryption context, algorithms, ...), built when first read. */
  function keyContext(ctx: RequestContext, r: Resolved, ec: EncryptionContext | undefined, extra?: Json): Ctx {
    return new KeyConditionContext(ctx.principal.accountId, r, ec, extra);
  }

  function granteeMatches(g: GrantRecord, ctx: RequestContext): boolean {
    const p = ctx.principal;
    if (g.granteePrincipal === p.arn) return true;
    if (p.roleArn !== undefined && g.granteePrincipal === p.roleArn) return true;
    return p.type === 'Root' && (g.granteePrincipal === p.accountId || g.granteePrincipal === `arn:aws:iam::${p.accountId}:root`);
  }

  function keyPolicyDenies(ctx: RequestContext, entry: KeyEntry, action: string, context: Ctx): boolean {
    const merged = new Map(ctx.conditionContext);
    for (const [k, v] of context) merged.set(k, v);
    const d = evaluate({ identityPolicies: [], resourcePolicy: entry.policy, requireResourcePolicy: true },
      { principal: authzPrincipal(ctx), action, resource: entry.rec.arn, context: merged });
    return d.decision === 'explicitDeny';
  }

  /** A grant on the key that gives the caller `action` for this encryption context, if any. */
  function grantAllowing(ctx: RequestContext, entry: KeyEntry, action: string, ec: EncryptionContext | undefined): GrantRecord | undefined {
    const op = action.slice(4);
    for (const g of entry.grants.values()) {
      if (granteeMatches(g, ctx) && g.operations.includes(op) && contextMatches(g, ec)) return g;
    }
    return undefined;
  }

  /** Checks the grant tokens' form; our grants are effective at once, so tokens need no other use. */
  function checkGrantTokens(tokens: unknown): void {
    if (!Array.isArray(tokens)) return;
    for (const t of tokens) if (typeof t !== 'string' || !parseGrantToken(t)) throw err('InvalidGrantTokenException', 'Invalid grant token.');
  }

  /** kms:<Action> on the key: key policy (+IAM when the policy delegates), then grants. */
  async function authorizeKey(ctx: RequestContext, r: Resolved, action: string, ec?: EncryptionContext, extra?: Json, tokens?: unknown): Promise<void> {
    checkGrantTokens(tokens);
    const context = keyContext(ctx, r, ec, extra);
    ctx.addResource(r.entry.rec.arn, 'AWS::KMS::Key');
    try {
      await ctx.authorize({ action, resource: r.entry.rec.arn, resourcePolicy: r.entry.policy, requireResourcePolicy: true, context });
    } catch (e) {
      if (!isDenied(e)) throw e;
      if (grantAllowing(ctx, r.entry, action, ec) && !keyPolicyDenies(ctx, r.entry, action, context)) return;
      throw e;
    }
  }

  /** Identity-policy-only authorization for operations on no key (CreateKey, ListKeys, ...). */
  async function authorizeAccount(ctx: RequestContext, action: string, context?: Ctx): Promise<void> {
    await ctx.authorize(context ? { action, resource: '*', context } : { action, resource: '*' });
  }

  function dryRun(input: { DryRun?: boolean }): void {
    if (input.DryRun === true) throw err('DryRunOperationException', DRY_RUN_MESSAGE);
  }

  /** The lockout safety check: the new policy must let the caller call PutKeyPolicy later. */
  async function lockoutCheck(ctx: RequestContext, arn: string, policy: CompiledPolicy, rec: Pick<KeyRecord, 'keySpec' | 'keyUsage' | 'origin' | 'tags'>): Promise<void> {
    const context = new Map<string, string | readonly string[]>([
      ['kms:calleraccount', ctx.principal.accountId], ['kms:keyspec', rec.keySpec], ['kms:keyusage', rec.keyUsage],
      ['kms:keyorigin', rec.origin], ['kms:bypasspolicylockoutsafetycheck', 'false'],
    ]);
    for (const t of rec.tags) context.set(`aws:resourcetag/${t.TagKey.toLowerCase()}`, t.TagValue);
    try {
      await ctx.authorize({ action: 'kms:PutKeyPolicy', resource: arn, resourcePolicy: policy, requireResourcePolicy: true, context });
    } catch (e) {
      if (!isDenied(e)) throw e;
      throw err('MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.');
    }
  }

  function compilePolicyText(text: unknown, arn: string): CompiledPolicy {
    if (typeof text !== 'string' || text.length === 0) throw validation('Policy is required.');
    if (Buffer.byteLength(text, 'utf8') > KMS_LIMITS.maxKeyPolicyBytes) {
      throw err('LimitExceededException', `The key policy exceeds the maximum size of ${KMS_LIMITS.maxKeyPolicyBytes} bytes.`);
    }
    return compileKeyPolicy(text, arn);
  }

  // ---- responses ----

  function keyMetadata(rec: KeyRecord): Json {
    const p = profile(rec);
    const md: Json = {
      AWSAccountId: accountId,
      KeyId: rec.keyId,
      Arn: rec.arn,
      CreationDate: new Date(rec.creationDate),
      Enabled: rec.state === 'Enabled',
      Description: rec.description,
      KeyUsage: rec.keyUsage,
      KeyState: rec.state,
      Origin: rec.origin,
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: rec.keySpec,
      KeySpec: rec.keySpec,
      MultiRegion: false,
    };
    if (rec.deletionDate !== undefined) md.DeletionDate = new Date(rec.deletionDate);
    if (rec.pendingWindowInDays !== undefined) md.PendingDeletionWindowInDays = rec.pendingWindowInDays;
    if (rec.origin === 'EXTERNAL' && rec.expirationModel !== undefined) {
      md.ExpirationModel = rec.expirationModel;
      if (rec.validTo !== undefined) md.ValidTo = new Date(rec.validTo);
    }
    if (p.encryptionAlgorithms) md.EncryptionAlgorithms = [...p.encryptionAlgorithms];
    if (p.signingAlgorithms) md.SigningAlgorithms = [...p.signingAlgorithms];
    if (p.macAlgorithms) md.MacAlgorithms = [...p.macAlgorithms];
    if (p.keyAgreementAlgorithms) md.KeyAgreementAlgorithms = [...p.keyAgreementAlgorithms];
    const cur = rec.materials[rec.materials.length - 1];
    if (cur && rec.keySpec === 'SYMMETRIC_DEFAULT') md.CurrentKeyMaterialId = cur.id;
    return md;
  }

  // ---- grants ----

  function grantToken(g: GrantRecord): string {
    return Buffer.from(`${g.keyId}.${g.grantId}.${g.secret}`, 'utf8').toString('base64url');
  }

  function parseGrantToken(t: string): { keyId: string; grantId: string; secret: string } | undefined {
    const parts = Buffer.from(t, 'base64url').toString('utf8').split('.');
    if (parts.length !== 3 || !UUID.test(parts[0]!) || !GRANT_ID.test(parts[1]!) || !/^[0-9a-f]{64}$/.test(parts[2]!)) return undefined;
    return { keyId: parts[0]!, grantId: parts[1]!, secret: parts[2]! };
  }

  function grantEntry(g: GrantRecord): Json {
    const out: Json = {
      KeyId: keyArn(g.keyId),
      GrantId: g.grantId,
      CreationDate: new Date(g.creationDate),
      GranteePrincipal: g.granteePrincipal,
      IssuingAccount: g.issuingAccount,
      Operations: [...g.operations],
    };
    if (g.name !== undefined) out.Name = g.name;
    if (g.retiringPrincipal !== undefined) out.RetiringPrincipal = g.retiringPrincipal;
    if (g.constraints) out.Constraints = g.constraints;
    return out;
  }

  // ---- scheduler ----

  async function runScheduledTasks(): Promise<void> {
    await store.load();
    const now = clock().getTime();
    for (const entry of [...store.keys.values()]) {
      const rec = entry.rec;
      try {
        if (rec.state === 'PendingDeletion' && rec.deletionDate !== undefined && rec.deletionDate <= now) {
          await keystore.destroy(rec.keyId, 'key');
          await store.deleteKey(entry);
          continue;
        }
        if (rec.origin === 'EXTERNAL' && rec.validTo !== undefined && rec.validTo <= now && (rec.state === 'Enabled' || rec.state === 'Disabled')) {
          await keystore.destroy(rec.keyId);
          rec.materials = [];
          rec.state = 'PendingImport';
          delete rec.validTo;
          delete rec.expirationModel;
          await store.putKey(entry);
          continue;
        }
        if (rec.rotationEnabled && rec.state === 'Enabled' && rec.nextRotationDate !== undefined && rec.nextRotationDate <= now) {
          const id = await keystore.generate(rec.keyId, rec.keySpec);
          rec.materials.push({ id, createdAt: now, rotationType: 'AUTOMATIC' });
          rec.nextRotationDate = now + (rec.rotationPeriodInDays ?? KMS_LIMITS.defaultRotationPeriodInDays) * DAY;
          await store.putKey(entry);
        }
      } catch {
        // One key's failure must not stop the others; the next pass retries.
      }
    }
  }

  // ---- operations ----

  type H<I> = OperationHandler<I, Json | undefined>;
  const ops: Record<string, H<any>> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  const op = <I>(name: string, handler: (input: I, ctx: RequestContext) => Promise<Json | undefined>, opts: Partial<H<I>> = {}): void => {
    ops[name] = { authorization: 'handler', action: `kms:${name}`, ...opts, handler: async (i: I, c: RequestContext) => (await handler(i, c)) ?? {} };
  };
  const hidden = { hideResponse: true };

  op<{
    Policy?: string; Description?: string; KeyUsage?: string; CustomerMasterKeySpec?: string; KeySpec?: string; Origin?: string;
    CustomKeyStoreId?: string; BypassPolicyLockoutSafetyCheck?: boolean; Tags?: TagRecord[]; MultiRegion?: boolean; XksKeyId?: string;
  }>('CreateKey', async (i, ctx) => {
    await store.load();
    if (i.MultiRegion === true) throw err('UnsupportedOperationException', 'Multi-Region keys are not supported by Bulwark.');
    if (i.CustomKeyStoreId !== undefined || i.XksKeyId !== undefined) throw err('UnsupportedOperationException', 'Custom key stores are not supported by Bulwark.');
    const origin = i.Origin ?? 'AWS_KMS';
    if (origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE') throw err('UnsupportedOperationException', `Origin ${origin} is not supported by Bulwark.`);
    if (origin !== 'AWS_KMS' && origin !== 'EXTERNAL') throw validation(`Invalid Origin ${origin}`);
    if (i.KeySpec !== undefined && i.CustomerMasterKeySpec !== undefined) {
      throw validation('You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.');
    }
    const spec = i.KeySpec ?? i.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
    if (UNSUPPORTED_KEY_SPECS.has(spec)) throw err('UnsupportedOperationException', `KeySpec ${spec} is not supported by Bulwark.`);
    if (!isKmsKeySpec(spec)) throw validation(`Invalid KeySpec ${spec}`);
    const usage = (i.KeyUsage ?? 'ENCRYPT_DECRYPT') as KeyUsage;
    if (!SPEC_USAGES[spec][usage]) throw validation(`KeySpec ${spec} is not compatible with KeyUsage ${usage}`);
    checkTags(i.Tags);
    const tags = mergeTags([], i.Tags ?? []);
    const context = new Map<string, string | readonly string[]>([
      ['kms:keyspec', spec], ['kms:customermasterkeyspec', spec], ['kms:keyusage', usage], ['kms:customermasterkeyusage', usage],
      ['kms:keyorigin', origin], ['kms:multiregion', 'false'], ['kms:calleraccount', ctx.principal.accountId],
      ['kms:bypasspolicylockoutsafetycheck', i.BypassPolicyLockoutSafetyCheck === true ? 'true' : 'false'],
    ]);
    await authorizeAccount(ctx, 'kms:CreateKey', context);
    const keyId = randomUUID();
    const arn = keyArn(keyId);
    const text = i.Policy ?? defaultKeyPolicy(accountId);
    const policy = compilePolicyText(text, arn);
    if (i.Policy !== undefined && i.BypassPolicyLockoutSafetyCheck !== true) {
      await lockoutCheck(ctx, arn, policy, { keySpec: spec, keyUsage: usage, origin, tags });
    }
    const now = ctx.now.getTime();
    const rec: KeyRecord = {
      keyId, arn, creationDate: now, state: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled', description: i.Description ?? '',
      keySpec: spec, keyUsage: usage, origin, materials: [], rotationEnabled: false, onDemandRotations: 0, policy: text, tags,
    };
    if (origin === 'AWS_KMS') rec.materials.push({ id: await keystore.generate(keyId, spec), createdAt: now });
    await store.putKey({ rec, policy, aliases: new Set(), grants: new Map() });
    ctx.addResource(arn, 'AWS::KMS::Key');
    return { KeyMetadata: keyMetadata(rec) };
  }, { readOnly: false });

  op<{ KeyId: string; GrantTokens?: string[] }>('DescribeKey', async (i, ctx) => {
    const r = await resolve(i.KeyId, true);
    await authorizeKey(ctx, r, 'kms:DescribeKey', undefined, undefined, i.GrantTokens);
    return { KeyMetadata: keyMetadata(r.entry.rec) };
  });

  op<{ Limit?: number; Marker?: string }>('ListKeys', async (i, ctx) => {
    await store.load();
    await authorizeAccount(ctx, 'kms:ListKeys');
    const ids = [...store.keys.keys()].sort();
    const p = page(ids, (x) => x, i.Limit, i.Marker, 100, 1000);
    return listResult('Keys', { items: p.items.map((id) => ({ KeyId: id, KeyArn: keyArn(id) })), ...(p.next ? { next: p.next } : {}) });
  });

  op<{ KeyId: string }>('EnableKey', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:EnableKey');
    checkState(r.entry, 'enableDisable');
    if (r.entry.rec.state !== 'Enabled') {
      r.entry.rec.state = 'Enabled';
      await store.putKey(r.entry);
    }
    return undefined;
  });

  op<{ KeyId: string }>('DisableKey', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:DisableKey');
    checkState(r.entry, 'enableDisable');
    if (r.entry.rec.state !== 'Disabled') {
      r.entry.rec.state = 'Disabled';
      await store.putKey(r.entry);
    }
    return undefined;
  });

  op<{ KeyId: string; PendingWindowInDays?: number }>('ScheduleKeyDeletion', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    const days = i.PendingWindowInDays ?? KMS_LIMITS.defaultPendingWindowInDays;
    await authorizeKey(ctx, r, 'kms:ScheduleKeyDeletion', undefined, { 'kms:ScheduleKeyDeletionPendingWindowInDays': String(days) });
    if (!Number.isInteger(days) || days < KMS_LIMITS.minPendingWindowInDays || days > KMS_LIMITS.maxPendingWindowInDays) {
      throw validation(`PendingWindowInDays value ${days} is invalid. It must be between ${KMS_LIMITS.minPendingWindowInDays} and ${KMS_LIMITS.maxPendingWindowInDays}.`);
    }
    checkState(r.entry, 'notPendingDeletion');
    const rec = r.entry.rec;
    rec.state = 'PendingDeletion';
    rec.deletionDate = ctx.now.getTime() + days * DAY;
    rec.pendingWindowInDays = days;
    await store.putKey(r.entry);
    return { KeyId: rec.arn, DeletionDate: new Date(rec.deletionDate), KeyState: 'PendingDeletion', PendingWindowInDays: days };
  });

  op<{ KeyId: string }>('CancelKeyDeletion', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:CancelKeyDeletion');
    const rec = r.entry.rec;
    if (rec.state !== 'PendingDeletion') throw err('KMSInvalidStateException', `${rec.arn} is not pending deletion.`);
    // AWS leaves a key whose deletion was canceled Disabled (PendingImport when it has no material).
    rec.state = rec.materials.length > 0 ? 'Disabled' : 'PendingImport';
    delete rec.deletionDate;
    delete rec.pendingWindowInDays;
    await store.putKey(r.entry);
    return { KeyId: rec.arn };
  });

  op<{ KeyId: string; Description: string }>('UpdateKeyDescription', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:UpdateKeyDescription');
    checkState(r.entry, 'notPendingDeletion');
    r.entry.rec.description = i.Description ?? '';
    await store.putKey(r.entry);
    return undefined;
  });

  // -- aliases --

  function checkAliasName(name: unknown): string {
    if (typeof name !== 'string' || !name.startsWith('alias/') || name.length > 256 || !ALIAS_NAME.test(name)) {
      throw err('InvalidAliasNameException', `Alias must start with the prefix "alias/" and contain only alphanumeric characters, '/', '_', '-' or ':'.`);
    }
    if (name.startsWith('alias/aws/')) throw err('InvalidAliasNameException', `Alias ${name} must not begin with alias/aws/, which is reserved for AWS managed keys.`);
    return name;
  }

  op<{ AliasName: string; TargetKeyId: string }>('CreateAlias', async (i, ctx) => {
    const name = checkAliasName(i.AliasName);
    const r = await resolve(i.TargetKeyId, false);
    await ctx.authorize({ action: 'kms:CreateAlias', resource: aliasArn(name) });
    await authorizeKey(ctx, r, 'kms:CreateAlias');
    checkState(r.entry, 'notPendingDeletion');
    if (store.aliases.has(name)) throw err('AlreadyExistsException', `An alias with the name ${aliasArn(name)} already exists`);
    if (r.entry.aliases.size >= KMS_LIMITS.maxAliasesPerKey) throw err('LimitExceededException', `A KMS key can have at most ${KMS_LIMITS.maxAliasesPerKey} aliases.`);
    const now = ctx.now.getTime();
    await store.putAlias({ name, targetKeyId: r.entry.rec.keyId, creationDate: now, lastUpdatedDate: now });
    ctx.addResource(aliasArn(name), 'AWS::KMS::Alias');
    return undefined;
  }, { readOnly: false });

  op<{ AliasName: string; TargetKeyId: string }>('UpdateAlias', async (i, ctx) => {
    await store.load();
    const name = checkAliasName(i.AliasName);
    const a = store.aliases.get(name);
    const old = a && store.keys.get(a.targetKeyId);
    if (!a || !old) throw err('NotFoundException', `Alias '${aliasArn(name)}' is not found.`);
    const r = await resolve(i.TargetKeyId, false);
    await ctx.authorize({ action: 'kms:UpdateAlias', resource: aliasArn(name) });
    await authorizeKey(ctx, { entry: old }, 'kms:UpdateAlias');
    await authorizeKey(ctx, r, 'kms:UpdateAlias');
    checkState(r.entry, 'notPendingDeletion');
    const o = old.rec;
    const n = r.entry.rec;
    const kind = (x: KeyRecord): string => (x.keySpec === 'SYMMETRIC_DEFAULT' ? 'SYMMETRIC' : x.keySpec.startsWith('HMAC') ? 'HMAC' : 'ASYMMETRIC');
    if (kind(o) !== kind(n) || o.keyUsage !== n.keyUsage) {
      throw validation(`${n.arn} is not the same key type and key usage as the current target of ${name}.`);
    }
    if (r.entry.aliases.size >= KMS_LIMITS.maxAliasesPerKey && a.targetKeyId !== n.keyId) {
      throw err('LimitExceededException', `A KMS key can have at most ${KMS_LIMITS.maxAliasesPerKey} aliases.`);
    }
    await store.putAlias({ ...a, targetKeyId: n.keyId, lastUpdatedDate: ctx.now.getTime() });
    ctx.addResource(aliasArn(name), 'AWS::KMS::Alias');
    return undefined;
  });

  op<{ AliasName: string }>('DeleteAlias', async (i, ctx) => {
    await store.load();
    const name = typeof i.AliasName === 'string' ? i.AliasName : '';
    const a = store.aliases.get(name);
    const entry = a && store.keys.get(a.targetKeyId);
    if (!a || !entry) throw err('NotFoundException', `Alias '${aliasArn(name)}' is not found.`);
    await ctx.authorize({ action: 'kms:DeleteAlias', resource: aliasArn(name) });
    await authorizeKey(ctx, { entry }, 'kms:DeleteAlias');
    await store.deleteAlias(name);
    ctx.addResource(aliasArn(name), 'AWS::KMS::Alias');
    return undefined;
  });

  op<{ KeyId?: string; Limit?: number; Marker?: string }>('ListAliases', async (i, ctx) => {
    await store.load();
    let names: string[];
    if (i.KeyId !== undefined) {
      const r = await resolve(i.KeyId, false);
      await authorizeKey(ctx, r, 'kms:ListAliases');
      names = [...r.entry.aliases].sort();
    } else {
      await authorizeAccount(ctx, 'kms:ListAliases');
      names = [...store.aliases.keys()].sort();
    }
    const p = page(names, (x) => x, i.Limit, i.Marker, 50, 100);
    const items = p.items.map((n) => {
      const a = store.aliases.get(n)!;
      return { AliasName: n, AliasArn: aliasArn(n), TargetKeyId: a.targetKeyId, CreationDate: new Date(a.creationDate), LastUpdatedDate: new Date(a.lastUpdatedDate) };
    });
    return listResult('Aliases', { items, ...(p.next ? { next: p.next } : {}) });
  });

  // -- symmetric and asymmetric encryption --

  function checkEncryptionAlgorithm(entry: KeyEntry, alg: string | undefined, ec: EncryptionContext | undefined): string {
    const rec = entry.rec;
    if (rec.keySpec === 'SYMMETRIC_DEFAULT') {
      const a = alg ?? 'SYMMETRIC_DEFAULT';
      if (a !== 'SYMMETRIC_DEFAULT') throw err('InvalidKeyUsageException', `Encryption algorithm ${a} is not valid for ${rec.arn}, a SYMMETRIC_DEFAULT key.`);
      return a;
    }
    if (alg === undefined) throw validation(`An EncryptionAlgorithm is required for asymmetric KMS key ${rec.arn}.`);
    if (!(profile(rec).encryptionAlgorithms ?? []).includes(alg)) {
      throw err('InvalidKeyUsageException', `Encryption algorithm ${alg} is not valid for ${rec.arn} with key spec ${rec.keySpec}.`);
    }
    if (ec !== undefined && Object.keys(ec).length > 0) throw validation('EncryptionContext is not supported for asymmetric KMS keys.');
    return alg;
  }

  /** Encrypts under `entry` (the key is already authorized and in a usable state). */
  async function encryptWith(entry: KeyEntry, alg: string, plaintext: Buffer, ec: EncryptionContext | undefined): Promise<{ blob: Buffer; materialId: string }> {
    const rec = entry.rec;
    const materialId = currentMaterial(entry);
    if (alg === 'SYMMETRIC_DEFAULT') {
      if (plaintext.length < 1 || plaintext.length > KMS_LIMITS.maxPlaintext) throw validation(`Plaintext must be between 1 and ${KMS_LIMITS.maxPlaintext} bytes.`);
      return { blob: await keystore.encrypt(rec.keyId, materialId, plaintext, ec), materialId };
    }
    const max = RSA_OAEP_MAX_PLAINTEXT[rec.keySpec]?.[alg];
    if (max === undefined || plaintext.length > max) {
      throw validation(`Plaintext length ${plaintext.length} exceeds the maximum of ${max ?? 0} bytes for ${alg} with ${rec.keySpec}.`);
    }
    return { blob: await keystore.asymmetricEncrypt(rec.keyId, materialId, alg, plaintext), materialId };
  }

  op<{ KeyId: string; Plaintext: Buffer; EncryptionContext?: EncryptionContext; GrantTokens?: string[]; EncryptionAlgorithm?: string; DryRun?: boolean }>(
    'Encrypt', async (i, ctx) => {
      const r = await resolve(i.KeyId, true);
      const alg = i.EncryptionAlgorithm ?? (r.entry.rec.keySpec === 'SYMMETRIC_DEFAULT' ? 'SYMMETRIC_DEFAULT' : undefined);
      await authorizeKey(ctx, r, 'kms:Encrypt', i.EncryptionContext, alg ? { 'kms:EncryptionAlgorithm': alg } : undefined, i.GrantTokens);
      checkState(r.entry, 'crypto');
      requireUsage(r.entry, 'ENCRYPT_DECRYPT', 'Encrypt');
      const a = checkEncryptionAlgorithm(r.entry, i.EncryptionAlgorithm, i.EncryptionContext);
      if (!Buffer.isBuffer(i.Plaintext)) throw validation('Plaintext is required.');
      if (i.DryRun === true) {
        if (a === 'SYMMETRIC_DEFAULT' && (i.Plaintext.length < 1 || i.Plaintext.length > KMS_LIMITS.maxPlaintext)) throw validation(`Plaintext must be between 1 and ${KMS_LIMITS.maxPlaintext} bytes.`);
        dryRun(i);
      }
      const { blob } = await encryptWith(r.entry, a, i.Plaintext, i.EncryptionContext);
      return { CiphertextBlob: blob, KeyId: r.entry.rec.arn, EncryptionAlgorithm: a };
    }, hidden);

  /** Finds the key of a ciphertext, checks it against an optional KeyId, and decrypts. */
  async function decryptBlob(ctx: RequestContext, blob: unknown, keyIdIn: string | undefined, alg: string | undefined, ec: EncryptionContext | undefined,
    action: string, tokens: unknown, extra: Json | undefined, ignoreCiphertext: boolean, dry: boolean):
    Promise<{ entry: KeyEntry; plaintext?: Buffer; materialId?: string; alg: string }> {
    await store.load();
    if (!Buffer.isBuffer(blob) || blob.length === 0) throw validation('CiphertextBlob is required.');
    let requested: Resolved | undefined;
    if (keyIdIn !== undefined) requested = await resolve(keyIdIn, true);
    const asym = requested !== undefined && requested.entry.rec.keySpec !== 'SYMMETRIC_DEFAULT';
    let r: Resolved;
    if (asym || (ignoreCiphertext && requested)) {
      r = requested!;
    } else {
      let header: { keyId: string; materialId: string };
      try {
        header = keystore.inspectCiphertext(blob);
      } catch (e) {
        if (isAwsError(e)) throw e;
        throw err('InvalidCiphertextException', '');
      }
      const entry = store.keys.get(header.keyId);
      if (requested && requested.entry.rec.keyId !== header.keyId) {
        throw err('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.');
      }
      // A header naming a key this store never had is as good as random bytes (an RSA ciphertext
      // starts with the version byte one time in 256): InvalidCiphertextException, as AWS answers.
      if (!entry) throw store.deleted.has(header.keyId) ? notFoundKey(header.keyId) : err('InvalidCiphertextException', '');
      r = requested ?? { entry };
    }
    const rec = r.entry.rec;
    const a = alg ?? (rec.keySpec === 'SYMMETRIC_DEFAULT' ? 'SYMMETRIC_DEFAULT' : undefined);
    await authorizeKey(ctx, r, action, ec, { ...extra, ...(a ? { 'kms:EncryptionAlgorithm': a } : {}) }, tokens);
    checkState(r.entry, 'crypto');
    requireUsage(r.entry, 'ENCRYPT_DECRYPT', action.slice(4));
    const used = checkEncryptionAlgorithm(r.entry, alg, ec);
    if (dry && ignoreCiphertext) return { entry: r.entry, alg: used };
    if (used === 'SYMMETRIC_DEFAULT') {
      const out = await keystore.decrypt(blob, ec);
      return { entry: r.entry, plaintext: out.plaintext, materialId: out.materialId, alg: used };
    }
    let plaintext: Buffer;
    try {
      plaintext = await keystore.asymmetricDecrypt(rec.keyId, currentMaterial(r.entry), used, blob);
    } catch (e) {
      if (isAwsError(e)) throw e;
      throw err('InvalidCiphertextException', '');
    }
    return { entry: r.entry, plaintext, materialId: currentMaterial(r.entry), alg: used };
  }

  op<{ CiphertextBlob: Buffer; EncryptionContext?: EncryptionContext; GrantTokens?: string[]; KeyId?: string; EncryptionAlgorithm?: string;
    DryRun?: boolean; DryRunModifiers?: string[]; Recipient?: unknown }>('Decrypt', async (i, ctx) => {
    if (i.Recipient !== undefined) throw err('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Bulwark.');
    const ignore = i.DryRun === true && (i.DryRunModifiers ?? []).includes('IGNORE_CIPHERTEXT');
    const out = await decryptBlob(ctx, i.CiphertextBlob, i.KeyId, i.EncryptionAlgorithm, i.EncryptionContext, 'kms:Decrypt', i.GrantTokens, undefined, ignore, i.DryRun === true);
    if (i.DryRun === true) {
      out.plaintext?.fill(0);
      dryRun(i);
    }
    const res: Json = { KeyId: out.entry.rec.arn, Plaintext: out.plaintext, EncryptionAlgorithm: out.alg };
    if (out.alg === 'SYMMETRIC_DEFAULT' && out.materialId) res.KeyMaterialId = out.materialId;
    return res;
  }, hidden);

  op<{ CiphertextBlob: Buffer; SourceEncryptionContext?: EncryptionContext; SourceKeyId?: string; DestinationKeyId: string;
    DestinationEncryptionContext?: EncryptionContext; SourceEncryptionAlgorithm?: string; DestinationEncryptionAlgorithm?: string;
    GrantTokens?: string[]; DryRun?: boolean; DryRunModifiers?: string[] }>('ReEncrypt', async (i, ctx) => {
    const dest = await resolve(i.DestinationKeyId, true);
    const ignore = i.DryRun === true && (i.DryRunModifiers ?? []).includes('IGNORE_CIPHERTEXT');
    const src = await decryptBlob(ctx, i.CiphertextBlob, i.SourceKeyId, i.SourceEncryptionAlgorithm, i.SourceEncryptionContext, 'kms:ReEncryptFrom',
      i.GrantTokens, undefined, ignore, i.DryRun === true);
    const same = src.entry.rec.keyId === dest.entry.rec.keyId ? 'true' : 'false';
    const dalg = i.DestinationEncryptionAlgorithm ?? (dest.entry.rec.keySpec === 'SYMMETRIC_DEFAULT' ? 'SYMMETRIC_DEFAULT' : undefined);
    try {
      await authorizeKey(ctx, dest, 'kms:ReEncryptTo', i.DestinationEncryptionContext,
        { 'kms:ReEncryptOnSameKey': same, ...(dalg ? { 'kms:EncryptionAlgorithm': dalg } : {}) }, i.GrantTokens);
      checkState(dest.entry, 'crypto');
      requireUsage(dest.entry, 'ENCRYPT_DECRYPT', 'ReEncrypt');
      const a = checkEncryptionAlgorithm(dest.entry, i.DestinationEncryptionAlgorithm, i.DestinationEncryptionContext);
      dryRun(i);
      const { blob, materialId } = await encryptWith(dest.entry, a, src.plaintext!, i.DestinationEncryptionContext);
      const res: Json = {
        CiphertextBlob: blob, SourceKeyId: src.entry.rec.arn, KeyId: dest.entry.rec.arn,
        SourceEncryptionAlgorithm: src.alg, DestinationEncryptionAlgorithm: a,
      };
      if (src.alg === 'SYMMETRIC_DEFAULT' && src.materialId) res.SourceKeyMaterialId = src.materialId;
      if (a === 'SYMMETRIC_DEFAULT') res.DestinationKeyMaterialId = materialId;
      return res;
    } finally {
      src.plaintext?.fill(0);
    }
  }, hidden);

  // -- data keys --

  async function dataKey(i: { KeyId: string; EncryptionContext?: EncryptionContext; NumberOfBytes?: number; KeySpec?: string; GrantTokens?: string[]; DryRun?: boolean },
    ctx: RequestContext, action: string, withPlaintext: boolean): Promise<Json> {
    const r = await resolve(i.KeyId, true);
    await authorizeKey(ctx, r, action, i.EncryptionContext, undefined, i.GrantTokens);
    checkState(r.entry, 'crypto');
    requireUsage(r.entry, 'ENCRYPT_DECRYPT', action.slice(4));
    requireSymmetric(r.entry, action.slice(4));
    if (i.NumberOfBytes !== undefined && i.KeySpec !== undefined) throw validation('Please specify either number of bytes or key spec, not both.');
    let n: number;
    if (i.KeySpec !== undefined) {
      if (i.KeySpec !== 'AES_256' && i.KeySpec !== 'AES_128') throw validation(`Invalid KeySpec ${i.KeySpec}`);
      n = i.KeySpec === 'AES_256' ? 32 : 16;
    } else if (i.NumberOfBytes !== undefined) {
      n = i.NumberOfBytes;
      if (!Number.isInteger(n) || n < 1 || n > KMS_LIMITS.maxDataKeyBytes) throw validation(`NumberOfBytes must be between 1 and ${KMS_LIMITS.maxDataKeyBytes}.`);
    } else {
      throw validation('Please specify either number of bytes or key spec.');
    }
    dryRun(i);
    const plaintext = KeyStore.randomBytes(n);
    const { blob, materialId } = await encryptWith(r.entry, 'SYMMETRIC_DEFAULT', plaintext, i.EncryptionContext);
    const res: Json = { CiphertextBlob: blob, KeyId: r.entry.rec.arn, KeyMaterialId: materialId };
    if (withPlaintext) res.Plaintext = plaintext;
    else plaintext.fill(0);
    return res;
  }

  op<{ KeyId: string; EncryptionContext?: EncryptionContext; NumberOfBytes?: number; KeySpec?: string; GrantTokens?: string[]; DryRun?: boolean; Recipient?: unknown }>(
    'GenerateDataKey', async (i, ctx) => {
      if (i.Recipient !== undefined) throw err('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Bulwark.');
      return dataKey(i, ctx, 'kms:GenerateDataKey', true);
    }, hidden);
  op<{ KeyId: string; EncryptionContext?: EncryptionContext; NumberOfBytes?: number; KeySpec?: string; GrantTokens?: string[]; DryRun?: boolean }>(
    'GenerateDataKeyWithoutPlaintext', (i, ctx) => dataKey(i, ctx, 'kms:GenerateDataKeyWithoutPlaintext', false), hidden);

  async function dataKeyPair(i: { KeyId: string; KeyPairSpec: string; EncryptionContext?: EncryptionContext; GrantTokens?: string[]; DryRun?: boolean },
    ctx: RequestContext, action: string, withPlaintext: boolean): Promise<Json> {
    const r = await resolve(i.KeyId, true);
    await authorizeKey(ctx, r, action, i.EncryptionContext, { 'kms:DataKeyPairSpec': i.KeyPairSpec }, i.GrantTokens);
    checkState(r.entry, 'crypto');
    requireUsage(r.entry, 'ENCRYPT_DECRYPT', action.slice(4));
    requireSymmetric(r.entry, action.slice(4));
    if (i.KeyPairSpec === 'SM2') throw err('UnsupportedOperationException', 'KeyPairSpec SM2 is not supported by Bulwark.');
    if (!DATA_KEY_PAIR_SPECS.has(i.KeyPairSpec)) throw validation(`Invalid KeyPairSpec ${String(i.KeyPairSpec)}`);
    dryRun(i);
    const pair = await KeyStore.generateDataKeyPairAsync(i.KeyPairSpec as DataKeyPairSpec);
    try {
      const materialId = currentMaterial(r.entry);
      const blob = await keystore.encrypt(r.entry.rec.keyId, materialId, pair.privateKeyDer, i.EncryptionContext);
      const res: Json = { PrivateKeyCiphertextBlob: blob, PublicKey: pair.publicKeyDer, KeyId: r.entry.rec.arn, KeyPairSpec: i.KeyPairSpec, KeyMaterialId: materialId };
      if (withPlaintext) res.PrivateKeyPlaintext = Buffer.from(pair.privateKeyDer);
      return res;
    } finally {
      pair.privateKeyDer.fill(0);
    }
  }

  op<{ KeyId: string; KeyPairSpec: string; EncryptionContext?: EncryptionContext; GrantTokens?: string[]; DryRun?: boolean; Recipient?: unknown }>(
    'GenerateDataKeyPair', async (i, ctx) => {
      if (i.Recipient !== undefined) throw err('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Bulwark.');
      return dataKeyPair(i, ctx, 'kms:GenerateDataKeyPair', true);
    }, hidden);
  op<{ KeyId: string; KeyPairSpec: string; EncryptionContext?: EncryptionContext; GrantTokens?: string[]; DryRun?: boolean }>(
    'GenerateDataKeyPairWithoutPlaintext', (i, ctx) => dataKeyPair(i, ctx, 'kms:GenerateDataKeyPairWithoutPlaintext', false), hidden);

  op<{ NumberOfBytes?: number; CustomKeyStoreId?: string; Recipient?: unknown }>('GenerateRandom', async (i, ctx) => {
    if (i.CustomKeyStoreId !== undefined) throw err('UnsupportedOperationException', 'Custom key stores are not supported by Bulwark.');
    if (i.Recipient !== undefined) throw err('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Bulwark.');
    await authorizeAccount(ctx, 'kms:GenerateRandom');
    const n = i.NumberOfBytes;
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > KMS_LIMITS.maxDataKeyBytes) throw validation(`NumberOfBytes must be between 1 and ${KMS_LIMITS.maxDataKeyBytes}.`);
    return { Plaintext: KeyStore.randomBytes(n) };
  }, hidden);

  // -- signing, MACs, key agreement, public keys --

  function checkSigning(entry: KeyEntry, alg: string, message: unknown, messageType: string): Buffer {
    requireUsage(entry, 'SIGN_VERIFY', 'Sign/Verify');
    if (!(profile(entry.rec).signingAlgorithms ?? []).includes(alg)) {
      throw err('InvalidKeyUsageException', `Signing algorithm ${alg} is not valid for ${entry.rec.arn} with key spec ${entry.rec.keySpec}.`);
    }
    if (!Buffer.isBuffer(message) || message.length < 1 || message.length > KMS_LIMITS.maxPlaintext) throw validation(`Message must be between 1 and ${KMS_LIMITS.maxPlaintext} bytes.`);
    if (messageType !== 'RAW' && messageType !== 'DIGEST') {
      throw validation(`MessageType ${messageType} is not supported for signing algorithm ${alg}.`);
    }
    if (messageType === 'DIGEST') {
      const len = DIGEST_LENGTH[alg];
      if (len === undefined) throw validation(`Signing algorithm ${alg} does not support MessageType DIGEST.`);
      if (message.length !== len) throw validation(`Digest is invalid length for algorithm ${alg}.`);
    }
    return message;
  }

  op<{ KeyId: string; Message: Buffer; MessageType?: string; SigningAlgorithm: string; GrantTokens?: string[]; DryRun?: boolean }>('Sign', async (i, ctx) => {
    const r = await resolve(i.KeyId, true);
    const mt = i.MessageType ?? 'RAW';
    await authorizeKey(ctx, r, 'kms:Sign', undefined, { 'kms:SigningAlgorithm': i.SigningAlgorithm, 'kms:MessageType': mt }, i.GrantTokens);
    checkState(r.entry, 'crypto');
    const msg = checkSigning(r.entry, i.SigningAlgorithm, i.Message, mt);
    dryRun(i);
    const sig = await keystore.sign(r.entry.rec.keyId, currentMaterial(r.entry), i.SigningAlgorithm, msg, mt as 'RAW' | 'DIGEST');
    return { KeyId: r.entry.rec.arn, Signature: sig, SigningAlgorithm: i.SigningAlgorithm };
  }, hidden);

  op<{ KeyId: string; Message: Buffer; MessageType?: string; Signature: Buffer; SigningAlgorithm: string; GrantTokens?: string[]; DryRun?: boolean }>(
    'Verify', async (i, ctx) => {
      const r = await resolve(i.KeyId, true);
      const mt = i.MessageType ?? 'RAW';
      await authorizeKey(ctx, r, 'kms:Verify', undefined, { 'kms:SigningAlgorithm': i.SigningAlgorithm, 'kms:MessageType': mt }, i.GrantTokens);
      checkState(r.entry, 'crypto');
      const msg = checkSigning(r.entry, i.SigningAlgorithm, i.Message, mt);
      if (!Buffer.isBuffer(i.Signature) || i.Signature.length === 0) throw validation('Signature is required.');
      dryRun(i);
      let ok: boolean;
      try {
        ok = await keystore.verify(r.entry.rec.keyId, currentMaterial(r.entry), i.SigningAlgorithm, msg, mt as 'RAW' | 'DIGEST', i.Signature);
      } catch (e) {
        if (isAwsError(e)) throw e;
        ok = false;
      }
      if (!ok) throw err('KMSInvalidSignatureException', '');
      return { KeyId: r.entry.rec.arn, SignatureValid: true, SigningAlgorithm: i.SigningAlgorithm };
    });

  function checkMac(entry: KeyEntry, alg: string, message: unknown): Buffer {
    requireUsage(entry, 'GENERATE_VERIFY_MAC', 'GenerateMac/VerifyMac');
    if (!(profile(entry.rec).macAlgorithms ?? []).includes(alg)) {
      throw err('InvalidKeyUsageException', `MAC algorithm ${alg} is not valid for ${entry.rec.arn} with key spec ${entry.rec.keySpec}.`);
    }
    if (!Buffer.isBuffer(message) || message.length < 1 || message.length > KMS_LIMITS.maxPlaintext) throw validation(`Message must be between 1 and ${KMS_LIMITS.maxPlaintext} bytes.`);
    return message;
  }

  op<{ KeyId: string; Message: Buffer; MacAlgorithm: string; GrantTokens?: string[]; DryRun?: boolean }>('GenerateMac', async (i, ctx) => {
    const r = await resolve(i.KeyId, true);
    await authorizeKey(ctx, r, 'kms:GenerateMac', undefined, { 'kms:MacAlgorithm': i.MacAlgorithm }, i.GrantTokens);
    checkState(r.entry, 'crypto');
    const msg = checkMac(r.entry, i.MacAlgorithm, i.Message);
    dryRun(i);
    const mac = await keystore.generateMac(r.entry.rec.keyId, currentMaterial(r.entry), i.MacAlgorithm, msg);
    return { KeyId: r.entry.rec.arn, Mac: mac, MacAlgorithm: i.MacAlgorithm };
  }, hidden);

  op<{ KeyId: string; Message: Buffer; Mac: Buffer; MacAlgorithm: string; GrantTokens?: string[]; DryRun?: boolean }>('VerifyMac', async (i, ctx) => {
    const r = await resolve(i.KeyId, true);
    await authorizeKey(ctx, r, 'kms:VerifyMac', undefined, { 'kms:MacAlgorithm': i.MacAlgorithm }, i.GrantTokens);
    checkState(r.entry, 'crypto');
    const msg = checkMac(r.entry, i.MacAlgorithm, i.Message);
    if (!Buffer.isBuffer(i.Mac) || i.Mac.length === 0) throw validation('Mac is required.');
    dryRun(i);
    const ok = await keystore.verifyMac(r.entry.rec.keyId, currentMaterial(r.entry), i.MacAlgorithm, msg, i.Mac);
    if (!ok) throw err('KMSInvalidMacException', '');
    return { KeyId: r.entry.rec.arn, MacValid: true, MacAlgorithm: i.MacAlgorithm };
  });

  op<{ KeyId: string; KeyAgreementAlgorithm: string; PublicKey: Buffer; GrantTokens?: string[]; DryRun?: boolean; Recipient?: unknown }>(
    'DeriveSharedSecret', async (i, ctx) => {
      if (i.Recipient !== undefined) throw err('UnsupportedOperationException', 'Recipient (Nitro Enclaves attestation) is not supported by Bulwark.');
      const r = await resolve(i.KeyId, true);
      await authorizeKey(ctx, r, 'kms:DeriveSharedSecret', undefined, { 'kms:KeyAgreementAlgorithm': i.KeyAgreementAlgorithm }, i.GrantTokens);
      checkState(r.entry, 'crypto');
      requireUsage(r.entry, 'KEY_AGREEMENT', 'DeriveSharedSecret');
      if (i.KeyAgreementAlgorithm !== 'ECDH') throw err('InvalidKeyUsageException', `Key agreement algorithm ${i.KeyAgreementAlgorithm} is not valid for ${r.entry.rec.arn}.`);
      if (!Buffer.isBuffer(i.PublicKey) || i.PublicKey.length === 0) throw validation('PublicKey is required.');
      dryRun(i);
      const secret = await keystore.deriveSharedSecret(r.entry.rec.keyId, currentMaterial(r.entry), i.PublicKey);
      return { KeyId: r.entry.rec.arn, SharedSecret: secret, KeyAgreementAlgorithm: 'ECDH', KeyOrigin: r.entry.rec.origin };
    }, hidden);

  op<{ KeyId: string; GrantTokens?: string[] }>('GetPublicKey', async (i, ctx) => {
    const r = await resolve(i.KeyId, true);
    await authorizeKey(ctx, r, 'kms:GetPublicKey', undefined, undefined, i.GrantTokens);
    checkState(r.entry, 'crypto');
    const rec = r.entry.rec;
    if (rec.keySpec === 'SYMMETRIC_DEFAULT' || rec.keyUsage === 'GENERATE_VERIFY_MAC') {
      throw err('UnsupportedOperationException', `${rec.arn} key spec is ${rec.keySpec}, which has no public key.`);
    }
    const pub = await keystore.getPublicKey(rec.keyId, currentMaterial(r.entry));
    const p = profile(rec);
    const res: Json = { KeyId: rec.arn, PublicKey: pub, CustomerMasterKeySpec: rec.keySpec, KeySpec: rec.keySpec, KeyUsage: rec.keyUsage };
    if (p.encryptionAlgorithms) res.EncryptionAlgorithms = [...p.encryptionAlgorithms];
    if (p.signingAlgorithms) res.SigningAlgorithms = [...p.signingAlgorithms];
    if (p.keyAgreementAlgorithms) res.KeyAgreementAlgorithms = [...p.keyAgreementAlgorithms];
    return res;
  });

  // -- rotation --

  function checkRotatable(entry: KeyEntry): void {
    const rec = entry.rec;
    if (rec.origin === 'EXTERNAL') throw err('UnsupportedOperationException', `${rec.arn} origin is EXTERNAL which is not valid for this operation.`);
    if (rec.keySpec !== 'SYMMETRIC_DEFAULT') throw err('UnsupportedOperationException', `${rec.arn} key spec is ${rec.keySpec}, which does not support automatic or on-demand rotation.`);
  }

  op<{ KeyId: string; RotationPeriodInDays?: number }>('EnableKeyRotation', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    const days = i.RotationPeriodInDays ?? KMS_LIMITS.defaultRotationPeriodInDays;
    await authorizeKey(ctx, r, 'kms:EnableKeyRotation', undefined, { 'kms:RotationPeriodInDays': String(days) });
    if (!Number.isInteger(days) || days < KMS_LIMITS.minRotationPeriodInDays || days > KMS_LIMITS.maxRotationPeriodInDays) {
      throw validation(`RotationPeriodInDays must be between ${KMS_LIMITS.minRotationPeriodInDays} and ${KMS_LIMITS.maxRotationPeriodInDays}.`);
    }
    checkRotatable(r.entry);
    checkState(r.entry, 'crypto');
    const rec = r.entry.rec;
    // Re-enabling with the same period keeps the schedule; a new period restarts it from now.
    if (!rec.rotationEnabled || rec.rotationPeriodInDays !== days || rec.nextRotationDate === undefined) {
      rec.nextRotationDate = ctx.now.getTime() + days * DAY;
    }
    rec.rotationEnabled = true;
    rec.rotationPeriodInDays = days;
    await store.putKey(r.entry);
    return undefined;
  });

  op<{ KeyId: string }>('DisableKeyRotation', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:DisableKeyRotation');
    checkRotatable(r.entry);
    checkState(r.entry, 'crypto');
    const rec = r.entry.rec;
    rec.rotationEnabled = false;
    delete rec.nextRotationDate;
    await store.putKey(r.entry);
    return undefined;
  });

  op<{ KeyId: string }>('GetKeyRotationStatus', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:GetKeyRotationStatus');
    checkRotatable(r.entry);
    const rec = r.entry.rec;
    const res: Json = { KeyId: rec.keyId, KeyRotationEnabled: rec.rotationEnabled };
    if (rec.rotationEnabled) {
      if (rec.rotationPeriodInDays !== undefined) res.RotationPeriodInDays = rec.rotationPeriodInDays;
      if (rec.nextRotationDate !== undefined) res.NextRotationDate = new Date(rec.nextRotationDate);
    }
    return res;
  });

  op<{ KeyId: string }>('RotateKeyOnDemand', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:RotateKeyOnDemand');
    checkRotatable(r.entry);
    checkState(r.entry, 'crypto');
    const rec = r.entry.rec;
    if (rec.onDemandRotations >= KMS_LIMITS.maxOnDemandRotations) {
      throw err('LimitExceededException', `${rec.arn} has reached the limit of ${KMS_LIMITS.maxOnDemandRotations} on-demand rotations.`);
    }
    const id = await keystore.generate(rec.keyId, rec.keySpec);
    rec.materials.push({ id, createdAt: ctx.now.getTime(), rotationType: 'ON_DEMAND' });
    rec.onDemandRotations += 1;
    await store.putKey(r.entry);
    return { KeyId: rec.keyId };
  }, { readOnly: false });

  op<{ KeyId: string; Limit?: number; Marker?: string; IncludeKeyMaterial?: string }>('ListKeyRotations', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:ListKeyRotations');
    checkRotatable(r.entry);
    const rec = r.entry.rec;
    const all = i.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
    const last = rec.materials.length - 1;
    const rows = rec.materials
      .map((m, idx) => ({ m, idx }))
      .filter(({ m }) => all || m.rotationType !== undefined)
      .map(({ m, idx }) => {
        const row: Json = { KeyId: rec.keyId, KeyMaterialId: m.id, KeyMaterialState: idx === last ? 'CURRENT' : 'NON_CURRENT' };
        if (m.rotationType !== undefined) {
          row.RotationDate = new Date(m.createdAt);
          row.RotationType = m.rotationType;
        }
        return { key: String(idx).padStart(6, '0'), row };
      });
    const p = page(rows, (x) => x.key, i.Limit, i.Marker, 100, 1000);
    return listResult('Rotations', { items: p.items.map((x) => x.row), ...(p.next ? { next: p.next } : {}) });
  });

  // -- key policies --

  function checkPolicyName(name: string | undefined): void {
    if (name !== undefined && name !== 'default') throw err('NotFoundException', `No such policy exists: ${name}. The only key policy name is default.`);
  }

  op<{ KeyId: string; PolicyName?: string }>('GetKeyPolicy', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:GetKeyPolicy');
    checkPolicyName(i.PolicyName);
    return { Policy: r.entry.rec.policy, PolicyName: 'default' };
  });

  op<{ KeyId: string; PolicyName?: string; Policy: string; BypassPolicyLockoutSafetyCheck?: boolean }>('PutKeyPolicy', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:PutKeyPolicy', undefined,
      { 'kms:BypassPolicyLockoutSafetyCheck': i.BypassPolicyLockoutSafetyCheck === true ? 'true' : 'false' });
    checkPolicyName(i.PolicyName);
    const rec = r.entry.rec;
    const compiled = compilePolicyText(i.Policy, rec.arn);
    if (i.BypassPolicyLockoutSafetyCheck !== true) await lockoutCheck(ctx, rec.arn, compiled, rec);
    rec.policy = i.Policy;
    r.entry.policy = compiled;
    await store.putKey(r.entry);
    return undefined;
  });

  op<{ KeyId: string; Limit?: number; Marker?: string }>('ListKeyPolicies', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:ListKeyPolicies');
    const p = page(['default'], (x) => x, i.Limit, i.Marker, 100, 1000);
    return listResult('PolicyNames', p);
  });

  // -- grants --

  op<{ KeyId: string; GranteePrincipal: string; RetiringPrincipal?: string; Operations: string[]; Constraints?: GrantRecord['constraints'];
    GrantTokens?: string[]; Name?: string; DryRun?: boolean }>('CreateGrant', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    const opsIn = Array.isArray(i.Operations) ? i.Operations : [];
    const c = i.Constraints;
    const constraintTypes = [
      ...(c?.EncryptionContextEquals ? ['EncryptionContextEquals'] : []),
      ...(c?.EncryptionContextSubset ? ['EncryptionContextSubset'] : []),
    ];
    await authorizeKey(ctx, r, 'kms:CreateGrant', undefined, {
      'kms:GranteePrincipal': i.GranteePrincipal,
      ...(i.RetiringPrincipal !== undefined ? { 'kms:RetiringPrincipal': i.RetiringPrincipal } : {}),
      'kms:GrantOperations': opsIn,
      'kms:GrantIsForAWSResource': 'false',
      ...(constraintTypes.length > 0 ? { 'kms:GrantConstraintType': constraintTypes } : {}),
    }, i.GrantTokens);
    checkState(r.entry, 'crypto');
    const rec = r.entry.rec;
    if (opsIn.length === 0) throw validation('Operations must contain at least one grant operation.');
    const valid = grantOperationsFor(rec.keySpec, rec.keyUsage);
    for (const o of opsIn) {
      if (!GRANT_OPERATIONS.has(o)) throw validation(`Invalid grant operation ${o}`);
      if (!valid.has(o)) throw validation(`Grant operation ${o} is not valid for ${rec.arn} with key spec ${rec.keySpec} and key usage ${rec.keyUsage}.`);
    }
    if (constraintTypes.length > 0 && rec.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw validation('Encryption context grant constraints are supported only for symmetric encryption KMS keys.');
    }
    if (r.entry.grants.size >= KMS_LIMITS.maxGrantsPerKey) throw err('LimitExceededException', `A KMS key can have at most ${KMS_LIMITS.maxGrantsPerKey} grants.`);
    dryRun(i);
    const operations = [...new Set(opsIn)];
    if (i.Name !== undefined) {
      for (const g of r.entry.grants.values()) {
        if (g.name === i.Name && g.granteePrincipal === i.GranteePrincipal && g.retiringPrincipal === i.RetiringPrincipal
          && g.operations.length === operations.length && operations.every((o) => g.operations.includes(o))
          && sameContext(g.constraints?.EncryptionContextEquals, c?.EncryptionContextEquals)
          && sameContext(g.constraints?.EncryptionContextSubset, c?.EncryptionContextSubset)) {
          return { GrantId: g.grantId, GrantToken: grantToken(g) };
        }
      }
    }
    const g: GrantRecord = {
      grantId: randomBytes(32).toString('hex'),
      keyId: rec.keyId,
      granteePrincipal: i.GranteePrincipal,
      ...(i.RetiringPrincipal !== undefined ? { retiringPrincipal: i.RetiringPrincipal } : {}),
      operations,
      ...(constraintTypes.length > 0 ? { constraints: { ...c } } : {}),
      ...(i.Name !== undefined ? { name: i.Name } : {}),
      creationDate: ctx.now.getTime(),
      issuingAccount: `arn:aws:iam::${accountId}:root`,
      secret: randomBytes(32).toString('hex'),
    };
    await store.putGrant(r.entry, g);
    return { GrantId: g.grantId, GrantToken: grantToken(g) };
  }, { readOnly: false });

  op<{ KeyId: string; GrantId?: string; GranteePrincipal?: string; Limit?: number; Marker?: string }>('ListGrants', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:ListGrants');
    if (i.GrantId !== undefined && !GRANT_ID.test(i.GrantId)) throw err('InvalidGrantIdException', `Invalid grant ID ${i.GrantId}`);
    const gs = [...r.entry.grants.values()]
      .filter((g) => (i.GrantId === undefined || g.grantId === i.GrantId) && (i.GranteePrincipal === undefined || g.granteePrincipal === i.GranteePrincipal))
      .sort((a, b) => (a.grantId < b.grantId ? -1 : 1));
    const p = page(gs, (g) => g.grantId, i.Limit, i.Marker, 50, 100);
    return listResult('Grants', { items: p.items.map(grantEntry), ...(p.next ? { next: p.next } : {}) });
  });

  op<{ RetiringPrincipal: string; Limit?: number; Marker?: string }>('ListRetirableGrants', async (i, ctx) => {
    await store.load();
    await authorizeAccount(ctx, 'kms:ListRetirableGrants');
    const gs: GrantRecord[] = [];
    for (const e of store.keys.values()) for (const g of e.grants.values()) if (g.retiringPrincipal === i.RetiringPrincipal) gs.push(g);
    const key = (g: GrantRecord): string => `${g.keyId}/${g.grantId}`;
    gs.sort((a, b) => (key(a) < key(b) ? -1 : 1));
    const p = page(gs, key, i.Limit, i.Marker, 50, 100);
    return listResult('Grants', { items: p.items.map(grantEntry), ...(p.next ? { next: p.next } : {}) });
  });

  op<{ GrantToken?: string; KeyId?: string; GrantId?: string; DryRun?: boolean }>('RetireGrant', async (i, ctx) => {
    await store.load();
    let entry: KeyEntry | undefined;
    let g: GrantRecord | undefined;
    if (i.GrantToken !== undefined) {
      const t = parseGrantToken(i.GrantToken);
      if (!t) throw err('InvalidGrantTokenException', 'Invalid grant token.');
      entry = store.keys.get(t.keyId);
      g = entry?.grants.get(t.grantId);
      if (!entry || !g || !timingSafeEqual(Buffer.from(g.secret, 'hex'), Buffer.from(t.secret, 'hex'))) throw err('NotFoundException', 'Grant not found.');
    } else {
      if (i.KeyId === undefined || i.GrantId === undefined) throw validation('Specify either GrantToken, or KeyId and GrantId.');
      const r = await resolve(i.KeyId, false);
      if (!GRANT_ID.test(i.GrantId)) throw err('InvalidGrantIdException', `Invalid grant ID ${i.GrantId}`);
      entry = r.entry;
      g = entry.grants.get(i.GrantId);
      if (!g) throw err('NotFoundException', `Grant ID ${i.GrantId} not found.`);
    }
    ctx.addResource(entry.rec.arn, 'AWS::KMS::Key');
    // Who may retire (AWS "Retiring and revoking grants"): the retiring principal, the grantee when
    // the grant allows RetireGrant, or the account that owns the key.
    const p = ctx.principal;
    const isRetiring = g.retiringPrincipal !== undefined && (g.retiringPrincipal === p.arn || g.retiringPrincipal === p.roleArn);
    const isGrantee = granteeMatches(g, ctx) && g.operations.includes('RetireGrant');
    const isRoot = p.type === 'Root' && p.accountId === accountId;
    if (!isRetiring && !isGrantee && !isRoot) {
      throw awsError('AccessDeniedException', `User: ${p.arn} is not authorized to perform: kms:RetireGrant on resource: ${entry.rec.arn} because the grant does not name it as the retiring or grantee principal`);
    }
    dryRun(i);
    await store.deleteGrant(entry, g.grantId);
    return undefined;
  }, { readOnly: false });

  op<{ KeyId: string; GrantId: string; DryRun?: boolean }>('RevokeGrant', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:RevokeGrant');
    if (typeof i.GrantId !== 'string' || !GRANT_ID.test(i.GrantId)) throw err('InvalidGrantIdException', `Invalid grant ID ${String(i.GrantId)}`);
    if (!r.entry.grants.has(i.GrantId)) throw err('NotFoundException', `Grant ID ${i.GrantId} not found.`);
    dryRun(i);
    await store.deleteGrant(r.entry, i.GrantId);
    return undefined;
  });

  // -- tags --

  op<{ KeyId: string; Tags: TagRecord[] }>('TagResource', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:TagResource');
    checkState(r.entry, 'notPendingDeletion');
    checkTags(i.Tags);
    r.entry.rec.tags = mergeTags(r.entry.rec.tags, i.Tags ?? []);
    await store.putKey(r.entry);
    return undefined;
  });

  op<{ KeyId: string; TagKeys: string[] }>('UntagResource', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    const keys = Array.isArray(i.TagKeys) ? i.TagKeys : [];
    await authorizeKey(ctx, r, 'kms:UntagResource', undefined, { 'aws:TagKeys': keys });
    checkState(r.entry, 'notPendingDeletion');
    for (const k of keys) if (k.toLowerCase().startsWith('aws:')) throw err('TagException', `Tag keys prefixed with 'aws:' are reserved: ${k}`);
    const drop = new Set(keys);
    r.entry.rec.tags = r.entry.rec.tags.filter((t) => !drop.has(t.TagKey));
    await store.putKey(r.entry);
    return undefined;
  });

  op<{ KeyId: string; Limit?: number; Marker?: string }>('ListResourceTags', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:ListResourceTags');
    const tags = [...r.entry.rec.tags].sort((a, b) => (a.TagKey < b.TagKey ? -1 : 1));
    const p = page(tags, (t) => t.TagKey, i.Limit, i.Marker, 50, 50);
    return listResult('Tags', p);
  });

  // -- imported key material --

  function requireExternal(entry: KeyEntry): void {
    const rec = entry.rec;
    if (rec.origin !== 'EXTERNAL') throw err('UnsupportedOperationException', `${rec.arn} origin is ${rec.origin} which is not valid for this operation.`);
  }

  op<{ KeyId: string; WrappingAlgorithm: string; WrappingKeySpec: string }>('GetParametersForImport', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:GetParametersForImport', undefined,
      { 'kms:WrappingAlgorithm': i.WrappingAlgorithm, 'kms:WrappingKeySpec': i.WrappingKeySpec });
    requireExternal(r.entry);
    checkState(r.entry, 'notPendingDeletion');
    if (i.WrappingKeySpec === 'SM2' || i.WrappingAlgorithm === 'SM2PKE') throw err('UnsupportedOperationException', 'SM2 wrapping keys are not supported by Bulwark.');
    const p = await keystore.getParametersForImport(r.entry.rec.keyId, i.WrappingAlgorithm as WrappingAlgorithm, i.WrappingKeySpec, ctx.now);
    return { KeyId: r.entry.rec.arn, ImportToken: p.importToken, PublicKey: p.publicKey, ParametersValidTo: p.parametersValidTo };
  }, { readOnly: true });

  op<{ KeyId: string; ImportToken: Buffer; EncryptedKeyMaterial: Buffer; ValidTo?: Date; ExpirationModel?: string; ImportType?: string;
    KeyMaterialDescription?: string; KeyMaterialId?: string }>('ImportKeyMaterial', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    const expModel = i.ExpirationModel ?? (i.ValidTo !== undefined ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    await authorizeKey(ctx, r, 'kms:ImportKeyMaterial', undefined, {
      'kms:ExpirationModel': expModel,
      ...(i.ValidTo !== undefined ? { 'kms:ValidTo': String(Math.floor(i.ValidTo.getTime() / 1000)) } : {}),
    });
    requireExternal(r.entry);
    checkState(r.entry, 'notPendingDeletion');
    if (expModel !== 'KEY_MATERIAL_EXPIRES' && expModel !== 'KEY_MATERIAL_DOES_NOT_EXPIRE') throw validation(`Invalid ExpirationModel ${expModel}`);
    if (expModel === 'KEY_MATERIAL_EXPIRES') {
      if (i.ValidTo === undefined) throw validation('ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.');
      const t = i.ValidTo.getTime();
      const now = ctx.now.getTime();
      if (t <= now || t > now + KMS_LIMITS.maxImportValidityMs) throw validation('ValidTo must be in the future and at most 365 days from now.');
    } else if (i.ValidTo !== undefined) {
      throw validation('ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.');
    }
    if (i.ImportType === 'NEW_KEY_MATERIAL' && r.entry.rec.materials.length > 0) {
      throw err('UnsupportedOperationException', 'Importing new key material for rotation is not supported by Bulwark.');
    }
    const rec = r.entry.rec;
    const id = await keystore.importMaterial(rec.keyId, rec.keySpec, i.ImportToken, i.EncryptedKeyMaterial, ctx.now);
    if (!rec.materials.some((m) => m.id === id)) rec.materials.push({ id, createdAt: ctx.now.getTime() });
    if (rec.state === 'PendingImport') rec.state = 'Enabled';
    rec.expirationModel = expModel;
    if (expModel === 'KEY_MATERIAL_EXPIRES') rec.validTo = i.ValidTo!.getTime();
    else delete rec.validTo;
    await store.putKey(r.entry);
    return { KeyId: rec.arn, KeyMaterialId: id };
  });

  op<{ KeyId: string; KeyMaterialId?: string }>('DeleteImportedKeyMaterial', async (i, ctx) => {
    const r = await resolve(i.KeyId, false);
    await authorizeKey(ctx, r, 'kms:DeleteImportedKeyMaterial');
    requireExternal(r.entry);
    checkState(r.entry, 'notPendingDeletion');
    const rec = r.entry.rec;
    const cur = rec.materials[rec.materials.length - 1]?.id;
    if (i.KeyMaterialId !== undefined && i.KeyMaterialId !== cur) throw err('NotFoundException', `Key material ${i.KeyMaterialId} does not exist for ${rec.arn}.`);
    if (rec.state !== 'PendingImport') {
      await keystore.destroy(rec.keyId);
      rec.materials = [];
      rec.state = 'PendingImport';
      delete rec.validTo;
      delete rec.expirationModel;
      await store.putKey(r.entry);
    }
    return { KeyId: rec.arn, KeyMaterialId: cur ?? '' };
  });

  return {
    name: 'kms',
    signingName: 'kms',
    eventSource: 'kms.amazonaws.com',
    model,
    operations: ops,
    unimplementedError: {
      code: 'UnsupportedOperationException',
      message: 'Bulwark does not support custom key stores, multi-Region keys or key usage tracking.',
    },
    runScheduledTasks,
    startScheduler(): () => void {
      let running = false;
      const tick = (): void => {
        if (running) return;
        running = true;
        runScheduledTasks().finally(() => {
          running = false;
        }).catch(() => undefined);
      };
      tick();
      const timer = setInterval(tick, SCHEDULER_INTERVAL_MS);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

