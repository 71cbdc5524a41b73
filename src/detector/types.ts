/**
 * The contract inside the threat detector (GuardDuty): normalised inputs flow into detection
 * modules (src/detector/detections/, one file each, indexed in a registry); a module emits finding
 * candidates; the detector service (src/detector/service.ts and friends) turns candidates into
 * GuardDuty-format findings: dedup by `dedupKey`, suppression filters, trusted lists, persistence,
 * response actions. Modules never write findings or touch storage themselves.
 */

/** A CloudTrail record as CloudTrail writes it (eventVersion 1.x), from Bulwark's trail or imported. */
export interface CloudTrailRecord {
  readonly eventVersion?: string;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly eventID: string;
  readonly eventType?: string;
  readonly readOnly?: boolean;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly recipientAccountId?: string;
  readonly userIdentity?: {
    readonly type?: string;
    readonly principalId?: string;
    readonly arn?: string;
    readonly accountId?: string;
    readonly accessKeyId?: string;
    readonly userName?: string;
    readonly invokedBy?: string;
    readonly sessionContext?: {
      readonly sessionIssuer?: { readonly type?: string; readonly principalId?: string; readonly arn?: string; readonly accountId?: string; readonly userName?: string };
      readonly attributes?: { readonly creationDate?: string; readonly mfaAuthenticated?: string };
      readonly ec2RoleDelivery?: string;
    };
  };
  readonly requestParameters?: Record<string, unknown> | null;
  readonly responseElements?: Record<string, unknown> | null;
  readonly additionalEventData?: Record<string, unknown>;
  readonly resources?: readonly { readonly ARN?: string; readonly type?: string; readonly accountId?: string }[];
  readonly tlsDetails?: Record<string, unknown>;
  readonly [k: string]: unknown;
}

/** One VPC flow log record (default v2 fields; custom formats map their header names onto these). */
export interface FlowRecord {
  readonly version?: number;
  readonly accountId?: string;
  readonly interfaceId?: string;
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly srcPort?: number;
  readonly dstPort?: number;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP). */
  readonly protocol?: number;
  readonly packets?: number;
  readonly bytes?: number;
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  readonly action?: 'ACCEPT' | 'REJECT';
  readonly logStatus?: 'OK' | 'NODATA' | 'SKIPDATA';
  /** Extra fields of custom formats (vpc-id, instance-id, tcp-flags, flow-direction, region, ...), by header name. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** One Route 53 Resolver query log record (JSON lines as Resolver writes them). */
export interface DnsQueryRecord {
  readonly version?: string;
  readonly account_id?: string;
  readonly region?: string;
  readonly vpc_id?: string;
  readonly query_timestamp: string;
  readonly query_name: string;
  readonly query_type?: string;
  readonly query_class?: string;
  readonly rcode?: string;
  readonly answers?: readonly { readonly Rdata?: string; readonly Type?: string; readonly Class?: string }[];
  readonly srcaddr?: string;
  readonly srcport?: string;
  readonly transport?: string;
  readonly srcids?: { readonly instance?: string; readonly resolver_endpoint?: string };
  readonly [k: string]: unknown;
}

/** One AWS WAF log record (the format src/proxy/waf-log.ts writes). */
export interface WafLogRecord {
  readonly timestamp: number;
  readonly webaclId: string;
  readonly terminatingRuleId: string;
  readonly terminatingRuleType?: string;
  readonly action: string;
  readonly httpSourceName?: string;
  readonly httpSourceId?: string;
  readonly labels?: readonly { readonly name: string }[];
  readonly httpRequest: {
    readonly clientIp: string;
    readonly country?: string;
    readonly headers?: readonly { readonly name: string; readonly value: string }[];
    readonly uri: string;
    readonly args?: string;
    readonly httpMethod: string;
    readonly requestId?: string;
  };
  readonly [k: string]: unknown;
}

/** A Shield attack start/end event (published by src/shield/ on its channel). */
export interface ShieldAttackEvent {
  readonly phase: 'start' | 'end';
  readonly attackId: string;
  readonly resourceArn: string;
  readonly startTime: string;
  readonly endTime?: string;
  readonly vectors: readonly string[];
  /** Top source IPs with request counts. */
  readonly topSources: readonly { readonly ip: string; readonly count: number }[];
}

