/**
 * KMS metadata persistence: keys (with their policy and tags), aliases and grants as JSON in the
 * KVStore under kms/keys/<id>, kms/aliases/<name> and kms/grants/<keyId>/<grantId>, mirrored in
 * memory so the request path only does map lookups. Key policies are compiled once, when loaded
 * or changed. Key material is not here: it lives in the keystore.
 */
import { awsError, isAwsError } from '../errors/index.js';
import { compilePolicy, type CompiledPolicy } from '../iam/index.js';
import type { KVStore } from '../storage/types.js';
import type { KmsKeySpec } from './keystore/index.js';
import type { KeyUsage } from './specs.js';

/** A key state (KeyState enum; Bulwark keys use the first four). */
export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';

/** One version of a key's material, oldest first; the last one is current. */
export interface MaterialRecord {
  readonly id: string;
  /** ms since epoch. */
  readonly createdAt: number;
  /** How this version came to be; absent for the key's first material. */
  readonly rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
}

/** A persisted tag. */
export interface TagRecord {
  readonly TagKey: string;
  readonly TagValue: string;
}

/** A KMS key's metadata as stored (times are ms since epoch). */
export interface KeyRecord {
  keyId: string;
  arn: string;
  creationDate: number;
  state: KeyState;
  description: string;
  keySpec: KmsKeySpec;
  keyUsage: KeyUsage;
  origin: 'AWS_KMS' | 'EXTERNAL';
  /** Set while PendingDeletion. */
  deletionDate?: number;
  pendingWindowInDays?: number;
  /** Imported key material: expiry. */
  validTo?: number;
  expirationModel?: 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';
  materials: MaterialRecord[];
  rotationEnabled: boolean;
  rotationPeriodInDays?: number;
  nextRotationDate?: number;
  onDemandRotations: number;
  policy: string;
  tags: TagRecord[];
}

/** A persisted alias. */
export interface AliasRecord {
  readonly name: string;
  targetKeyId: string;
  readonly creationDate: number;
  lastUpdatedDate: number;
}

/** A persisted grant. */
export interface GrantRecord {
  readonly grantId: string;
  readonly keyId: string;
  readonly granteePrincipal: string;
  readonly retiringPrincipal?: string;
  readonly operations: readonly string[];
  readonly constraints?: { readonly EncryptionContextEquals?: Record<string, string>; readonly EncryptionContextSubset?: Record<string, string> };
  readonly name?: string;
  readonly creationDate: number;
  readonly issuingAccount: string;
  /** Random secret bound into the grant's tokens. */
  readonly secret: string;
}

/** A key as held in memory: its record, its compiled policy and the aliases that point at it. */
export interface KeyEntry {
  rec: KeyRecord;
  policy: CompiledPolicy;
  readonly aliases: Set<string>;
  readonly grants: Map<string, GrantRecord>;
}

const KEY_PREFIX = 'kms/keys/';
const ALIAS_PREFIX = 'kms/aliases/';
const GRANT_PREFIX = 'kms/grants/';
/** One small row per deleted key: tells a ciphertext of a deleted key from random bytes. */
const DELETED_PREFIX = 'kms/deleted/';

/** Compiles a key policy, mapping the engine's IAM error codes to KMS's. */
export function compileKeyPolicy(text: string, keyArn: string): CompiledPolicy {
  try {
    return compilePolicy(text, 'resource', `key-policy:${keyArn}`);
  } catch (e) {
    if (isAwsError(e) && (e.code === 'MalformedPolicyDocument' || e.code === 'LimitExceeded')) {
      throw awsError(e.code === 'LimitExceeded' ? 'LimitExceededException' : 'MalformedPolicyDocumentException', e.message);
    }
    throw e;
  }
}

/** The KMS metadata store over a KVStore, with an in-memory mirror. */
export class KmsStore {
  readonly keys = new Map<string, KeyEntry>();
  readonly aliases = new Map<string, AliasRecord>();
  /** Ids of keys deleted after their waiting period (a Decrypt naming one is NotFoundException). */
  readonly deleted = new Set<string>();
  private loading: Promise<void> | undefined;

