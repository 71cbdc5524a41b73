/**
 * The statement registry's contract: how a statement compiles (once, when the configuration
 * changes) and how the compiled form is asked about a request (per request, no allocation beyond
 * the per-request caches).
 */
import type { FieldExtractor, FieldValues } from '../fields/types.js';
import type { InjectionDetectors, InspectedRequest, MatchDetail, RateBasedResult, RateCounter } from '../types.js';

/** The fields module's contract, used as is (one definition). */
export type { FieldExtractor, FieldValues } from '../fields/types.js';
/** A compiled TextTransformations list (the transforms module's TransformChain: key + apply). */
export type TransformChain = Pick<import('../transforms/index.js').TransformChain, 'key' | 'apply'>;

/** The parts the engine builds on; injectable so units can be tested in isolation. */
export interface EngineParts {
  compileField(ftm: Record<string, unknown>, opts: { bodyLimitBytes: number }): FieldExtractor;
  compileChain(list: { Priority: number; Type: string }[]): TransformChain;
}

/** A web ACL/rule group JSON object as the wafv2 API stores it (loosely typed: validated here). */
export type Json = Record<string, unknown>;

/** A RuleGroup-like object a managed rule group registry returns. */
export interface ManagedRuleGroup {
  readonly VendorName: string;
  readonly Name: string;
  readonly Version?: string;
  /** WCU of the group (as DescribeManagedRuleGroup reports it). */
  readonly Capacity: number;
  /** e.g. 'awswaf:managed:aws:core-rule-set:'; default 'awswaf:managed:<vendor>:<name>:'. */
  readonly LabelNamespace?: string;
  readonly Rules: readonly Json[];
  readonly CustomResponseBodies?: Json;
}

/** Everything compileWebAcl needs from the rest of the system. */
export interface EngineDeps {
  resolveIpSet(arn: string): Json | undefined;
  resolveRegexPatternSet(arn: string): Json | undefined;
  resolveRuleGroup(arn: string): Json | undefined;
  resolveManagedRuleGroup(vendor: string, name: string, version?: string, configs?: readonly Json[]): ManagedRuleGroup | undefined;
  detectors: InjectionDetectors;
  rateCounter: RateCounter;
  /** Country of an IP; default: req.country for the client IP, geoip-country otherwise. */
  geo?: (ip: string) => string | undefined;
  /** ASN of an IP; when absent (and req.asn is unset) AsnMatch never matches. */
  asn?: (ip: string) => number | undefined;
  /** Overrides of the field/transformation compilers (tests). */
  parts?: EngineParts;
  /**
   * The literal prefilter in front of RegexMatchStatement (regex-prefilter.ts); default true.
   * Verdicts are the same either way; false exists to compare (tests, benchmarks).
   */
  regexPrefilter?: boolean;
}

/** Per-request evaluation state shared by all statements of one web ACL evaluation. */
export interface EvalContext {
  readonly req: InspectedRequest;
  /** Labels so far, fully qualified, in the order added (visible to later rules only). */
  readonly labels: string[];
  readonly labelSet: Set<string>;
  /**
   * field key → raw values; field key + '\0' + chain key → transformed values. Only for inspectors
   * compiled outside a web ACL (no slots), so created on first use.
   */
  cache: Map<string, FieldValues> | undefined;
  /** The same, by InspectorSlots index, for inspectors compiled in the web ACL (see inspect.ts). */
  readonly slots: (FieldValues | undefined)[];
  /** Match details collected while evaluating the current rule (SQLi/XSS). */
  details: MatchDetail[];
  /** Rate-based rules that matched. */
  readonly rate: RateBasedResult[];
  /** Regex prefilter results per prefilter group id (regex-prefilter.ts), computed on first use. */
  readonly prefilter: (import('./regex-prefilter.js').GroupScan | undefined)[];
}

/** A compiled statement. */
export interface CompiledStatement {
  matches(ctx: EvalContext): boolean;
}

