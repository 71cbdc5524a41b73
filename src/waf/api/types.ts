/**
 * The wafv2 entities as the API stores and returns them: the model's shapes (src/models/wafv2.json),
 * typed as far as the API itself reads them. Statement trees stay loosely typed: the engine owns
 * their meaning. Entities handed out by WafConfigStore are deeply frozen.
 */

/** AWS WAF scope. */
export type Scope = 'REGIONAL' | 'CLOUDFRONT';

/** The entity kinds the API stores, named as in their ARNs. */
export type EntityType = 'webacl' | 'rulegroup' | 'ipset' | 'regexpatternset';

/** A model structure whose members the API does not interpret. */
export type Json = Readonly<Record<string, unknown>>;

/** VisibilityConfig. */
export interface VisibilityConfig {
  readonly SampledRequestsEnabled: boolean;
  readonly CloudWatchMetricsEnabled: boolean;
  readonly MetricName: string;
}

/** A Statement: exactly one member set (the engine interprets it). */
export type Statement = Json;

/** A Rule of a web ACL or rule group. */
export interface Rule {
  readonly Name: string;
  readonly Priority: number;
  readonly Statement: Statement;
  readonly Action?: Json;
  readonly OverrideAction?: Json;
  readonly RuleLabels?: readonly { readonly Name: string }[];
  readonly VisibilityConfig: VisibilityConfig;
  readonly CaptchaConfig?: Json;
  readonly ChallengeConfig?: Json;
}

/** CustomResponseBodies: key → body. */
export type CustomResponseBodies = Readonly<Record<string, { readonly ContentType: string; readonly Content: string }>>;

/** WebACL. */
export interface WebACL {
  readonly Name: string;
  readonly Id: string;
  readonly ARN: string;
  readonly DefaultAction: Json;
  readonly Description?: string;
  readonly Rules: readonly Rule[];
  readonly VisibilityConfig: VisibilityConfig;
  readonly Capacity: number;
  readonly CustomResponseBodies?: CustomResponseBodies;
  readonly CaptchaConfig?: Json;
  readonly ChallengeConfig?: Json;
  readonly TokenDomains?: readonly string[];
  readonly AssociationConfig?: Json;
  readonly DataProtectionConfig?: Json;
  readonly ApplicationConfig?: Json;
  readonly OnSourceDDoSProtectionConfig?: Json;
  readonly LabelNamespace: string;
  readonly ManagedByFirewallManager: boolean;
  readonly RetrofittedByFirewallManager: boolean;
}

/** RuleGroup. */
export interface RuleGroup {
  readonly Name: string;
  readonly Id: string;
  readonly ARN: string;
  readonly Capacity: number;
  readonly Description?: string;
  readonly Rules: readonly Rule[];
  readonly VisibilityConfig: VisibilityConfig;
  readonly CustomResponseBodies?: CustomResponseBodies;
  readonly LabelNamespace: string;
  readonly AvailableLabels: readonly { readonly Name: string }[];
  readonly ConsumedLabels: readonly { readonly Name: string }[];
}

/** IPSet: Addresses are CIDRs, normalised as given (validated: network address, /1–/32 or /1–/128). */
export interface IPSet {
  readonly Name: string;
  readonly Id: string;
  readonly ARN: string;
  readonly Description?: string;
  readonly IPAddressVersion: 'IPV4' | 'IPV6';
  readonly Addresses: readonly string[];
}

/** RegexPatternSet: every RegexString compiles with RE2. */
export interface RegexPatternSet {
  readonly Name: string;
  readonly Id: string;
  readonly ARN: string;
  readonly Description?: string;
  readonly RegularExpressionList: readonly { readonly RegexString: string }[];
}

/** LoggingConfiguration (one per web ACL; LogType WAF_LOGS, LogScope CUSTOMER). */
export interface LoggingConfiguration {
  readonly ResourceArn: string;
  /** Exactly one destination: arn:aws:s3:::aws-waf-logs-<suffix> (see logBucketOf). */
  readonly LogDestinationConfigs: readonly string[];
  readonly RedactedFields?: readonly Json[];
  readonly ManagedByFirewallManager: boolean;
  readonly LoggingFilter?: {
    readonly DefaultBehavior: 'KEEP' | 'DROP';
    readonly Filters: readonly {
      readonly Behavior: 'KEEP' | 'DROP';
      readonly Requirement: 'MEETS_ALL' | 'MEETS_ANY';
      readonly Conditions: readonly { readonly ActionCondition?: { readonly Action: string }; readonly LabelNameCondition?: { readonly LabelName: string } }[];
    }[];
  };
  readonly LogType: 'WAF_LOGS';
  readonly LogScope: 'CUSTOMER';
}

/** A tag. */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}
