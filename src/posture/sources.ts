/**
 * Adapters from Bulwark's live state to `PostureSources`: the identity store, KMS key metadata, the
 * audit trail, the wafv2 configuration store, the running sites, the configuration and the seal.
 * Everything here is read-only, except the self-test canary, which is written and removed again.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { AuditTrail } from '../audit/index.js';
import type { BulwarkConfig } from '../config/index.js';
import type { IamStore } from '../iam/index.js';
import type { RunningSite } from '../proxy/index.js';
import type { KVStore } from '../storage/index.js';
import type { PostureAccessKey, PosturePolicy, PostureSources, PostureWebAcl } from './types.js';

/** The fields of a wafv2 WebACL posture reads. */
interface WebACL {
  readonly Name: string;
  readonly Id: string;
  readonly ARN: string;
  readonly DefaultAction: Readonly<Record<string, unknown>>;
  readonly Rules: readonly { readonly Name: string; readonly VisibilityConfig: { readonly CloudWatchMetricsEnabled: boolean } }[];
  readonly VisibilityConfig: { readonly CloudWatchMetricsEnabled: boolean };
}

/** The read side of the wafv2 configuration store (WafConfigStore) posture uses. */
export interface WafStoreView {
  load(): Promise<void>;
  list(type: 'webacl', scope: 'REGIONAL'): readonly { readonly entity: unknown }[];
  loggingConfigFor(webAclArn: string): unknown;
  webAclArnFor(resourceArn: string): string | undefined;
}

/** What {@link createPostureSources} reads from. */
export interface PostureSourceDeps {
  readonly config: BulwarkConfig;
  readonly iam: IamStore;
  /** The encrypting barrier (KMS key metadata is read from kms/keys/ through it). */
  readonly kv: KVStore;
  /** Raw rows of the physical backend, for the encryption self-tests. */
  readonly physical: { get(path: string): Promise<Buffer | undefined>; list(prefix: string): Promise<string[]> };
  readonly audit: AuditTrail;
  readonly waf: WafStoreView;
  readonly sites: () => readonly RunningSite[];
  readonly seal: () => { readonly type: string | null; readonly sealed: boolean };
  readonly apiEndpoint: () => string | undefined;
  readonly bucketsRoot: string;
  readonly shieldProtections?: PostureSources['shieldProtections'];
  readonly guardDutyDetectors?: PostureSources['guardDutyDetectors'];
  readonly monitor?: PostureSources['selfTest']['monitor'];
  readonly nodeVersion?: string;
}

/** The fields of a stored KMS key record posture reads (kms/store.ts KeyRecord). */
const kmsKeyRecord = z.object({
  keyId: z.string(),
  arn: z.string(),
  state: z.string(),
  keySpec: z.string(),
  keyUsage: z.string(),
  origin: z.string(),
  rotationEnabled: z.boolean(),
  deletionDate: z.number().optional(),
  policy: z.string(),
});
const kmsAliasRecord = z.object({ name: z.string(), targetKeyId: z.string() });

/** The config file's `backups` section. */
const backupsSchema = z.object({ path: z.string().min(1), maxAgeHours: z.number().positive().default(26) }).strict();

function newestFileTime(dir: string): string | undefined {
  let newest = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const n of names.slice(0, 10_000)) {
    try {
      const st = statSync(join(dir, n));
      if (st.isFile() && st.size > 0 && st.mtimeMs > newest) newest = st.mtimeMs;
    } catch {
      // Removed while listing: skip it.
    }
  }
  return newest > 0 ? new Date(newest).toISOString() : undefined;
}

function modeOf(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? st.mode & 0o777 : undefined;
  } catch {
    return undefined;
  }
}

function aclView(acl: WebACL, loggingEnabled: boolean): PostureWebAcl {
  return {
    name: acl.Name,
    id: acl.Id,
    arn: acl.ARN,
    defaultAction: 'Block' in acl.DefaultAction ? 'Block' : 'Allow',
    ruleNames: acl.Rules.map((r) => r.Name),
    aclMetricsEnabled: acl.VisibilityConfig.CloudWatchMetricsEnabled,
    rulesWithoutMetrics: acl.Rules.filter((r) => !r.VisibilityConfig.CloudWatchMetricsEnabled).map((r) => r.Name),
    loggingEnabled,
  };
}