  constructor(private readonly kv: KVStore) {}

  /** Loads everything once; every operation awaits it first. */
  load(): Promise<void> {
    // A failed load (e.g. while sealed) is forgotten so the next call tries again.
    this.loading ??= this.doLoad().catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    for (const k of await this.kv.list(KEY_PREFIX)) {
      const buf = await this.kv.get(k);
      if (!buf) continue;
      const rec = JSON.parse(buf.toString('utf8')) as KeyRecord;
      this.keys.set(rec.keyId, { rec, policy: compileKeyPolicy(rec.policy, rec.arn), aliases: new Set(), grants: new Map() });
    }
    for (const k of await this.kv.list(ALIAS_PREFIX)) {
      const buf = await this.kv.get(k);
      if (!buf) continue;
      const a = JSON.parse(buf.toString('utf8')) as AliasRecord;
      this.aliases.set(a.name, a);
      this.keys.get(a.targetKeyId)?.aliases.add(a.name);
    }
    for (const k of await this.kv.list(DELETED_PREFIX)) this.deleted.add(k.slice(DELETED_PREFIX.length));
    for (const k of await this.kv.list(GRANT_PREFIX)) {
      const buf = await this.kv.get(k);
      if (!buf) continue;
      const g = JSON.parse(buf.toString('utf8')) as GrantRecord;
      this.keys.get(g.keyId)?.grants.set(g.grantId, g);
    }
  }

  /** Writes a key's record (after the caller mutated it) and, if given, its new compiled policy. */
  async putKey(entry: KeyEntry): Promise<void> {
    await this.kv.put(KEY_PREFIX + entry.rec.keyId, Buffer.from(JSON.stringify(entry.rec)));
    this.keys.set(entry.rec.keyId, entry);
  }

  /** Removes a key with its aliases and grants. */
  async deleteKey(entry: KeyEntry): Promise<void> {
    const id = entry.rec.keyId;
    const ops: ({ op: 'delete'; key: string } | { op: 'put'; key: string; value: Buffer })[] = [
      { op: 'delete', key: KEY_PREFIX + id },
      { op: 'put', key: DELETED_PREFIX + id, value: Buffer.from(String(Date.now())) },
    ];
    for (const a of entry.aliases) ops.push({ op: 'delete', key: ALIAS_PREFIX + a });
    for (const g of entry.grants.keys()) ops.push({ op: 'delete', key: `${GRANT_PREFIX}${id}/${g}` });
    await this.kv.batch(ops);
    for (const a of entry.aliases) this.aliases.delete(a);
    this.keys.delete(id);
    this.deleted.add(id);
  }

  /** Creates or retargets an alias. */
  async putAlias(a: AliasRecord): Promise<void> {
    await this.kv.put(ALIAS_PREFIX + a.name, Buffer.from(JSON.stringify(a)));
    const old = this.aliases.get(a.name);
    if (old) this.keys.get(old.targetKeyId)?.aliases.delete(a.name);
    this.aliases.set(a.name, a);
    this.keys.get(a.targetKeyId)?.aliases.add(a.name);
  }

  async deleteAlias(name: string): Promise<void> {
    await this.kv.delete(ALIAS_PREFIX + name);
    const old = this.aliases.get(name);
    if (old) this.keys.get(old.targetKeyId)?.aliases.delete(name);
    this.aliases.delete(name);
  }

  async putGrant(entry: KeyEntry, g: GrantRecord): Promise<void> {
    await this.kv.put(`${GRANT_PREFIX}${g.keyId}/${g.grantId}`, Buffer.from(JSON.stringify(g)));
    entry.grants.set(g.grantId, g);
  }

  async deleteGrant(entry: KeyEntry, grantId: string): Promise<void> {
    await this.kv.delete(`${GRANT_PREFIX}${entry.rec.keyId}/${grantId}`);
    entry.grants.delete(grantId);
  }
}
