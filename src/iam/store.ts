/**
 * The account's identities (users, groups, roles, managed policies, access keys) and STS sessions,
 * persisted as JSON through the encrypting barrier and held in memory, so the per-request calls
 * (resolveCredential, policiesFor) are map lookups. Every write goes to the KVStore first and then
 * to memory, under one mutex, and drops the derived caches.
 */
import { createHash, randomBytes } from 'node:crypto';
import { awsError } from '../errors/index.js';
import type { KVStore, BatchOp } from '../storage/types.js';
import type { Principal } from './principal.js';
import { compilePolicy } from './policy/index.js';
import type { CompiledPolicy, PolicyKind } from './policy/types.js';
import { AWS_MANAGED_POLICIES } from './aws-managed.js';


/**
 * Expired STS sessions stay resolvable this long so a request signed with them is answered
 * ExpiredToken (the SigV4 layer checks the expiration after the signature), as AWS does, rather
 * than InvalidClientTokenId. They are purged after it.
 */
const EXPIRED_SESSION_GRACE_MS = 24 * 3600_000;

/** AWS's default IAM quotas; override per store with `opts.quotas`. */
export const DEFAULT_IAM_QUOTAS = {
  usersPerAccount: 5000,
  rolesPerAccount: 1000,
  groupsPerAccount: 300,
  managedPoliciesPerAccount: 1500,
  groupsPerUser: 10,
  attachedPoliciesPerEntity: 10,
  versionsPerPolicy: 5,
  accessKeysPerUser: 2,
  userPolicySize: 2048,
  groupPolicySize: 5120,
  rolePolicySize: 10240,
  managedPolicySize: 6144,
  assumeRolePolicySize: 2048,
} as const;

/** The IAM quotas a store enforces. */
export type IamQuotas = { readonly [K in keyof typeof DEFAULT_IAM_QUOTAS]: number };

/** A tag as IAM's API spells it. */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** An inline policy of a user, group or role. */
export interface InlinePolicy {
  readonly name: string;
  readonly document: string;
}

interface EntityBase {
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly createDate: string;
  readonly inline: readonly InlinePolicy[];
  readonly attached: readonly string[];
}

/** A stored IAM user. */
export interface UserRecord extends EntityBase {
  readonly tags: readonly Tag[];
  readonly boundary?: string;
  /** Ids of the groups the user belongs to, in the order joined. */
  readonly groups: readonly string[];
}

/** A stored IAM group. */
export type GroupRecord = EntityBase;

/** A stored IAM role. */
export interface RoleRecord extends EntityBase {
  readonly trustPolicy: string;
  readonly description?: string;
  readonly maxSessionDuration: number;
  readonly tags: readonly Tag[];
  readonly boundary?: string;
  readonly lastUsed?: { readonly date: string; readonly region: string };
}

/** One version of a managed policy. */
export interface PolicyVersionRecord {
  readonly id: string;
  readonly document: string;
  readonly createDate: string;
}

/** A stored customer managed policy (AWS managed ones are built in, see aws-managed.ts). */
export interface PolicyRecord {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly path: string;
  readonly description?: string;
  readonly createDate: string;
  readonly updateDate: string;
  readonly defaultVersion: string;
  readonly nextVersion: number;
  readonly versions: readonly PolicyVersionRecord[];
  readonly tags: readonly Tag[];
  readonly awsManaged?: boolean;
}

/** A long-term access key; `userId` is 'root' for the account's root user. */
export interface AccessKeyRecord {
  readonly id: string;
  readonly secret: string;
  readonly userId: string;
  readonly status: 'Active' | 'Inactive';
  readonly createDate: string;
  /** Created by ensureRootAccessKey (bootstrap configuration) rather than CreateAccessKey. */
  readonly bootstrap?: boolean;
  readonly lastUsed?: { readonly date: string; readonly service: string; readonly region: string };
}

/** A stored STS session (AssumeRole or GetSessionToken credentials). */
export interface SessionRecord {
  readonly accessKeyId: string;
  readonly secret: string;
  readonly token: string;
  readonly issued: string;
  readonly expiration: string;
  readonly kind: 'role' | 'user';
  /** role: the role's id; user: the user's id or 'root'. */
  readonly subjectId: string;
  readonly roleArn?: string;
  readonly roleName?: string;
  readonly sessionName?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly transitiveTagKeys?: readonly string[];
  readonly sessionPolicies?: readonly string[];
  readonly sourceIdentity?: string;
  /** True when the session was created by a role session (role chaining). */
  readonly chained?: boolean;
  /** The ARN of the identity that created the credentials. */
  readonly issuerArn: string;
}

/** What resolveCredential returns for a known, usable access key id. */
export interface ResolvedCredential {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly principal: Principal;
}

/** The policies that apply to a principal, compiled. */
export interface PrincipalPolicies {
  identity: CompiledPolicy[];
  session: CompiledPolicy[];
  boundary?: CompiledPolicy;
}

/** Parameters of a new role session. */
export interface NewRoleSession {
  readonly role: RoleRecord;
  readonly sessionName: string;
  readonly durationSeconds: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly transitiveTagKeys: readonly string[];
  readonly sessionPolicies: readonly string[];
  readonly sourceIdentity?: string;
  readonly chained: boolean;
  readonly issuerArn: string;
}

/** Temporary credentials as STS returns them. */
export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** The kinds of identities whose names are unique in an account. */
export type EntityKind = 'user' | 'group' | 'role';

const ROOT = 'root';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const EMPTY_POLICIES: PrincipalPolicies = Object.freeze({ identity: Object.freeze([]) as unknown as CompiledPolicy[], session: Object.freeze([]) as unknown as CompiledPolicy[] });
const COMPILED_CACHE_MAX = 20_000;

/** A random IAM-style id: prefix + 16 characters of [A-Z2-7]. */
export function newIamId(prefix: string): string {
  const b = randomBytes(16);
  let s = prefix;
  for (let i = 0; i < 16; i++) s += B32[b[i]! & 31];
  return s;
}

/** A 40-character secret access key. */
function newSecret(): string {
  return randomBytes(30).toString('base64');
}

/** An opaque bearer session token: a fixed AWS-like prefix and 128 random bytes, base64. */
function newSessionToken(): string {
  return 'IQoJb3JpZ2luX2Vj' + randomBytes(128).toString('base64');
}

/** Characters of a policy document other than whitespace, as IAM counts them for size quotas. */
export function policySize(doc: string): number {
  let n = 0;
  for (let i = 0; i < doc.length; i++) {
    const c = doc.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) n++;
  }
  return n;
}

