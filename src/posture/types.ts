/**
 * The posture engine's contracts: the narrow read-only view of live state that checks run against
 * (`PostureSources`), a check's signature and outcome, catalogue entries, and the report shape the
 * CLI, the HTTP endpoint and the console read.
 */

/** Who secures a control: Bulwark alone, both sides, or the operator alone. */
export type Responsibility = 'inherited' | 'shared' | 'customer';
/** Severity of a failing control (Security Hub's scale). */
export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
/** The outcome of one control. */
export type ControlStatus = 'PASS' | 'FAIL' | 'NOT_APPLICABLE' | 'ERROR';
/** Severities from lowest to highest. */
export const SEVERITIES: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** An IAM user as posture sees it. */
export interface PostureIamUser {
  readonly name: string;
  readonly arn: string;
  readonly createDate: string;
  /** Managed policy ARNs attached directly to the user. */
  readonly attachedPolicies: readonly string[];
  readonly inlinePolicyNames: readonly string[];
}

/** An access key (the secret is never part of this view). */
export interface PostureAccessKey {
  readonly id: string;
  /** The user name, or 'root' for the root user. */
  readonly userName: string;
  readonly status: 'Active' | 'Inactive';
  readonly createDate: string;
  readonly lastUsedDate?: string;
}

/** A policy document with where it lives. */
export interface PosturePolicy {
  /** The managed policy ARN, or `<kind>/<entity>/<policy name>` for inline policies. */
  readonly id: string;
  readonly name: string;
  readonly kind: 'managed' | 'inline';
  readonly awsManaged: boolean;
  /** Where it is attached or embedded: 'user/alice', 'group/admins', 'role/app'. */
  readonly attachedTo: readonly string[];
  /** The default version's document (JSON text). */
  readonly document: string;
}

/** A KMS key's metadata as posture sees it. */
export interface PostureKmsKey {
  readonly keyId: string;
  readonly arn: string;
  readonly state: string;
  readonly keySpec: string;
  readonly keyUsage: string;
  readonly origin: string;
  readonly rotationEnabled: boolean;
  readonly deletionDate?: string;
  readonly policy: string;
  readonly aliases: readonly string[];
}

/** A CloudTrail trail with its status. */
export interface PostureTrail {
  readonly name: string;
  readonly arn: string;
  readonly isLogging: boolean;
  readonly logFileValidationEnabled: boolean;
  readonly isMultiRegionTrail: boolean;
  /** True when management events, read and write, are selected. */
  readonly managementReadWrite: boolean;
  readonly latestDeliveryError?: string;
  readonly latestDigestDeliveryError?: string;
  /** True once a digest was delivered (the chain can be validated). */
  readonly hasDigest: boolean;
  /** The local bucket directory the trail delivers into. */
  readonly bucketPath: string;
  /** Its permission bits, or undefined when the directory does not exist. */
  readonly bucketMode?: number;
}

/** The result of validating one trail's delivered files. */
export interface PostureTrailValidation {
  readonly ok: boolean;
  readonly summary: string;
}

/** A wafv2 web ACL with what posture checks. */
export interface PostureWebAcl {
  readonly name: string;
  readonly id: string;
  readonly arn: string;
  readonly defaultAction: 'Allow' | 'Block';
  readonly ruleNames: readonly string[];
  readonly aclMetricsEnabled: boolean;
  /** Rules whose VisibilityConfig.CloudWatchMetricsEnabled is false. */
  readonly rulesWithoutMetrics: readonly string[];
  readonly loggingEnabled: boolean;
}

/** A site (proxy listener) and its web ACL association. */
export interface PostureSite {
  readonly name: string;
  readonly arn: string;
  readonly listen: string;
  readonly tls: boolean;
  readonly webAclArn?: string;
}

/** A network listener of the node. */
export interface PostureListener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** The node configuration posture reads. */
export interface PostureConfig {
  readonly region: string;
  readonly accountId: string;
  readonly listeners: readonly PostureListener[];
  /** The seal the store was initialized with. */
  readonly sealType: 'dev' | 'shamir' | null;
  readonly sealed: boolean;
  /** The config file's `backups` section, when given. */
  readonly backups?: { readonly path: string; readonly maxAgeHours: number; readonly newestBackupTime?: string };
  /** Why the config file's `backups` section was refused, when it was. */
  readonly backupsInvalid?: string;
  /** Root of the local buckets trails and WAF logs deliver into. */
  readonly bucketsRoot: string;
  /** Data directory and storage kind, for remediation commands. */
  readonly dataDir: string;
  readonly storage: string;
  readonly configFile?: string;
}

