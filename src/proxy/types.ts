/**
 * The data plane's view of its decision source. The proxy does not know how web ACLs are stored or
 * compiled: the composition root connects an {@link AclProvider} to the wafv2 configuration store
 * and the rule engine. Everything here is read per request, so providers return prebuilt values.
 */
import type { InspectedRequest, WafDecision } from '../waf/index.js';

/** The part of a compiled web ACL the proxy uses (the engine's CompiledWebAcl satisfies it). */
export interface EvaluatingAcl {
  readonly name: string;
  readonly arn: string;
  evaluate(req: InspectedRequest): WafDecision;
}

/** VisibilityConfig of a web ACL or rule, as wafv2 defines it. */
export interface VisibilityConfig {
  readonly MetricName: string;
  readonly CloudWatchMetricsEnabled: boolean;
  readonly SampledRequestsEnabled: boolean;
}

/** A wafv2 FieldToMatch as RedactedFields allows it. */
export interface RedactedField {
  readonly SingleHeader?: { readonly Name: string };
  readonly UriPath?: Record<string, never>;
  readonly QueryString?: Record<string, never>;
  readonly Method?: Record<string, never>;
}

/** One LoggingFilter condition. */
export interface LoggingFilterCondition {
  readonly ActionCondition?: { readonly Action: 'ALLOW' | 'BLOCK' | 'COUNT' | 'CAPTCHA' | 'CHALLENGE' | 'EXCLUDED_AS_COUNT' };
  readonly LabelNameCondition?: { readonly LabelName: string };
}

/** The wafv2 LoggingConfiguration JSON (PutLoggingConfiguration's shape). */
export interface LoggingConfig {
  readonly ResourceArn: string;
  /** e.g. `arn:aws:s3:::aws-waf-logs-shop` (only S3 destinations are delivered locally). */
  readonly LogDestinationConfigs: readonly string[];
  readonly RedactedFields?: readonly RedactedField[];
  readonly ManagedByFirewallManager?: boolean;
  readonly LoggingFilter?: {
    readonly Filters: readonly {
      readonly Behavior: 'KEEP' | 'DROP';
      readonly Requirement: 'MEETS_ALL' | 'MEETS_ANY';
      readonly Conditions: readonly LoggingFilterCondition[];
    }[];
    readonly DefaultBehavior: 'KEEP' | 'DROP';
  };
  readonly LogType?: string;
  readonly LogScope?: string;
}

/** What a site is protected by right now. Return the same object while nothing changes. */
export interface SiteProtection {
  readonly acl: EvaluatingAcl;
  /** The web ACL's logging configuration, if PutLoggingConfiguration set one. */
  readonly logging?: LoggingConfig;
  /** The web ACL's VisibilityConfig (metrics/sampling of the Default_Action and the ACL total). */
  readonly visibility?: VisibilityConfig;
  /** Rules' VisibilityConfig by metric name; rules absent here count as enabled. */
  readonly ruleVisibility?: ReadonlyMap<string, VisibilityConfig>;
}

/** The decision source of the data plane (the lead wires it to the engine and WafConfigStore). */
export interface AclProvider {
  /** The protection of a site, or undefined when no web ACL is associated (traffic passes). */
  forSite(siteName: string): SiteProtection | undefined;
}