const lc = (s: string): string => s.toLowerCase();
const iso = (d: Date): string => d.toISOString();
const enc = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');

/** The IAM + STS identity store of one account. */
export class IamStore {
  readonly accountId: string;
  readonly quotas: IamQuotas;
  private readonly kv: KVStore;
  private readonly clock: () => Date;

  private readonly users = new Map<string, UserRecord>(); // lower name →
  private readonly usersById = new Map<string, UserRecord>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly groupsById = new Map<string, GroupRecord>();
  private readonly roles = new Map<string, RoleRecord>();
  private readonly rolesById = new Map<string, RoleRecord>();
  private readonly policies = new Map<string, PolicyRecord>(); // arn →
  private readonly policyNames = new Map<string, string>(); // lower name → arn
  private readonly keys = new Map<string, AccessKeyRecord>();
  private readonly sessions = new Map<string, SessionRecord>();
  private accountCreated = '';

  // Derived caches, dropped on every write by this process.
  private readonly credCache = new Map<string, ResolvedCredential>();
  private readonly policyCache = new Map<string, PrincipalPolicies>();
  private readonly compiled = new Map<string, CompiledPolicy>();
  private lock: Promise<unknown> = Promise.resolve();
  private loaded = false;

  constructor(kv: KVStore, opts: { accountId: string; now?: () => Date; quotas?: Partial<IamQuotas> }) {
    this.kv = kv;
    this.accountId = opts.accountId;
    this.clock = opts.now ?? ((): Date => new Date());
    this.quotas = Object.freeze({ ...DEFAULT_IAM_QUOTAS, ...opts.quotas });
    for (const p of AWS_MANAGED_POLICIES) {
      this.policies.set(p.arn, p);
    }
  }

  /** The store's clock. */
  now(): Date {
    return this.clock();
  }

  /** Reads everything under iam/ and sts/sessions/ into memory; purges expired sessions. */
  async load(): Promise<void> {
    await this.exclusive(async () => {
      this.users.clear(); this.usersById.clear(); this.groups.clear(); this.groupsById.clear();
      this.roles.clear(); this.rolesById.clear(); this.keys.clear(); this.sessions.clear();
      this.policyNames.clear();
      for (const [arn, p] of this.policies) if (!p.awsManaged) this.policies.delete(arn);
      const acct = await this.read<{ createDate: string }>('iam/account');
      if (acct) this.accountCreated = acct.createDate;
      else {
        this.accountCreated = iso(this.clock());
        await this.kv.put('iam/account', enc({ createDate: this.accountCreated }));
      }
      for (const k of await this.kv.list('iam/users/')) { const r = await this.read<UserRecord>(k); if (r) this.indexUser(r); }
      for (const k of await this.kv.list('iam/groups/')) { const r = await this.read<GroupRecord>(k); if (r) this.indexGroup(r); }
      for (const k of await this.kv.list('iam/roles/')) { const r = await this.read<RoleRecord>(k); if (r) this.indexRole(r); }
      for (const k of await this.kv.list('iam/policies/')) { const r = await this.read<PolicyRecord>(k); if (r) this.indexPolicy(r); }
      for (const k of await this.kv.list('iam/access-keys/')) { const r = await this.read<AccessKeyRecord>(k); if (r) this.keys.set(r.id, r); }
      const now = this.clock().getTime();
      const expired: BatchOp[] = [];
      for (const k of await this.kv.list('sts/sessions/')) {
        const r = await this.read<SessionRecord>(k);
        if (!r) continue;
        if (Date.parse(r.expiration) <= now) expired.push({ op: 'delete', key: k });
        else this.sessions.set(r.accessKeyId, r);
      }
      if (expired.length) await this.kv.batch(expired);
      this.invalidate();
      this.loaded = true;
    });
  }