/** What a statement factory gets at compile time. */
export interface CompileContext {
  /** JSON path of the statement, for error messages. */
  readonly path: string;
  readonly deps: EngineDeps;
  readonly parts: EngineParts;
  readonly bodyLimitBytes: number;
  /** Label namespace of the enclosing web ACL or rule group ('awswaf:...:'). */
  readonly labelNamespace: string;
  /** Unique, stable id of the enclosing rule (rate counters survive recompiles). */
  readonly ruleId: string;
  readonly ruleName: string;
  /** True when nested in another statement (rate-based and group statements must be top-level). */
  readonly nested: boolean;
  /** True inside a rule group (group references are not allowed there). */
  readonly inRuleGroup: boolean;
  readonly warnings: string[];
  /** Compiles a nested statement. */
  child(stmt: unknown, subpath: string): CompiledStatement;
  /** Rule/action compilation for group statements. */
  readonly groups: GroupCompiler;
  /** Value cache slots of the web ACL's inspectors, when compiling one. */
  readonly slots?: import('./inspect.js').InspectorSlots;
  /** The web ACL's regex prefilter, when it has one (sealed after all rules compiled). */
  readonly prefilters?: import('./regex-prefilter.js').RegexPrefilters;
}

/** Capacity helpers a statement's WCU function may need. */
export interface CapacityContext {
  /** WCU of a nested statement. */
  statement(stmt: unknown): number;
  ruleGroupCapacity?: (arn: string) => number | undefined;
  managedRuleGroupCapacity?: (vendor: string, name: string, version?: string) => number | undefined;
}

/** One entry of the statement registry (one file per statement). */
export interface StatementEntry {
  /** The Statement member name, e.g. 'ByteMatchStatement'. */
  readonly name: string;
  /** AWS ParameterExceptionField for errors. */
  readonly field: string;
  compile(spec: Json, cc: CompileContext): CompiledStatement;
  capacity(spec: Json, cap: CapacityContext): number;
}

/** A compiled rule action (Allow/Block/Count/Captcha/Challenge with its customizations). */
export interface CompiledAction {
  readonly type: import('../types.js').WafAction;
  /** CustomRequestHandling.InsertHeaders, names already prefixed 'x-amzn-waf-'. */
  readonly insertHeaders: readonly (readonly [string, string])[];
  /** Block's CustomResponse resolved against CustomResponseBodies. */
  readonly customResponse?: import('../types.js').CustomResponse;
}

/** A compiled rule of a web ACL or rule group. */
export interface CompiledRule {
  readonly name: string;
  readonly priority: number;
  readonly statement: CompiledStatement;
  /** Action for plain rules; undefined for rule group references (they use overrideCount). */
  readonly action?: CompiledAction;
  /** OverrideAction Count on a rule group reference. */
  readonly overrideCount: boolean;
  /** RuleLabels, fully qualified. */
  readonly labels: readonly string[];
  readonly metricName: string;
  readonly captchaImmunitySec: number;
  readonly challengeImmunitySec: number;
  readonly ruleType: 'REGULAR' | 'RATE_BASED' | 'GROUP' | 'MANAGED_RULE_GROUP';
  /** The rate-based statement, for GetRateBasedStatementManagedKeys. */
  readonly rate?: RateStatementInfo;
}

/** What the web ACL needs to list a rate-based rule's keys. */
export interface RateStatementInfo {
  readonly counterId: string;
  readonly limit: number;
  readonly windowSec: number;
  readonly aggregateKeyType: string;
}

/** The compiled form of ManagedRuleGroupStatement / RuleGroupReferenceStatement. */
export interface CompiledGroup extends CompiledStatement {
  readonly group: {
    readonly id: string;
    readonly type: 'GROUP' | 'MANAGED_RULE_GROUP';
    readonly rules: readonly CompiledRule[];
    readonly scopeDown?: CompiledStatement;
    readonly overrides: ReadonlyMap<string, CompiledAction>;
    readonly excluded: ReadonlySet<string>;
  };
}

/** Compiles rules and actions for group statements (provided by the web ACL compiler). */
export interface GroupCompiler {
  compileRules(rules: readonly Json[], opts: { labelNamespace: string; bodies: Json | undefined; idPrefix: string; path: string }): CompiledRule[];
  compileAction(spec: unknown, bodies: Json | undefined, path: string): CompiledAction;
  /** The web ACL's CustomResponseBodies (for RuleActionOverrides). */
  readonly aclBodies: Json | undefined;
}