/** How far back the audit history is searched for a key's last use (91 days). */
const LAST_USED_WINDOW_MS = 91 * 86_400_000;

/**
 * When an access key last signed a call that authenticated, from the audit trail's event history
 * (newest first, indexed by AccessKeyId): the identity store does not track key use itself.
 */
async function lastSeenInAudit(audit: AuditTrail, accessKeyId: string): Promise<string | undefined> {
  // The history keeps 90 days by default, which is also the horizon of IAM.3/IAM.8; a bounded window
  // keeps the index walk short for keys that were never used.
  const now = Date.now();
  const { keys } = await audit.events.scan({ startMs: now - LAST_USED_WINDOW_MS, endMs: now, attribute: { key: 'AccessKeyId', value: accessKeyId }, limit: 10 });
  for (const k of keys) {
    const json = await audit.events.getJson(k);
    if (!json) continue;
    const r = JSON.parse(json) as { eventTime?: string; userIdentity?: { type?: string } };
    // Calls whose signature failed carry the key id with an Unknown identity: not a use of the key.
    if (r.userIdentity?.type !== 'Unknown' && r.eventTime) return r.eventTime;
  }
  return undefined;
}

/** Builds the live-state sources for a node. */
export function createPostureSources(d: PostureSourceDeps): PostureSources {
  const { config, iam } = d;
  const trailArn = (name: string): string => `arn:aws:cloudtrail:${config.region}:${config.accountId}:trail/${name}`;
  return {
    iamUsers: async () =>
      iam.listUsers().map((u) => ({
        name: u.name,
        arn: iam.arn('user', u.path, u.name),
        createDate: u.createDate,
        attachedPolicies: [...u.attached],
        inlinePolicyNames: u.inline.map((p) => p.name),
      })),
    iamAccessKeys: async () => {
      const out: PostureAccessKey[] = [];
      const add = async (userId: string, userName: string): Promise<void> => {
        for (const k of iam.listAccessKeys(userId)) {
          const seen = await lastSeenInAudit(d.audit, k.id);
          const recorded = k.lastUsed?.date;
          const last = [recorded, seen].filter((x): x is string => x !== undefined).sort().at(-1);
          out.push({ id: k.id, userName, status: k.status, createDate: k.createDate, ...(last ? { lastUsedDate: last } : {}) });
        }
      };
      await add('root', 'root');
      for (const u of iam.listUsers()) await add(u.id, u.name);
      return out;
    },
    iamPolicies: async () => {
      const out: PosturePolicy[] = [];
      for (const p of iam.listPolicies()) {
        const a = iam.policyAttachments(p.arn);
        out.push({
          id: p.arn,
          name: p.name,
          kind: 'managed',
          awsManaged: p.awsManaged === true,
          attachedTo: [...a.users.map((u) => `user/${u.name}`), ...a.groups.map((g) => `group/${g.name}`), ...a.roles.map((r) => `role/${r.name}`)],
          document: iam.defaultDocument(p),
        });
      }
      const inline = (kind: 'user' | 'group' | 'role', entities: readonly { name: string; inline: readonly { name: string; document: string }[] }[]): void => {
        for (const e of entities) {
          for (const p of e.inline) out.push({ id: `${kind}/${e.name}/${p.name}`, name: p.name, kind: 'inline', awsManaged: false, attachedTo: [`${kind}/${e.name}`], document: p.document });
        }
      };
      inline('user', iam.listUsers());
      inline('group', iam.listGroups());
      inline('role', iam.listRoles());
      return out;
    },
    kmsKeys: async () => {
      const aliases = new Map<string, string[]>();
      for (const k of await d.kv.list('kms/aliases/')) {
        const buf = await d.kv.get(k);
        if (!buf) continue;
        const a = kmsAliasRecord.parse(JSON.parse(buf.toString('utf8')));
        aliases.set(a.targetKeyId, [...(aliases.get(a.targetKeyId) ?? []), a.name]);
      }
      const out = [];
      for (const k of await d.kv.list('kms/keys/')) {
        const buf = await d.kv.get(k);
        if (!buf) continue;
        const r = kmsKeyRecord.parse(JSON.parse(buf.toString('utf8')));
        out.push({
          keyId: r.keyId,
          arn: r.arn,
          state: r.state,
          keySpec: r.keySpec,
          keyUsage: r.keyUsage,
          origin: r.origin,
          rotationEnabled: r.rotationEnabled,
          ...(r.deletionDate !== undefined ? { deletionDate: new Date(r.deletionDate).toISOString() } : {}),
          policy: r.policy,
          aliases: aliases.get(r.keyId) ?? [],
        });
      }
      return out;
    },
    trails: async () => {
      const out = [];
      for (const t of d.audit.trails.list()) {
        const s = await d.audit.deliveryState(t.name);
        const bucketPath = join(d.bucketsRoot, t.s3BucketName);
        const mode = modeOf(bucketPath);
        out.push({
          name: t.name,
          arn: trailArn(t.name),
          isLogging: t.isLogging,
          logFileValidationEnabled: t.logFileValidationEnabled,
          isMultiRegionTrail: t.isMultiRegionTrail,
          managementReadWrite: t.eventSelectors.some((e) => e.IncludeManagementEvents && e.ReadWriteType === 'All' && e.ExcludeManagementEventSources.length === 0),
          ...(s.latestDeliveryError ? { latestDeliveryError: s.latestDeliveryError } : {}),
          ...(s.latestDigestDeliveryError ? { latestDigestDeliveryError: s.latestDigestDeliveryError } : {}),
          hasDigest: s.lastDigest !== undefined,
          bucketPath,
          ...(mode !== undefined ? { bucketMode: mode } : {}),
        });
      }
      return out;
    },
    webAcls: async () => {
      await d.waf.load();
      return d.waf.list('webacl', 'REGIONAL').map((r) => {
        const acl = r.entity as WebACL;
        return aclView(acl, d.waf.loggingConfigFor(acl.ARN) !== undefined);
      });
    },
    sites: async () => {
      await d.waf.load();
      return d.sites().map((s) => {
        const acl = d.waf.webAclArnFor(s.arn);
        return { name: s.name, arn: s.arn, listen: `${s.address.host}:${s.address.port}`, tls: s.config.tls !== undefined, ...(acl ? { webAclArn: acl } : {}) };
      });
    },
    config: async () => {
      const st = d.seal();
      const rawBackups = config.file.backups;
      const result = rawBackups === undefined ? undefined : backupsSchema.safeParse(rawBackups);
      const parsed = result?.success ? result.data : undefined;
      const backupsInvalid = result && !result.success ? result.error.issues.map((i) => `${i.path.join('.') || 'backups'}: ${i.message}`).join('; ') : undefined;
      const endpoint = d.apiEndpoint();
      const apiPort = endpoint ? Number(new URL(endpoint).port) || config.apiListen.port : config.apiListen.port;
      return {
        region: config.region,
        accountId: config.accountId,
        listeners: [
          { name: 'api', host: config.apiListen.host, port: apiPort, tls: config.tls !== undefined },
          ...d.sites().map((s) => ({ name: `site ${s.name}`, host: s.address.host, port: s.address.port, tls: s.config.tls !== undefined })),
        ],
        sealType: st.type === 'dev' || st.type === 'shamir' ? st.type : null,
        sealed: st.sealed,
        ...(parsed ? { backups: { ...parsed, ...(() => { const t = newestFileTime(parsed.path); return t ? { newestBackupTime: t } : {}; })() } } : {}),
        ...(backupsInvalid ? { backupsInvalid } : {}),
        bucketsRoot: d.bucketsRoot,
        dataDir: config.dataDir,
        storage: config.storage === 'sqlite' ? 'sqlite' : 'postgres',
        ...(config.configFile ? { configFile: config.configFile } : {}),
      };
    },
    ...(d.shieldProtections ? { shieldProtections: d.shieldProtections } : {}),
    ...(d.guardDutyDetectors ? { guardDutyDetectors: d.guardDutyDetectors } : {}),
    selfTest: {
      barrier: { put: (p, v) => d.kv.put(p, v), get: (p) => d.kv.get(p), delete: (p) => d.kv.delete(p) },
      physical: d.physical,
      apiEndpoint: d.apiEndpoint,
      nodeVersion: d.nodeVersion ?? process.version,
      validateTrail: async (name) => {
        const r = await d.audit.validate(name);
        return { ok: r.ok, summary: r.summary };
      },
      ...(d.monitor ? { monitor: d.monitor } : {}),
    },
  };
}