  /** The account's creation time (the root user's CreateDate). */
  get accountCreateDate(): Date {
    return new Date(this.accountCreated || 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Hot path

  /**
   * The secret and principal for an access key id: long-term keys (AKIA…) of users and root, and
   * STS session keys (ASIA…). Undefined for unknown, Inactive or expired keys.
   */
  async resolveCredential(accessKeyId: string): Promise<ResolvedCredential | undefined> {
    const hit = this.credCache.get(accessKeyId);
    if (hit) {
      if (hit.expiration && hit.expiration.getTime() + EXPIRED_SESSION_GRACE_MS <= this.clock().getTime()) {
        this.expireSession(accessKeyId);
        return undefined;
      }
      return hit;
    }
    const built = this.buildCredential(accessKeyId);
    if (built) this.credCache.set(accessKeyId, built);
    return built;
  }

  /** The compiled identity, session and boundary policies of a principal (cached until a write). */
  async policiesFor(principal: Principal): Promise<PrincipalPolicies> {
    if (principal.type === 'Root') return EMPTY_POLICIES;
    const key = principal.type === 'AssumedRole' ? `s:${principal.accessKeyId}` : `u:${principal.principalId}`;
    const hit = this.policyCache.get(key);
    if (hit) return hit;
    let out: PrincipalPolicies;
    if (principal.type === 'IAMUser') {
      const u = this.usersById.get(principal.principalId);
      out = u ? this.userPolicies(u) : EMPTY_POLICIES;
    } else {
      const roleId = principal.principalId.split(':')[0] ?? '';
      const r = this.rolesById.get(roleId);
      const base = r ? this.entityPolicies('role', r, r.boundary) : EMPTY_POLICIES;
      const session: CompiledPolicy[] = [];
      const sp = principal.sessionPolicies ?? [];
      for (let i = 0; i < sp.length; i++) session.push(this.compile(sp[i]!, 'session', `session:${i}`));
      out = { identity: base.identity, session, ...(base.boundary ? { boundary: base.boundary } : {}) };
    }
    this.policyCache.set(key, out);
    return out;
  }

  /** Records use of a long-term key for GetAccessKeyLastUsed (persisted at most hourly per key). */
  recordAccessKeyUse(accessKeyId: string, service: string, region: string): void {
    const k = this.keys.get(accessKeyId);
    if (!k) return;
    const now = this.clock();
    const age = k.lastUsed ? now.getTime() - this.lastUsedMs(k) : Infinity;
    if (age < 3_600_000 && k.lastUsed!.service === service && k.lastUsed!.region === region) return;
    const next: AccessKeyRecord = { ...k, lastUsed: { date: iso(now), service, region } };
    this.keys.set(k.id, next);
    // Alternating services must not turn every call into a write: persist at most once a minute.
    if (age < 60_000) return;
    void this.exclusive(async () => {
      if (this.keys.get(k.id) !== next) return;
      await this.kv.put(`iam/access-keys/${k.id}`, enc(next));
    }).catch(() => undefined);
  }

  /** Records' lastUsed.date parsed once: every API call with a long-term key checks its age. */
  private readonly lastUsedParsed = new WeakMap<AccessKeyRecord, number>();

  private lastUsedMs(k: AccessKeyRecord): number {
    let ms = this.lastUsedParsed.get(k);
    if (ms === undefined) {
      ms = Date.parse(k.lastUsed!.date);
      this.lastUsedParsed.set(k, ms);
    }
    return ms;
  }

  /** Compiles a policy document, reusing a previous compilation of the same text. */
  compile(text: string, kind: PolicyKind, source: string): CompiledPolicy {
    const key = `${kind}\u0000${source}\u0000${text}`;
    let c = this.compiled.get(key);
    if (!c) {
      c = compilePolicy(text, kind, source);
      if (this.compiled.size >= COMPILED_CACHE_MAX) this.compiled.clear();
      this.compiled.set(key, c);
    }
    return c;
  }

  /** The compiled identity policies and boundary of a user, group or role (for SimulatePrincipalPolicy). */
  entityPolicySet(kind: EntityKind, rec: UserRecord | GroupRecord | RoleRecord): PrincipalPolicies {
    if (kind === 'user') return this.userPolicies(rec as UserRecord);
    return this.entityPolicies(kind, rec, kind === 'role' ? (rec as RoleRecord).boundary : undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // ARNs

  /** arn:aws:iam::<acct>:<type><path><name> */
  arn(type: EntityKind, path: string, name: string): string {
    return `arn:aws:iam::${this.accountId}:${type}${path}${name}`;
  }

  /** The ARN of a managed policy of this account. */
  policyArn(path: string, name: string): string {
    return `arn:aws:iam::${this.accountId}:policy${path}${name}`;
  }

  /** The root user's ARN. */
  get rootArn(): string {
    return `arn:aws:iam::${this.accountId}:root`;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads (synchronous: everything is in memory after load())

  getUser(name: string): UserRecord | undefined { return this.users.get(lc(name)); }
  getUserById(id: string): UserRecord | undefined { return this.usersById.get(id); }
  getGroup(name: string): GroupRecord | undefined { return this.groups.get(lc(name)); }
  getGroupById(id: string): GroupRecord | undefined { return this.groupsById.get(id); }
  getRole(name: string): RoleRecord | undefined { return this.roles.get(lc(name)); }
  getRoleById(id: string): RoleRecord | undefined { return this.rolesById.get(id); }
  getPolicy(arn: string): PolicyRecord | undefined { return this.policies.get(arn); }
  getAccessKey(id: string): AccessKeyRecord | undefined { return this.keys.get(id); }
  getSession(id: string): SessionRecord | undefined { return this.sessions.get(id); }

  /** All users sorted by name (case-insensitively, as IAM lists them). */
  listUsers(): UserRecord[] { return sortByName([...this.users.values()]); }
  listGroups(): GroupRecord[] { return sortByName([...this.groups.values()]); }
  listRoles(): RoleRecord[] { return sortByName([...this.roles.values()]); }
  listPolicies(): PolicyRecord[] { return sortByName([...this.policies.values()]); }
  /** The access keys of a user id ('root' for the root user), oldest first. */
  listAccessKeys(userId: string): AccessKeyRecord[] {
    const out: AccessKeyRecord[] = [];
    for (const k of this.keys.values()) if (k.userId === userId) out.push(k);
    return out.sort((a, b) => a.createDate.localeCompare(b.createDate) || a.id.localeCompare(b.id));
  }
  /** Users that belong to a group, sorted by name. */
  groupMembers(groupId: string): UserRecord[] {
    return sortByName([...this.users.values()].filter((u) => u.groups.includes(groupId)));
  }
  /** Entities a managed policy is attached to (as a permissions policy). */
  policyAttachments(arn: string): { users: UserRecord[]; groups: GroupRecord[]; roles: RoleRecord[] } {
    return {
      users: this.listUsers().filter((u) => u.attached.includes(arn)),
      groups: this.listGroups().filter((g) => g.attached.includes(arn)),
      roles: this.listRoles().filter((r) => r.attached.includes(arn)),
    };
  }
  /** Entities using a managed policy as their permissions boundary. */
  boundaryUsers(arn: string): { users: UserRecord[]; roles: RoleRecord[] } {
    return {
      users: this.listUsers().filter((u) => u.boundary === arn),
      roles: this.listRoles().filter((r) => r.boundary === arn),
    };
  }
  attachmentCount(arn: string): number {
    let n = 0;
    for (const u of this.users.values()) if (u.attached.includes(arn)) n++;
    for (const g of this.groups.values()) if (g.attached.includes(arn)) n++;
    for (const r of this.roles.values()) if (r.attached.includes(arn)) n++;
    return n;
  }
  boundaryCount(arn: string): number {
    let n = 0;
    for (const u of this.users.values()) if (u.boundary === arn) n++;
    for (const r of this.roles.values()) if (r.boundary === arn) n++;
    return n;
  }
  /** Counts for GetAccountSummary. */
  counts(): { users: number; groups: number; roles: number; policies: number; policyVersions: number; rootKeys: number } {
    let policies = 0;
    let versions = 0;
    for (const p of this.policies.values()) {
      if (p.awsManaged) continue;
      policies++;
      versions += p.versions.length;
    }
    return {
      users: this.users.size, groups: this.groups.size, roles: this.roles.size, policies,
      policyVersions: versions, rootKeys: this.listAccessKeys(ROOT).length,
    };
  }
  /** The default version's document of a managed policy. */
  defaultDocument(p: PolicyRecord): string {
    return p.versions.find((v) => v.id === p.defaultVersion)?.document ?? '';
  }

  // ---------------------------------------------------------------------------------------------
  // Users

  async createUser(name: string, path = '/', tags: readonly Tag[] = [], boundary?: string): Promise<UserRecord> {
    return this.exclusive(async () => {
      if (this.users.has(lc(name))) throw awsError('EntityAlreadyExists', `User with name ${name} already exists.`);
      if (this.users.size >= this.quotas.usersPerAccount) throw quota('UsersPerAccount', this.quotas.usersPerAccount);
      if (boundary !== undefined) this.requireBoundaryPolicy(boundary);
      const rec: UserRecord = {
        id: this.uniqueId('AIDA'), name, path, createDate: iso(this.clock()), tags: dedupeTags(tags),
        inline: [], attached: [], groups: [], ...(boundary !== undefined ? { boundary } : {}),
      };
      await this.kv.put(`iam/users/${rec.id}`, enc(rec));
      this.indexUser(rec);
      return rec;
    });
  }

  async updateUser(name: string, newName?: string, newPath?: string): Promise<UserRecord> {
    return this.exclusive(async () => {
      const u = this.mustUser(name);
      if (newName !== undefined && lc(newName) !== lc(u.name) && this.users.has(lc(newName))) {
        throw awsError('EntityAlreadyExists', `User with name ${newName} already exists.`);
      }
      const next: UserRecord = { ...u, name: newName ?? u.name, path: newPath ?? u.path };
      await this.saveUser(next, u);
      return next;
    });
  }

  async deleteUser(name: string): Promise<void> {
    await this.exclusive(async () => {
      const u = this.mustUser(name);
      if (this.listAccessKeys(u.id).length) throw awsError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
      if (u.inline.length) throw awsError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      if (u.attached.length) throw awsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      if (u.groups.length) throw awsError('DeleteConflict', 'Cannot delete entity, must remove users from group first.');
      const ops: BatchOp[] = [{ op: 'delete', key: `iam/users/${u.id}` }];
      await this.kv.batch(ops);
      this.users.delete(lc(u.name));
      this.usersById.delete(u.id);
      this.invalidate();
    });
  }

  async tagUser(name: string, tags: readonly Tag[]): Promise<void> {
    await this.exclusive(async () => {
      const u = this.mustUser(name);
      await this.saveUser({ ...u, tags: mergeTags(u.tags, tags) }, u);
    });
  }

  async untagUser(name: string, keys: readonly string[]): Promise<void> {
    await this.exclusive(async () => {
      const u = this.mustUser(name);
      await this.saveUser({ ...u, tags: removeTags(u.tags, keys) }, u);
    });
  }

  async setUserBoundary(name: string, arn: string | undefined): Promise<void> {
    await this.exclusive(async () => {
      const u = this.mustUser(name);
      if (arn !== undefined) this.requireBoundaryPolicy(arn);
      const { boundary: _old, ...rest } = u;
      await this.saveUser(arn !== undefined ? { ...rest, boundary: arn } : rest, u);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Groups

  async createGroup(name: string, path = '/'): Promise<GroupRecord> {
    return this.exclusive(async () => {
      if (this.groups.has(lc(name))) throw awsError('EntityAlreadyExists', `Group with name ${name} already exists.`);
      if (this.groups.size >= this.quotas.groupsPerAccount) throw quota('GroupsPerAccount', this.quotas.groupsPerAccount);
      const rec: GroupRecord = { id: this.uniqueId('AGPA'), name, path, createDate: iso(this.clock()), inline: [], attached: [] };
      await this.kv.put(`iam/groups/${rec.id}`, enc(rec));
      this.indexGroup(rec);
      return rec;
    });
  }

  async updateGroup(name: string, newName?: string, newPath?: string): Promise<GroupRecord> {
    return this.exclusive(async () => {
      const g = this.mustGroup(name);
      if (newName !== undefined && lc(newName) !== lc(g.name) && this.groups.has(lc(newName))) {
        throw awsError('EntityAlreadyExists', `Group with name ${newName} already exists.`);
      }
      const next: GroupRecord = { ...g, name: newName ?? g.name, path: newPath ?? g.path };
      await this.saveGroup(next, g);
      return next;
    });
  }

  async deleteGroup(name: string): Promise<void> {
    await this.exclusive(async () => {
      const g = this.mustGroup(name);
      if (this.groupMembers(g.id).length) throw awsError('DeleteConflict', 'Cannot delete entity, must remove users from group first.');
      if (g.inline.length) throw awsError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      if (g.attached.length) throw awsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      await this.kv.delete(`iam/groups/${g.id}`);
      this.groups.delete(lc(g.name));
      this.groupsById.delete(g.id);
      this.invalidate();
    });
  }

  async addUserToGroup(groupName: string, userName: string): Promise<void> {
    await this.exclusive(async () => {
      const g = this.mustGroup(groupName);
      const u = this.mustUser(userName);
      if (u.groups.includes(g.id)) return;
      if (u.groups.length >= this.quotas.groupsPerUser) throw quota('GroupsPerUser', this.quotas.groupsPerUser);
      await this.saveUser({ ...u, groups: [...u.groups, g.id] }, u);
    });
  }

  async removeUserFromGroup(groupName: string, userName: string): Promise<void> {
    await this.exclusive(async () => {
      const g = this.mustGroup(groupName);
      const u = this.mustUser(userName);
      if (!u.groups.includes(g.id)) {
        throw awsError('NoSuchEntity', `The user with name ${u.name} cannot be found in group ${g.name}.`);
      }
      await this.saveUser({ ...u, groups: u.groups.filter((x) => x !== g.id) }, u);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Roles

  async createRole(input: {
    name: string; path?: string; trustPolicy: string; description?: string; maxSessionDuration?: number;
    tags?: readonly Tag[]; boundary?: string;
  }): Promise<RoleRecord> {
    return this.exclusive(async () => {
      if (this.roles.has(lc(input.name))) throw awsError('EntityAlreadyExists', `Role with name ${input.name} already exists.`);
      if (this.roles.size >= this.quotas.rolesPerAccount) throw quota('RolesPerAccount', this.quotas.rolesPerAccount);
      this.checkTrustPolicy(input.trustPolicy);
      if (input.boundary !== undefined) this.requireBoundaryPolicy(input.boundary);
      const rec: RoleRecord = {
        id: this.uniqueId('AROA'), name: input.name, path: input.path ?? '/', createDate: iso(this.clock()),
        inline: [], attached: [], trustPolicy: input.trustPolicy, maxSessionDuration: input.maxSessionDuration ?? 3600,
        tags: dedupeTags(input.tags ?? []),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.boundary !== undefined ? { boundary: input.boundary } : {}),
      };
      await this.kv.put(`iam/roles/${rec.id}`, enc(rec));
      this.indexRole(rec);
      return rec;
    });
  }

  async updateRole(name: string, changes: { description?: string; maxSessionDuration?: number; trustPolicy?: string; tags?: readonly Tag[] }): Promise<RoleRecord> {
    return this.exclusive(async () => {
      const r = this.mustRole(name);
      if (changes.trustPolicy !== undefined) this.checkTrustPolicy(changes.trustPolicy);
      const next: RoleRecord = {
        ...r,
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.maxSessionDuration !== undefined ? { maxSessionDuration: changes.maxSessionDuration } : {}),
        ...(changes.trustPolicy !== undefined ? { trustPolicy: changes.trustPolicy } : {}),
        ...(changes.tags !== undefined ? { tags: changes.tags } : {}),
      };
      await this.saveRole(next);
      return next;
    });
  }

  async setRoleBoundary(name: string, arn: string | undefined): Promise<void> {
    await this.exclusive(async () => {
      const r = this.mustRole(name);
      if (arn !== undefined) this.requireBoundaryPolicy(arn);
      const { boundary: _old, ...rest } = r;
      await this.saveRole(arn !== undefined ? { ...rest, boundary: arn } : rest);
    });
  }

  async deleteRole(name: string): Promise<void> {
    await this.exclusive(async () => {
      const r = this.mustRole(name);
      if (r.inline.length) throw awsError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      if (r.attached.length) throw awsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      await this.kv.delete(`iam/roles/${r.id}`);
      this.roles.delete(lc(r.name));
      this.rolesById.delete(r.id);
      this.invalidate();
    });
  }

  /** Records that a role was assumed (RoleLastUsed); in memory only until the role is next written. */
  noteRoleUsed(roleId: string, region: string): void {
    const r = this.rolesById.get(roleId);
    if (!r) return;
    const next: RoleRecord = { ...r, lastUsed: { date: iso(this.clock()), region } };
    this.roles.set(lc(r.name), next);
    this.rolesById.set(r.id, next);
  }

  // ---------------------------------------------------------------------------------------------
  // Inline and attached policies of users, groups and roles

  async putInlinePolicy(kind: EntityKind, entityName: string, policyName: string, document: string): Promise<void> {
    await this.exclusive(async () => {
      const e = this.mustEntity(kind, entityName);
      const limit = kind === 'user' ? this.quotas.userPolicySize : kind === 'group' ? this.quotas.groupPolicySize : this.quotas.rolePolicySize;
      // IAM counts the sum of all inline policies of the entity.
      const others = e.inline.filter((p) => lc(p.name) !== lc(policyName));
      let total = policySize(document);
      for (const p of others) total += policySize(p.document);
      if (total > limit) throw awsError('LimitExceeded', `Maximum policy size of ${limit} bytes exceeded for ${kind} ${e.name}`);
      this.compile(document, 'identity', `inline:${kind}:${e.name}:${policyName}`);
      const idx = e.inline.findIndex((p) => lc(p.name) === lc(policyName));
      const inline = [...e.inline];
      if (idx >= 0) inline[idx] = { name: inline[idx]!.name, document };
      else inline.push({ name: policyName, document });
      await this.saveEntity(kind, { ...e, inline });
    });
  }

  getInlinePolicy(kind: EntityKind, entityName: string, policyName: string): InlinePolicy {
    const e = this.mustEntity(kind, entityName);
    const p = e.inline.find((x) => lc(x.name) === lc(policyName));
    if (!p) throw awsError('NoSuchEntity', `The ${kind} policy with name ${policyName} cannot be found.`);
    return p;
  }

  async deleteInlinePolicy(kind: EntityKind, entityName: string, policyName: string): Promise<void> {
    await this.exclusive(async () => {
      const e = this.mustEntity(kind, entityName);
      const p = e.inline.find((x) => lc(x.name) === lc(policyName));
      if (!p) throw awsError('NoSuchEntity', `The ${kind} policy with name ${policyName} cannot be found.`);
      await this.saveEntity(kind, { ...e, inline: e.inline.filter((x) => x !== p) });
    });
  }

  async attachPolicy(kind: EntityKind, entityName: string, arn: string): Promise<void> {
    await this.exclusive(async () => {
      const e = this.mustEntity(kind, entityName);
      this.mustAttachable(arn);
      if (e.attached.includes(arn)) return;
      if (e.attached.length >= this.quotas.attachedPoliciesPerEntity) {
        const q = kind === 'user' ? 'PoliciesPerUser' : kind === 'group' ? 'PoliciesPerGroup' : 'PoliciesPerRole';
        throw quota(q, this.quotas.attachedPoliciesPerEntity);
      }
      await this.saveEntity(kind, { ...e, attached: [...e.attached, arn] });
    });
  }

  async detachPolicy(kind: EntityKind, entityName: string, arn: string): Promise<void> {
    await this.exclusive(async () => {
      const e = this.mustEntity(kind, entityName);
      if (!e.attached.includes(arn)) throw awsError('NoSuchEntity', `Policy ${arn} was not found.`);
      await this.saveEntity(kind, { ...e, attached: e.attached.filter((a) => a !== arn) });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Managed policies

  async createPolicy(input: { name: string; path?: string; document: string; description?: string; tags?: readonly Tag[] }): Promise<PolicyRecord> {
    return this.exclusive(async () => {
      const path = input.path ?? '/';
      if (this.policyNames.has(lc(input.name))) {
        throw awsError('EntityAlreadyExists', `A policy called ${input.name} already exists. Duplicate names are not allowed.`);
      }
      if (this.counts().policies >= this.quotas.managedPoliciesPerAccount) throw quota('PoliciesPerAccount', this.quotas.managedPoliciesPerAccount);
      const arn = this.policyArn(path, input.name);
      this.checkManagedDocument(input.document, arn);
      const now = iso(this.clock());
      const rec: PolicyRecord = {
        id: this.uniqueId('ANPA'), arn, name: input.name, path, createDate: now, updateDate: now,
        defaultVersion: 'v1', nextVersion: 2, versions: [{ id: 'v1', document: input.document, createDate: now }],
        tags: dedupeTags(input.tags ?? []), ...(input.description !== undefined ? { description: input.description } : {}),
      };
      await this.kv.put(`iam/policies/${rec.id}`, enc(rec));
      this.indexPolicy(rec);
      return rec;
    });
  }

  async deletePolicy(arn: string): Promise<void> {
    await this.exclusive(async () => {
      const p = this.mustLocalPolicy(arn);
      if (this.attachmentCount(arn) > 0 || this.boundaryCount(arn) > 0) {
        throw awsError('DeleteConflict', 'Cannot delete a policy attached to entities.');
      }
      if (p.versions.length > 1) {
        throw awsError('DeleteConflict', "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
      }
      await this.kv.delete(`iam/policies/${p.id}`);
      this.policies.delete(p.arn);
      this.policyNames.delete(lc(p.name));
      this.invalidate();
    });
  }

  async createPolicyVersion(arn: string, document: string, setAsDefault: boolean): Promise<PolicyVersionRecord> {
    return this.exclusive(async () => {
      const p = this.mustLocalPolicy(arn);
      if (p.versions.length >= this.quotas.versionsPerPolicy) {
        throw awsError('LimitExceeded', `A managed policy can have up to ${this.quotas.versionsPerPolicy} versions. Before you create a new version, you must delete an existing version.`);
      }
      this.checkManagedDocument(document, arn);
      const now = iso(this.clock());
      const v: PolicyVersionRecord = { id: `v${p.nextVersion}`, document, createDate: now };
      await this.savePolicy({
        ...p, versions: [...p.versions, v], nextVersion: p.nextVersion + 1, updateDate: now,
        defaultVersion: setAsDefault ? v.id : p.defaultVersion,
      });
      return v;
    });
  }

  getPolicyVersion(arn: string, versionId: string): PolicyVersionRecord {
    const p = this.mustPolicy(arn);
    const v = p.versions.find((x) => x.id === versionId);
    if (!v) throw awsError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    return v;
  }

  async deletePolicyVersion(arn: string, versionId: string): Promise<void> {
    await this.exclusive(async () => {
      const p = this.mustLocalPolicy(arn);
      this.getPolicyVersion(arn, versionId);
      if (p.defaultVersion === versionId) throw awsError('DeleteConflict', 'Cannot delete the default version of a policy.');
      await this.savePolicy({ ...p, versions: p.versions.filter((v) => v.id !== versionId) });
    });
  }

  async setDefaultPolicyVersion(arn: string, versionId: string): Promise<void> {
    await this.exclusive(async () => {
      const p = this.mustLocalPolicy(arn);
      this.getPolicyVersion(arn, versionId);
      await this.savePolicy({ ...p, defaultVersion: versionId, updateDate: iso(this.clock()) });
    });
  }

  async tagPolicy(arn: string, tags: readonly Tag[] | undefined, removeKeys?: readonly string[]): Promise<void> {
    await this.exclusive(async () => {
      const p = this.mustLocalPolicy(arn);
      let t = p.tags;
      if (tags) t = mergeTags(t, tags);
      if (removeKeys) t = removeTags(t, removeKeys);
      await this.savePolicy({ ...p, tags: t });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Access keys

  /** Creates a long-term access key for a user id ('root' for the root user). */
  async createAccessKey(userId: string): Promise<AccessKeyRecord> {
    return this.exclusive(async () => this.createKeyLocked(userId, undefined, false));
  }

  async updateAccessKey(userId: string, keyId: string, status: 'Active' | 'Inactive'): Promise<void> {
    await this.exclusive(async () => {
      const k = this.mustKey(userId, keyId);
      const next: AccessKeyRecord = { ...k, status };
      await this.kv.put(`iam/access-keys/${k.id}`, enc(next));
      this.keys.set(k.id, next);
      this.invalidate();
    });
  }

  async deleteAccessKey(userId: string, keyId: string): Promise<void> {
    await this.exclusive(async () => {
      const k = this.mustKey(userId, keyId);
      await this.kv.delete(`iam/access-keys/${k.id}`);
      this.keys.delete(k.id);
      this.invalidate();
    });
  }

  /**
   * Makes sure the root user has an access key and returns it.
   * - Without `given`: returns the root's existing key (the bootstrap one first, then the oldest
   *   Active one); creates a bootstrap key only when the root has none.
   * - With `given` (configured credentials are authoritative): if that key id exists for root, its
   *   secret is updated when it differs and it is re-activated; otherwise it is added and any
   *   earlier *bootstrap* keys are deleted (keys the root created with CreateAccessKey are kept).
   *   If the root would then exceed the key quota, LimitExceeded is thrown.
   */
  async ensureRootAccessKey(given?: { accessKeyId: string; secretAccessKey: string }): Promise<{ accessKeyId: string; secretAccessKey: string; created: boolean }> {
    if (!this.loaded) await this.load();
    return this.exclusive(async () => {
      const mine = this.listAccessKeys(ROOT);
      if (!given) {
        const k = mine.find((x) => x.bootstrap && x.status === 'Active') ?? mine.find((x) => x.status === 'Active');
        if (k) return { accessKeyId: k.id, secretAccessKey: k.secret, created: false };
        const n = await this.createKeyLocked(ROOT, undefined, true);
        return { accessKeyId: n.id, secretAccessKey: n.secret, created: true };
      }
      const existing = this.keys.get(given.accessKeyId);
      if (existing && existing.userId !== ROOT) {
        throw awsError('InvalidInput', `Access key ${given.accessKeyId} belongs to another user.`);
      }
      if (existing) {
        if (existing.secret !== given.secretAccessKey || existing.status !== 'Active') {
          const next: AccessKeyRecord = { ...existing, secret: given.secretAccessKey, status: 'Active', bootstrap: true };
          await this.kv.put(`iam/access-keys/${next.id}`, enc(next));
          this.keys.set(next.id, next);
          this.invalidate();
        }
        return { ...given, created: false };
      }
      const stale = mine.filter((k) => k.bootstrap);
      if (mine.length - stale.length >= this.quotas.accessKeysPerUser) throw quota('AccessKeysPerUser', this.quotas.accessKeysPerUser);
      if (stale.length) {
        await this.kv.batch(stale.map((k) => ({ op: 'delete' as const, key: `iam/access-keys/${k.id}` })));
        for (const k of stale) this.keys.delete(k.id);
      }
      await this.createKeyLocked(ROOT, given, true);
      return { ...given, created: true };
    });
  }

  // ---------------------------------------------------------------------------------------------
  // STS sessions

  /** Issues AssumeRole credentials and persists the session. */
  async createRoleSession(s: NewRoleSession): Promise<IssuedCredentials> {
    const now = this.clock();
    const rec: SessionRecord = {
      accessKeyId: this.uniqueId('ASIA'), secret: newSecret(), token: newSessionToken(),
      issued: iso(now), expiration: iso(new Date(now.getTime() + s.durationSeconds * 1000)),
      kind: 'role', subjectId: s.role.id, roleArn: this.arn('role', s.role.path, s.role.name), roleName: s.role.name,
      sessionName: s.sessionName, tags: s.tags, transitiveTagKeys: s.transitiveTagKeys, sessionPolicies: s.sessionPolicies,
      ...(s.sourceIdentity !== undefined ? { sourceIdentity: s.sourceIdentity } : {}),
      chained: s.chained, issuerArn: s.issuerArn,
    };
    return this.saveSession(rec);
  }

  /** Issues GetSessionToken credentials for a user id or 'root'. */
  async createUserSession(subjectId: string, durationSeconds: number, issuerArn: string): Promise<IssuedCredentials> {
    const now = this.clock();
    const rec: SessionRecord = {
      accessKeyId: this.uniqueId('ASIA'), secret: newSecret(), token: newSessionToken(),
      issued: iso(now), expiration: iso(new Date(now.getTime() + durationSeconds * 1000)),
      kind: 'user', subjectId, issuerArn,
    };
    return this.saveSession(rec);
  }

  /** Deletes every expired session from storage and memory. */
  async purgeExpiredSessions(): Promise<number> {
    return this.exclusive(async () => {
      const now = this.clock().getTime();
      const ops: BatchOp[] = [];
      for (const s of this.sessions.values()) if (Date.parse(s.expiration) <= now) ops.push({ op: 'delete', key: `sts/sessions/${s.accessKeyId}` });
      if (ops.length) await this.kv.batch(ops);
      for (const o of ops) this.sessions.delete(o.key.slice('sts/sessions/'.length));
      this.invalidate();
      return ops.length;
    });
  }

  /** A short fingerprint of a session token for logs (never the token itself). */
  static tokenFingerprint(token: string): string {
    return createHash('sha256').update(token).digest('hex').slice(0, 16);
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  private async saveSession(rec: SessionRecord): Promise<IssuedCredentials> {
    await this.exclusive(async () => {
      await this.kv.put(`sts/sessions/${rec.accessKeyId}`, enc(rec));
      this.sessions.set(rec.accessKeyId, rec);
    });
    return { accessKeyId: rec.accessKeyId, secretAccessKey: rec.secret, sessionToken: rec.token, expiration: new Date(rec.expiration) };
  }

  private expireSession(id: string): void {
    this.credCache.delete(id);
    if (!this.sessions.delete(id)) return;
    void this.exclusive(() => this.kv.delete(`sts/sessions/${id}`)).catch(() => undefined);
  }

  private buildCredential(id: string): ResolvedCredential | undefined {
    const k = this.keys.get(id);
    if (k) {
      if (k.status !== 'Active') return undefined;
      const principal = this.longTermPrincipal(k.userId, id, false);
      return principal ? { secretAccessKey: k.secret, principal } : undefined;
    }
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const expiration = new Date(s.expiration);
    if (expiration.getTime() + EXPIRED_SESSION_GRACE_MS <= this.clock().getTime()) {
      this.expireSession(id);
      return undefined;
    }
    let principal: Principal | undefined;
    if (s.kind === 'user') {
      const p = this.longTermPrincipal(s.subjectId, id, true);
      principal = p && { ...p, tokenIssueTime: new Date(s.issued), sourceIdentityArn: s.issuerArn };
    } else {
      principal = {
        type: 'AssumedRole', accountId: this.accountId,
        arn: `arn:aws:sts::${this.accountId}:assumed-role/${s.roleName}/${s.sessionName}`,
        principalId: `${s.subjectId}:${s.sessionName}`, accessKeyId: id, roleArn: s.roleArn!, roleName: s.roleName!,
        sessionName: s.sessionName!, temporary: true, tokenIssueTime: new Date(s.issued), tags: s.tags ?? {},
        ...(s.sessionPolicies?.length ? { sessionPolicies: s.sessionPolicies } : {}),
      };
    }
    return principal && { secretAccessKey: s.secret, sessionToken: s.token, expiration, principal };
  }

  private longTermPrincipal(userId: string, accessKeyId: string, temporary: boolean): Principal | undefined {
    if (userId === ROOT) {
      return { type: 'Root', accountId: this.accountId, arn: this.rootArn, principalId: this.accountId, accessKeyId, temporary, tags: {} };
    }
    const u = this.usersById.get(userId);
    if (!u) return undefined;
    return {
      type: 'IAMUser', accountId: this.accountId, arn: this.arn('user', u.path, u.name), principalId: u.id,
      accessKeyId, userName: u.name, temporary, tags: tagMap(u.tags),
    };
  }

  private userPolicies(u: UserRecord): PrincipalPolicies {
    const base = this.entityPolicies('user', u, u.boundary);
    const identity = [...base.identity];
    for (const gid of u.groups) {
      const g = this.groupsById.get(gid);
      if (g) identity.push(...this.entityPolicies('group', g, undefined).identity);
    }
    return { identity, session: [], ...(base.boundary ? { boundary: base.boundary } : {}) };
  }

  private entityPolicies(kind: EntityKind, e: EntityBase, boundary: string | undefined): PrincipalPolicies {
    const identity: CompiledPolicy[] = [];
    for (const p of e.inline) identity.push(this.compile(p.document, 'identity', `inline:${kind}:${e.name}:${p.name}`));
    for (const arn of e.attached) {
      const p = this.policies.get(arn);
      if (p) identity.push(this.compile(this.defaultDocument(p), 'identity', arn));
    }
    let b: CompiledPolicy | undefined;
    if (boundary !== undefined) {
      const p = this.policies.get(boundary);
      // A boundary whose policy vanished allows nothing (it cannot be deleted while in use anyway).
      b = p ? this.compile(this.defaultDocument(p), 'boundary', boundary) : this.compile('{"Version":"2012-10-17","Statement":[]}', 'boundary', boundary);
    }
    return { identity, session: [], ...(b ? { boundary: b } : {}) };
  }

  private async createKeyLocked(userId: string, given: { accessKeyId: string; secretAccessKey: string } | undefined, bootstrap: boolean): Promise<AccessKeyRecord> {
    if (this.listAccessKeys(userId).length >= this.quotas.accessKeysPerUser) throw quota('AccessKeysPerUser', this.quotas.accessKeysPerUser);
    const rec: AccessKeyRecord = {
      id: given?.accessKeyId ?? this.uniqueId('AKIA'), secret: given?.secretAccessKey ?? newSecret(), userId,
      status: 'Active', createDate: iso(this.clock()), ...(bootstrap ? { bootstrap: true } : {}),
    };
    await this.kv.put(`iam/access-keys/${rec.id}`, enc(rec));
    this.keys.set(rec.id, rec);
    this.invalidate();
    return rec;
  }

  private checkTrustPolicy(doc: string): void {
    if (policySize(doc) > this.quotas.assumeRolePolicySize) throw quota('ACLSizePerRole', this.quotas.assumeRolePolicySize);
    this.compile(doc, 'trust', 'trust');
  }

  private checkManagedDocument(doc: string, arn: string): void {
    if (policySize(doc) > this.quotas.managedPolicySize) throw quota('PolicySize', this.quotas.managedPolicySize);
    this.compile(doc, 'identity', arn);
  }

  private requireBoundaryPolicy(arn: string): void {
    if (!this.policies.has(arn)) throw awsError('NoSuchEntity', `Scope ARN: ${arn} does not exist or is not attachable.`);
  }

  private mustAttachable(arn: string): PolicyRecord {
    const p = this.policies.get(arn);
    if (!p) throw awsError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    return p;
  }

  private mustPolicy(arn: string): PolicyRecord {
    const p = this.policies.get(arn);
    if (!p) throw awsError('NoSuchEntity', `Policy ${arn} was not found.`);
    return p;
  }

  private mustLocalPolicy(arn: string): PolicyRecord {
    const p = this.mustPolicy(arn);
    if (p.awsManaged) throw awsError('UnmodifiableEntity', `Cannot modify AWS managed policy ${arn}.`);
    return p;
  }

  /** A user by name, or NoSuchEntity. */
  mustUser(name: string): UserRecord {
    const u = this.users.get(lc(name));
    if (!u) throw awsError('NoSuchEntity', `The user with name ${name} cannot be found.`);
    return u;
  }

  /** A group by name, or NoSuchEntity. */
  mustGroup(name: string): GroupRecord {
    const g = this.groups.get(lc(name));
    if (!g) throw awsError('NoSuchEntity', `The group with name ${name} cannot be found.`);
    return g;
  }

  /** A role by name, or NoSuchEntity. */
  mustRole(name: string): RoleRecord {
    const r = this.roles.get(lc(name));
    if (!r) throw awsError('NoSuchEntity', `The role with name ${name} cannot be found.`);
    return r;
  }

  /** A user, group or role by name, or NoSuchEntity. */
  mustEntity(kind: EntityKind, name: string): UserRecord | GroupRecord | RoleRecord {
    return kind === 'user' ? this.mustUser(name) : kind === 'group' ? this.mustGroup(name) : this.mustRole(name);
  }

  private mustKey(userId: string, keyId: string): AccessKeyRecord {
    const k = this.keys.get(keyId);
    if (!k || k.userId !== userId) throw awsError('NoSuchEntity', `The Access Key with id ${keyId} cannot be found.`);
    return k;
  }

  private async saveEntity(kind: EntityKind, rec: UserRecord | GroupRecord | RoleRecord): Promise<void> {
    if (kind === 'user') await this.saveUser(rec as UserRecord, this.usersById.get(rec.id)!);
    else if (kind === 'group') await this.saveGroup(rec, this.groupsById.get(rec.id)!);
    else await this.saveRole(rec as RoleRecord);
  }

  private async saveUser(next: UserRecord, prev: UserRecord): Promise<void> {
    await this.kv.put(`iam/users/${next.id}`, enc(next));
    this.users.delete(lc(prev.name));
    this.indexUser(next);
    this.invalidate();
  }

  private async saveGroup(next: GroupRecord, prev: GroupRecord): Promise<void> {
    await this.kv.put(`iam/groups/${next.id}`, enc(next));
    this.groups.delete(lc(prev.name));
    this.indexGroup(next);
    this.invalidate();
  }

  private async saveRole(next: RoleRecord): Promise<void> {
    await this.kv.put(`iam/roles/${next.id}`, enc(next));
    this.indexRole(next);
    this.invalidate();
  }

  private async savePolicy(next: PolicyRecord): Promise<void> {
    await this.kv.put(`iam/policies/${next.id}`, enc(next));
    this.indexPolicy(next);
    this.invalidate();
  }

  private indexUser(r: UserRecord): void { this.users.set(lc(r.name), r); this.usersById.set(r.id, r); }
  private indexGroup(r: GroupRecord): void { this.groups.set(lc(r.name), r); this.groupsById.set(r.id, r); }
  private indexRole(r: RoleRecord): void { this.roles.set(lc(r.name), r); this.rolesById.set(r.id, r); }
  private indexPolicy(r: PolicyRecord): void { this.policies.set(r.arn, r); this.policyNames.set(lc(r.name), r.arn); }

  private invalidate(): void {
    this.credCache.clear();
    this.policyCache.clear();
  }

  private uniqueId(prefix: string): string {
    for (;;) {
      const id = newIamId(prefix);
      if (!this.usersById.has(id) && !this.groupsById.has(id) && !this.rolesById.has(id) && !this.keys.has(id) && !this.sessions.has(id)) return id;
    }
  }

  private async read<T>(key: string): Promise<T | undefined> {
    const b = await this.kv.get(key);
    return b === undefined ? undefined : (JSON.parse(b.toString('utf8')) as T);
  }

  /** Runs `fn` after every earlier mutation finished (one writer at a time). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

function quota(name: string, n: number): Error {
  return awsError('LimitExceeded', `Cannot exceed quota for ${name}: ${n}`);
}

function sortByName<T extends { name: string }>(xs: T[]): T[] {
  return xs.sort((a, b) => {
    const x = lc(a.name);
    const y = lc(b.name);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Tags as a Record (aws:PrincipalTag). */
export function tagMap(tags: readonly Tag[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags) out[t.Key] = t.Value;
  return out;
}

function dedupeTags(tags: readonly Tag[]): Tag[] {
  return mergeTags([], tags);
}

function mergeTags(cur: readonly Tag[], add: readonly Tag[]): Tag[] {
  const out = cur.map((t) => ({ Key: t.Key, Value: t.Value }));
  for (const t of add) {
    const i = out.findIndex((x) => lc(x.Key) === lc(t.Key));
    if (i >= 0) out[i] = { Key: t.Key, Value: t.Value };
    else out.push({ Key: t.Key, Value: t.Value });
  }
  if (out.length > 50) throw awsError('LimitExceeded', 'Cannot exceed quota for TagsPerEntity: 50');
  return out;
}

function removeTags(cur: readonly Tag[], keys: readonly string[]): Tag[] {
  const drop = new Set(keys.map(lc));
  return cur.filter((t) => !drop.has(lc(t.Key)));
}

