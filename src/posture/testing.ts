/** Fake posture sources for unit tests: every provider returns what the test put in `state`. */
import type { PostureAccessKey, PostureConfig, PostureIamUser, PostureKmsKey, PosturePolicy, PostureSite, PostureSources, PostureTrail, PostureWebAcl } from './types.js';

/** The mutable state behind {@link fakeSources}. */
export interface FakeState {
  users: PostureIamUser[];
  keys: PostureAccessKey[];
  policies: PosturePolicy[];
  kmsKeys: PostureKmsKey[];
  trails: PostureTrail[];
  webAcls: PostureWebAcl[];
  sites: PostureSite[];
  config: PostureConfig;
  shield?: string[];
  guardDuty?: { id: string; status: 'ENABLED' | 'DISABLED' }[];
  physical: Map<string, Buffer>;
  /** What the fake barrier "encrypts" to: identity makes rows plaintext (a broken barrier). */
  encrypt: (b: Buffer) => Buffer;
  nodeVersion: string;
  validations: Map<string, { ok: boolean; summary: string }>;
  monitor?: { lastRun?: Date; intervalMs: number; startedAt: Date };
}

/** A state where every check has something to look at and passes. */
export function passingState(): FakeState {
  return {
    users: [{ name: 'alice', arn: 'arn:aws:iam::000000000000:user/alice', createDate: '2026-11-01T00:00:00Z', attachedPolicies: [], inlinePolicyNames: [] }],
    keys: [
      { id: 'AKIAROOT0000000000001', userName: 'root', status: 'Inactive', createDate: '2026-11-01T00:00:00Z' },
      { id: 'AKIAALICE00000000001', userName: 'alice', status: 'Active', createDate: '2026-11-01T00:00:00Z', lastUsedDate: '2026-11-28T00:00:00Z' },
    ],
    policies: [
      {
        id: 'arn:aws:iam::000000000000:policy/read',
        name: 'read',
        kind: 'managed',
        awsManaged: false,
        attachedTo: ['group/readers'],
        document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Describe*', Resource: '*' }] }),
      },
    ],
    kmsKeys: [
      {
        keyId: '11111111-2222-3333-4444-555555555555',
        arn: 'arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555',
        state: 'Enabled',
        keySpec: 'SYMMETRIC_DEFAULT',
        keyUsage: 'ENCRYPT_DECRYPT',
        origin: 'AWS_KMS',
        rotationEnabled: true,
        policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Resource: '*' }] }),
        aliases: ['alias/app'],
      },
    ],
    trails: [
      {
        name: 'main',
        arn: 'arn:aws:cloudtrail:us-east-1:000000000000:trail/main',
        isLogging: true,
        logFileValidationEnabled: true,
        isMultiRegionTrail: false,
        managementReadWrite: true,
        hasDigest: true,
        bucketPath: '/data/buckets/audit',
        bucketMode: 0o700,
      },
    ],
    webAcls: [
      {
        name: 'shop-acl',
        id: 'a1b2c3',
        arn: 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop-acl/a1b2c3',
        defaultAction: 'Allow',
        ruleNames: ['common'],
        aclMetricsEnabled: true,
        rulesWithoutMetrics: [],
        loggingEnabled: true,
      },
    ],
    sites: [{ name: 'shop', arn: 'arn:aws:bulwark:us-east-1:000000000000:site/shop', listen: '10.0.0.5:443', tls: true, webAclArn: 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop-acl/a1b2c3' }],
    config: {
      region: 'us-east-1',
      accountId: '000000000000',
      listeners: [
        { name: 'api', host: '10.0.0.5', port: 4599, tls: true },
        { name: 'site shop', host: '10.0.0.5', port: 443, tls: true },
      ],
      sealType: 'shamir',
      sealed: false,
      backups: { path: '/var/backups/bulwark', maxAgeHours: 26, newestBackupTime: '2026-11-29T00:00:00Z' },
      bucketsRoot: '/data/buckets',
      dataDir: '/data',
      storage: 'sqlite',
      configFile: '/etc/bulwark.yaml',
    },
    shield: ['arn:aws:bulwark:us-east-1:000000000000:site/shop'],
    guardDuty: [{ id: 'd1', status: 'ENABLED' }],
    physical: new Map([['iam/access-keys/AKIAALICE00000000001', xor(Buffer.from('{"id":"AKIAALICE00000000001","secret":"s3cr3t-value-xyz"}'))]]),
    encrypt: xor,
    nodeVersion: 'v22.12.0',
    validations: new Map([['main', { ok: true, summary: 'Results: 1 digest file valid' }]]),
    monitor: { lastRun: new Date('2026-11-29T11:58:00Z'), intervalMs: 300_000, startedAt: new Date('2026-11-29T10:00:00Z') },
  };
}

/** A stand-in cipher: XOR with 0x5a (enough to prove a check reads the physical row, not the plaintext). */
export function xor(b: Buffer): Buffer {
  return Buffer.from(b.map((x) => x ^ 0x5a));
}

/** The time unit tests run at. */
export const NOW = new Date('2026-11-29T12:00:00Z');

/** Sources over a fake state; shield/guardDuty providers are absent when the state lacks them. */
export function fakeSources(s: FakeState, apiEndpoint?: string): PostureSources {
  return {
    iamUsers: async () => s.users,
    iamAccessKeys: async () => s.keys,
    iamPolicies: async () => s.policies,
    kmsKeys: async () => s.kmsKeys,
    trails: async () => s.trails,
    webAcls: async () => s.webAcls,
    sites: async () => s.sites,
    config: async () => s.config,
    ...(s.shield ? { shieldProtections: async () => s.shield ?? [] } : {}),
    ...(s.guardDuty ? { guardDutyDetectors: async () => s.guardDuty ?? [] } : {}),
    selfTest: {
      barrier: {
        put: async (p, v) => void s.physical.set(p, s.encrypt(v)),
        get: async (p) => {
          const raw = s.physical.get(p);
          return raw && s.encrypt(raw);
        },
        delete: async (p) => void s.physical.delete(p),
      },
      physical: { get: async (p) => s.physical.get(p), list: async (prefix) => [...s.physical.keys()].filter((k) => k.startsWith(prefix)) },
      apiEndpoint: () => apiEndpoint,
      nodeVersion: s.nodeVersion,
      validateTrail: async (name) => s.validations.get(name) ?? { ok: false, summary: `no trail ${name}` },
      ...(s.monitor ? { monitor: () => s.monitor! } : {}),
    },
  };
}