/** Primitives the platform self-tests use to prove Bulwark's own controls. */
export interface PostureSelfTest {
  /** Writes/reads/deletes through the encrypting barrier. */
  readonly barrier: {
    put(path: string, value: Buffer): Promise<void>;
    get(path: string): Promise<Buffer | undefined>;
    delete(path: string): Promise<void>;
  };
  /** Reads raw rows from the physical backend (what an attacker with the database sees). */
  readonly physical: {
    get(path: string): Promise<Buffer | undefined>;
    list(prefix: string): Promise<string[]>;
  };
  /** The live API endpoint (http(s)://host:port) unauthenticated requests are sent to. */
  readonly apiEndpoint: () => string | undefined;
  /** The Node.js version the node runs on (process.version). */
  readonly nodeVersion: string;
  /** Validates a trail's delivered log files and digest chain with the audit trail's validator. */
  validateTrail(name: string): Promise<PostureTrailValidation>;
  /** The periodic posture monitor's state; absent for one-off reports outside a node. */
  readonly monitor?: () => { readonly lastRun?: Date; readonly intervalMs: number; readonly startedAt: Date };
}

/** Narrow async read functions over the live state; absent providers make their controls NOT_APPLICABLE. */
export interface PostureSources {
  readonly iamUsers: () => Promise<readonly PostureIamUser[]>;
  readonly iamAccessKeys: () => Promise<readonly PostureAccessKey[]>;
  readonly iamPolicies: () => Promise<readonly PosturePolicy[]>;
  /** Absent: Bulwark has no console passwords, so password policy controls do not apply. */
  readonly iamPasswordPolicy?: () => Promise<{ readonly minimumLength: number } | undefined>;
  /** Absent: Bulwark has no MFA devices yet. */
  readonly iamMfaDevices?: () => Promise<readonly { readonly userName: string; readonly serial: string; readonly hardware: boolean }[]>;
  readonly kmsKeys: () => Promise<readonly PostureKmsKey[]>;
  readonly trails: () => Promise<readonly PostureTrail[]>;
  readonly webAcls: () => Promise<readonly PostureWebAcl[]>;
  readonly sites: () => Promise<readonly PostureSite[]>;
  readonly config: () => Promise<PostureConfig>;
  /** Protected resource ARNs; absent while Shield is not in this build. */
  readonly shieldProtections?: () => Promise<readonly string[]>;
  /** GuardDuty detectors; absent while GuardDuty is not in this build. */
  readonly guardDutyDetectors?: () => Promise<readonly { id: string; status: 'ENABLED' | 'DISABLED' }[]>;
  readonly selfTest: PostureSelfTest;
}

/** One resource a control looked at. */
export interface ResourceResult {
  readonly id: string;
  readonly status: 'PASS' | 'FAIL';
  readonly detail?: string;
}

/** What a check returns. */
export interface CheckOutcome {
  readonly status: ControlStatus;
  readonly evidence: string;
  readonly resources?: readonly ResourceResult[];
  /** Commands that fix the failing resources, with their ids filled in. */
  readonly commands?: readonly string[];
}

/** What a check may read. */
export interface CheckContext {
  readonly sources: PostureSources;
  readonly now: Date;
  readonly control: CatalogueControl;
}

/** A check: reads live state (or runs a self-test) and decides. */
export type Check = (ctx: CheckContext) => Promise<CheckOutcome>;

/** One catalogue entry, as validated at load. */
export interface CatalogueControl {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly nist: readonly string[];
  readonly service: 'platform' | 'iam' | 'kms' | 'cloudtrail' | 'waf' | 'shield' | 'guardduty';
  readonly topic: string;
  readonly responsibility: Responsibility;
  readonly severity: Severity;
  /** The name of the check in the registry. */
  readonly check: string;
  /** What Bulwark does (inherited and shared controls). */
  readonly platformPart?: string;
  /** What the operator does (shared and customer controls). */
  readonly customerPart?: string;
  /** How to fix a failure, in words. */
  readonly remediation?: string;
}

/** One control's result in a report. */
export interface ControlReport {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly responsibility: Responsibility;
  readonly service: CatalogueControl['service'];
  readonly topic: string;
  readonly severity: Severity;
  readonly nist: string[];
  readonly status: ControlStatus;
  readonly evidence: string;
  readonly platformPart?: string;
  readonly customerPart?: string;
  readonly remediation?: string;
  readonly commands?: string[];
  readonly resources?: { id: string; status: 'PASS' | 'FAIL'; detail?: string }[];
}

/** The posture report (the console codes against exactly this shape). */
export interface PostureReport {
  readonly generatedAt: string;
  readonly bulwarkVersion: string;
  readonly summary: {
    readonly pass: number;
    readonly fail: number;
    readonly notApplicable: number;
    readonly error: number;
    /** Failing controls per severity. */
    readonly bySeverity: Record<Severity, number>;
  };
  readonly controls: ControlReport[];
}