/** What a detection module sees. `source` tells live events (Bulwark's own) from ingested ones. */
export type DetectorInput =
  | { readonly kind: 'cloudtrail'; readonly record: CloudTrailRecord; readonly source: 'live' | 'ingest' }
  | { readonly kind: 'vpcflow'; readonly record: FlowRecord }
  | { readonly kind: 'dns'; readonly record: DnsQueryRecord }
  | { readonly kind: 'waf'; readonly record: WafLogRecord }
  | { readonly kind: 'shield'; readonly event: ShieldAttackEvent };

/** The kinds of input. */
export type DetectorInputKind = DetectorInput['kind'];

/**
 * What a module asks the service to make a finding of. `resource`, `action` and `evidence` use
 * GuardDuty's finding JSON shapes (camelCase as GetFindings returns them: e.g. resource
 * {resourceType:'AccessKey', accessKeyDetails:{...}}, action {actionType:'AWS_API_CALL',
 * awsApiCallAction:{api, serviceName, callerType, remoteIpDetails, ...}}).
 */
export interface FindingCandidate {
  /** A GuardDuty finding type, e.g. 'Policy:IAMUser/RootCredentialUsage'; Bulwark's own types use the same grammar. */
  readonly type: string;
  /** 1.0–10.0; omitted → the type's default severity (severityOf). */
  readonly severity?: number;
  /** Account and region the activity belongs to (the record's own, not the detector's). */
  readonly accountId: string;
  readonly region: string;
  readonly resource: Record<string, unknown>;
  readonly action: Record<string, unknown>;
  readonly evidence?: Record<string, unknown>;
  readonly title: string;
  readonly description: string;
  /** The same activity repeated has the same key: the service updates count and eventLastSeen. */
  readonly dedupKey: string;
  /** When the activity happened (the record's time). */
  readonly eventTime: Date;
  /** Extra service.additionalInfo values (e.g. {threatListName}, {unusual:{...}}). */
  readonly additionalInfo?: Record<string, unknown>;
  /** The remote IP the finding is about, if any (the response step may block it in the WAF). */
  readonly remoteIp?: string;
  /** Name of the emitting module. */
  readonly detection: string;
  /** service.resourceRole: 'TARGET' (default) when the resource was acted upon, 'ACTOR' when it acted (e.g. an instance brute-forcing others). */
  readonly resourceRole?: 'TARGET' | 'ACTOR';
}

/** A threat-list or trusted-list match. */
export interface ListMatch {
  readonly listName: string;
  /** True for a customer ThreatIntelSet/ThreatEntitySet (the finding type gets `.Custom`). */
  readonly custom: boolean;
  /** Threat name / category when the list carries one. */
  readonly threatName?: string;
}

/** What a module may consult. All lookups are synchronous and cheap (compiled sets). */
export interface DetectionContext {
  /** Detector's account and region. */
  readonly accountId: string;
  readonly region: string;
  /** Threat lists (built-in feeds + the customer's activated ThreatIntelSets/ThreatEntitySets). */
  threatIp(ip: string): ListMatch | undefined;
  threatDomain(domain: string): ListMatch | undefined;
  /** Trusted lists (IPSets/TrustedEntitySets): trusted wins over threat. */
  trustedIp(ip: string): boolean;
  trustedDomain(domain: string): boolean;
  /** Country (ISO code) and, when known, ASN/organisation of an IP. */
  geo(ip: string): { readonly countryCode?: string; readonly countryName?: string; readonly asn?: string; readonly asnOrg?: string } | undefined;
}

/** One module's per-detector state. */
export interface DetectionInstance {
  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void;
  /** Compact serialisable state (baselines), persisted periodically by the service. */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

/** A detection module (one per file, indexed in the registry). */
export interface Detection {
  readonly name: string;
  /** What it sees and why it fires (docs/guardduty.md is generated from these). */
  readonly description: string;
  readonly inputs: readonly DetectorInputKind[];
  readonly findingTypes: readonly string[];
  create(ctx: DetectionContext): DetectionInstance;
}
