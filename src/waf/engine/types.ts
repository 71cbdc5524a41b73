/**
 * The contract of the WAF rule engine, shared by its parts (fields, transformations, statements,
 * detectors, rate limiting), the wafv2 API (which compiles configurations) and the proxy (which
 * asks for decisions and acts on them). Engines decide; only the proxy writes responses.
 *
 * Inspected values are *byte strings*: JS strings whose char codes are 0..255, one per byte
 * (Buffer#toString('latin1')). AWS WAF inspects bytes, and byte strings keep transformations and
 * matching byte-exact and fast. Convert search strings and regex inputs the same way.
 */

/** A request as the engine inspects it, normalized once by the proxy. Immutable. */
export interface InspectedRequest {
  /** HTTP method as sent, e.g. 'GET'. */
  readonly method: string;
  /** The raw request path without the query string (byte string, still percent-encoded). */
  readonly uriPath: string;
  /** The raw query string without '?' (byte string, percent-encoded), '' if none. */
  readonly queryString: string;
  /** The fragment if the request target carried one ('' otherwise). */
  readonly uriFragment: string;
  /** e.g. 'HTTP/1.1' */
  readonly httpVersion: string;
  /** Headers in arrival order with their original names (values as byte strings). */
  readonly headers: readonly (readonly [name: string, value: string])[];
  /** The first bytes of the body, up to the web ACL's body inspection limit. */
  readonly body: Buffer;
  /** The full body size when known (Content-Length or read so far); may exceed body.length. */
  readonly bodySize: number;
  /** True when the body is larger than the inspected part (OversizeHandling applies). */
  readonly bodyOversize: boolean;
  /** The TCP peer address (IPv4 or IPv6 text, no ::ffff: prefix). */
  readonly clientIp: string;
  /** ISO 3166-1 alpha-2 country of clientIp, if known. */
  readonly country?: string;
  /** Autonomous system number of clientIp, if an ASN database is configured. */
  readonly asn?: number;
  /** TLS fingerprints when the site terminates TLS and they could be computed. */
  readonly ja3?: string;
  readonly ja4?: string;
  /** Request time (ms since epoch), for rate-based rules and challenge tokens. */
  readonly timeMs: number;
  /** Valid CAPTCHA/challenge token timestamps (seconds) presented by the client, if any. */
  readonly captchaSolvedAt?: number;
  readonly challengeSolvedAt?: number;
}

/** The terminating or non-terminating actions of AWS WAF. */
export type WafAction = 'ALLOW' | 'BLOCK' | 'COUNT' | 'CAPTCHA' | 'CHALLENGE';

/** A custom response for Block (CustomResponse + CustomResponseBodies). */
export interface CustomResponse {
  readonly statusCode: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: { readonly contentType: string; readonly content: string };
}

/** Match details for logs (terminatingRuleMatchDetails and friends). */
export interface MatchDetail {
  readonly conditionType: string;
  readonly location: string;
  readonly matchedData?: readonly string[];
  readonly sensitivityLevel?: string;
}

/** A rule that matched without terminating (Count, or Captcha/Challenge with a valid token). */
export interface RuleMatch {
  readonly ruleId: string;
  readonly action: WafAction;
  readonly ruleMatchDetails?: readonly MatchDetail[];
  /** The rule's own action when an override (RuleActionOverrides, OverrideAction Count) replaced it. */
  readonly overriddenAction?: WafAction;
}

/** Per rule group evaluation summary (log ruleGroupList). */
export interface RuleGroupResult {
  readonly ruleGroupId: string;
  readonly terminatingRule?: { readonly ruleId: string; readonly action: WafAction; readonly ruleMatchDetails?: readonly MatchDetail[] } | null;
  readonly nonTerminatingMatchingRules: readonly RuleMatch[];
  readonly excludedRules?: readonly { readonly exclusionType: string; readonly ruleId: string }[] | null;
}

/** Rate-based rule state for a request (log rateBasedRuleList). */
export interface RateBasedResult {
  readonly rateBasedRuleId: string;
  readonly rateBasedRuleName: string;
  readonly limitKey: string;
  readonly maxRateAllowed: number;
  readonly evaluationWindowSec: number;
  readonly customValues?: readonly { readonly key: string; readonly name?: string; readonly value: string }[];
}

/** The engine's verdict on one request; the proxy acts on it. */
export interface WafDecision {
  /** The final action: ALLOW, BLOCK, CAPTCHA or CHALLENGE (never COUNT). */
  readonly action: 'ALLOW' | 'BLOCK' | 'CAPTCHA' | 'CHALLENGE';
  /** The terminating rule's name, or 'Default_Action'. */
  readonly terminatingRuleId: string;
  /** REGULAR, RATE_BASED, GROUP or MANAGED_RULE_GROUP. */
  readonly terminatingRuleType: string;
  readonly terminatingRuleMatchDetails: readonly MatchDetail[];
  /** Block's custom response, if any. */
  readonly customResponse?: CustomResponse;
  /** Headers to add to the request forwarded upstream (already prefixed x-amzn-waf-). */
  readonly insertHeaders: readonly (readonly [string, string])[];
  /** All labels the request accumulated, fully qualified (awswaf:...). */
  readonly labels: readonly string[];
  readonly nonTerminatingMatchingRules: readonly RuleMatch[];
  readonly ruleGroupList: readonly RuleGroupResult[];
  readonly rateBasedRuleList: readonly RateBasedResult[];
  /** Every rule (by metric name) that matched, with the action it applied: for metrics. */
  readonly metricMatches: readonly { readonly metricName: string; readonly action: WafAction }[];
}

/** Counts requests for rate-based rules; in memory by default, Redis for several nodes (Shield issue). */
export interface RateCounter {
  /**
   * Records one request for `key` under rule `ruleId` at `nowMs` and returns the number of requests
   * in the sliding window of `windowSec` ending now (including this one).
   */
  hit(ruleId: string, key: string, windowSec: number, nowMs: number): number;
  /** Keys currently over `limit` for a rule (GetRateBasedStatementManagedKeys). */
  keysOver(ruleId: string, limit: number, windowSec: number, nowMs: number): string[];
}

/** SQL injection and XSS detection (src/waf/detect/). */
export interface InjectionDetectors {
  /** True when `input` (a byte string, after transformations) looks like SQL injection. */
  sqli(input: string, sensitivity: 'LOW' | 'HIGH'): boolean;
  /** True when `input` looks like cross-site scripting. */
  xss(input: string): boolean;
}
