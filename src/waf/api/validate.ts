/**
 * Semantic validation of wafv2 input beyond what the HTTP layer checks against the model (types,
 * required members, lengths, enums, patterns): statement structure and nesting, rule names and
 * priorities, Action vs OverrideAction, references, labels, custom response bodies, CIDRs, regexes,
 * logging configurations and tags. Deeper per-statement checks are the engine's (validateWebAcl).
 */
import { isIPv4, isIPv6 } from 'node:net';
import RE2 from 're2';
import { type AwsError } from '../../errors/index.js';
import { REASON, invalidParameter, limitsExceeded, nonexistent, type ParameterField } from './errors.js';
import type { CustomResponseBodies, EntityType, Json, Rule, Scope, Tag } from './types.js';

/** AWS WAF's default quotas, and the WCU ceiling Bulwark applies. */
export interface WafLimits {
  /** Web ACL capacity ceiling in WCU (AWS: 1,500 included, 5,000 maximum). */
  readonly maxWebAclCapacity: number;
  /** Rule group Capacity ceiling (AWS: 5,000). */
  readonly maxRuleGroupCapacity: number;
  /** Entities of each type per scope (AWS: 100 web ACLs, 100 rule groups, 100 IP sets, 10 regex pattern sets). */
  readonly maxWebAcls: number;
  readonly maxRuleGroups: number;
  readonly maxIpSets: number;
  readonly maxRegexPatternSets: number;
  /** Addresses per IP set (AWS: 10,000). */
  readonly maxAddresses: number;
  /** Regexes per regex pattern set (AWS: 10). */
  readonly maxRegexes: number;
  /** Tags per resource (AWS: 50). */
  readonly maxTags: number;
}

/** Bulwark's defaults: AWS's quotas, with the web ACL ceiling at AWS's 5,000 WCU maximum. */
export const DEFAULT_WAF_LIMITS: WafLimits = Object.freeze({
  maxWebAclCapacity: 5000,
  maxRuleGroupCapacity: 5000,
  maxWebAcls: 100,
  maxRuleGroups: 100,
  maxIpSets: 100,
  maxRegexPatternSets: 10,
  maxAddresses: 10_000,
  maxRegexes: 10,
  maxTags: 50,
});

/** A parsed wafv2 entity ARN. */
export interface ParsedArn {
  readonly region: string;
  readonly account: string;
  readonly scope: Scope;
  readonly type: EntityType | 'managedruleset';
  readonly name: string;
  readonly id: string;
}

const WAF_ARN = /^arn:aws:wafv2:([a-z0-9-]+):(\d{12}):(regional|global)\/(webacl|rulegroup|ipset|regexpatternset|managedruleset)\/([\w-]{1,128})\/([0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})$/;

/** Parses a wafv2 ARN, or undefined when it is not one. */
export function parseWafArn(arn: unknown): ParsedArn | undefined {
  if (typeof arn !== 'string') return undefined;
  const m = WAF_ARN.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, account: m[2]!, scope: m[3] === 'global' ? 'CLOUDFRONT' : 'REGIONAL', type: m[4] as ParsedArn['type'], name: m[5]!, id: m[6]! };
}

/** How validation resolves references: 'ok', or an error to throw. */
export interface RuleCheckEnv {
  /** 'webacl' allows rule group and managed rule group statements at the top level; 'rulegroup' does not. */
  readonly kind: 'webacl' | 'rulegroup';
  readonly scope: Scope;
  /** The entity's CustomResponseBodies; null skips CustomResponseBodyKey checks (CheckCapacity). */
  readonly bodies: CustomResponseBodies | undefined | null;
  /** True when a `type` entity with this ARN exists in this account, region and `scope`. */
  readonly exists: (type: EntityType, arn: string) => boolean;
  /** True when the managed rule group (and version, if given) is offered in `scope`. */
  readonly managedExists: (vendor: string, name: string, version: string | undefined) => boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The members of `o` that are set (not undefined/null). */
function setMembers(o: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(o)) if (o[k] !== undefined && o[k] !== null) out.push(k);
  return out;
}

/** Throws unless exactly one member of `o` is set; returns it. */
function exactlyOne(o: unknown, field: ParameterField, parameter: string, allowed?: readonly string[]): string {
  if (!isObj(o)) throw invalidParameter(field, parameter, REASON.exactlyOne);
  const set = setMembers(o);
  if (set.length !== 1) throw invalidParameter(field, parameter, REASON.exactlyOne);
  const k = set[0]!;
  if (allowed && !allowed.includes(k)) throw invalidParameter(field, k, REASON.unsupported);
  return k;
}

const RULE_ACTIONS = ['Allow', 'Block', 'Count', 'Captcha', 'Challenge'] as const;
const OVERRIDE_ACTIONS = ['Count', 'None'] as const;
const DEFAULT_ACTIONS = ['Allow', 'Block'] as const;
const EVALUATION_WINDOWS = new Set([60, 120, 300, 600]);

/** Checks a label name used in RuleLabels: non-empty namespace segments, not in the awswaf: namespace. */
export function checkLabelName(name: unknown, field: ParameterField): void {
  if (typeof name !== 'string' || !/^[0-9A-Za-z_\-:]{1,1024}$/.test(name)) throw invalidParameter(field, String(name), REASON.label);
  if (name.split(':').some((s) => s.length === 0)) throw invalidParameter(field, name, REASON.label);
  if (name.toLowerCase().startsWith('awswaf:')) throw invalidParameter(field, name, REASON.label);
}

/** Checks a Block action's CustomResponse body key against the entity's CustomResponseBodies. */
function checkAction(action: Json, kind: 'rule' | 'default' | 'override', env: RuleCheckEnv): void {
  const field: ParameterField = kind === 'default' ? 'DEFAULT_ACTION' : 'RULE_ACTION';
  const member = exactlyOne(action, field, kind === 'default' ? 'DefaultAction' : 'RuleAction', kind === 'default' ? DEFAULT_ACTIONS : RULE_ACTIONS);
  const body = (action as Record<string, unknown>)[member];
  if (member === 'Block' && isObj(body) && isObj(body.CustomResponse)) {
    const key = body.CustomResponse.CustomResponseBodyKey;
    if (key !== undefined && env.bodies !== null && (typeof key !== 'string' || !env.bodies || !Object.hasOwn(env.bodies, key))) {
      throw invalidParameter('CUSTOM_RESPONSE', String(key), REASON.bodyKey);
    }
  }
}

/** Checks a web ACL's DefaultAction. */
export function checkDefaultAction(action: unknown, env: RuleCheckEnv): void {
  if (!isObj(action)) throw invalidParameter('DEFAULT_ACTION', 'DefaultAction', REASON.exactlyOne);
  checkAction(action, 'default', env);
}

function checkFieldToMatch(f: unknown): void {
  exactlyOne(f, 'FIELD_TO_MATCH', 'FieldToMatch');
}

function checkTransformations(t: unknown): void {
  if (!Array.isArray(t) || t.length === 0) throw invalidParameter('TEXT_TRANSFORMATION', 'TextTransformations', REASON.required);
  const seen = new Set<unknown>();
  for (const x of t) {
    const p = isObj(x) ? x.Priority : undefined;
    if (seen.has(p)) throw invalidParameter('TEXT_TRANSFORMATION', String(p), 'Text transformation priorities must be unique.');
    seen.add(p);
  }
}

function checkRegex(pattern: unknown, field: ParameterField): void {
  if (typeof pattern !== 'string' || pattern.length === 0) throw invalidParameter(field, String(pattern), REASON.regex);
  try {
    new RE2(pattern);
  } catch {
    throw invalidParameter(field, pattern, REASON.regex);
  }
}

function checkReference(arn: unknown, type: EntityType, field: ParameterField, env: RuleCheckEnv): void {
  const p = parseWafArn(arn);
  if (!p || p.type !== type) throw invalidParameter(field, String(arn), REASON.invalidReference);
  if (p.scope !== env.scope || !env.exists(type, arn as string)) throw nonexistent();
}

/** Validates one statement tree. `top` is true for a rule's own statement. */
function checkStatement(s: unknown, top: boolean, env: RuleCheckEnv, inRule: Rule): void {
  const member = exactlyOne(s, 'STATEMENT', 'Statement');
  const v = (s as Record<string, unknown>)[member];
  if (!isObj(v)) throw invalidParameter('STATEMENT', member, REASON.exactlyOne);
  switch (member) {
    case 'AndStatement':
    case 'OrStatement': {
      const field: ParameterField = member === 'AndStatement' ? 'AND_STATEMENT' : 'OR_STATEMENT';
      if (!Array.isArray(v.Statements) || v.Statements.length < 2) throw invalidParameter(field, 'Statements', REASON.threshold);
      for (const c of v.Statements) checkStatement(c, false, env, inRule);
      return;
    }
    case 'NotStatement':
      checkStatement(v.Statement, false, env, inRule);
      return;
    case 'RateBasedStatement': {
      if (!top) throw invalidParameter('RATE_BASED_STATEMENT', 'RateBasedStatement', REASON.nesting);
      const agg = v.AggregateKeyType;
      const keys = v.CustomKeys;
      const hasKeys = Array.isArray(keys) && keys.length > 0;
      if (agg === 'CUSTOM_KEYS' && !hasKeys) throw invalidParameter('CUSTOM_KEYS', 'CustomKeys', REASON.required);
      if (agg !== 'CUSTOM_KEYS' && keys !== undefined) throw invalidParameter('CUSTOM_KEYS', 'CustomKeys', REASON.exactlyOne);
      if (hasKeys) for (const k of keys as unknown[]) exactlyOne(k, 'CUSTOM_KEYS', 'CustomKey');
      const fwdKey = hasKeys && (keys as Record<string, unknown>[]).some((k) => isObj(k) && k.ForwardedIP !== undefined);
      if ((agg === 'FORWARDED_IP' || fwdKey) && !isObj(v.ForwardedIPConfig)) throw invalidParameter('FORWARDED_IP_CONFIG', 'ForwardedIPConfig', REASON.required);
      if (agg === 'CONSTANT' && v.ScopeDownStatement === undefined) throw invalidParameter('SCOPE_DOWN', 'ScopeDownStatement', REASON.required);
      if (v.EvaluationWindowSec !== undefined && !EVALUATION_WINDOWS.has(Number(v.EvaluationWindowSec))) {
        throw invalidParameter('RATE_BASED_STATEMENT', String(v.EvaluationWindowSec), 'EvaluationWindowSec must be 60, 120, 300 or 600.');
      }
      if (v.ScopeDownStatement !== undefined) checkStatement(v.ScopeDownStatement, false, env, inRule);
      return;
    }
    case 'RuleGroupReferenceStatement': {
      if (!top || env.kind !== 'webacl') throw invalidParameter('RULE_GROUP_REFERENCE_STATEMENT', 'RuleGroupReferenceStatement', REASON.nesting);
      checkReference(v.ARN, 'rulegroup', 'RULE_GROUP_REFERENCE_STATEMENT', env);
      checkOverrides(v, env);
      return;
    }
    case 'ManagedRuleGroupStatement': {
      if (!top || env.kind !== 'webacl') throw invalidParameter('MANAGED_RULE_SET_STATEMENT', 'ManagedRuleGroupStatement', REASON.nesting);
      const version = typeof v.Version === 'string' ? v.Version : undefined;
      if (!env.managedExists(String(v.VendorName), String(v.Name), version)) throw invalidParameter('RULE', 'Statement', REASON.invalidReference);
      checkOverrides(v, env);
      if (v.ScopeDownStatement !== undefined) checkStatement(v.ScopeDownStatement, false, env, inRule);
      return;
    }
    case 'IPSetReferenceStatement':
      checkReference(v.ARN, 'ipset', 'IP_SET_REFERENCE_STATEMENT', env);
      return;
    case 'RegexPatternSetReferenceStatement':
      checkReference(v.ARN, 'regexpatternset', 'REGEX_PATTERN_REFERENCE_STATEMENT', env);
      checkFieldToMatch(v.FieldToMatch);
      checkTransformations(v.TextTransformations);
      return;
    case 'RegexMatchStatement':
      checkRegex(v.RegexString, 'STATEMENT');
      checkFieldToMatch(v.FieldToMatch);
      checkTransformations(v.TextTransformations);
      return;
    case 'ByteMatchStatement':
    case 'SqliMatchStatement':
    case 'XssMatchStatement':
    case 'SizeConstraintStatement':
      checkFieldToMatch(v.FieldToMatch);
      checkTransformations(v.TextTransformations);
      return;
    case 'LabelMatchStatement': {
      const key = v.Key;
      if (typeof key !== 'string' || key.length === 0) throw invalidParameter('LABEL_MATCH_STATEMENT', 'Key', REASON.required);
      const ns = key.endsWith(':');
      if ((v.Scope === 'NAMESPACE') !== ns) throw invalidParameter('LABEL_MATCH_STATEMENT', key, REASON.label);
      if ((ns ? key.slice(0, -1) : key).split(':').some((x) => x.length === 0)) throw invalidParameter('LABEL_MATCH_STATEMENT', key, REASON.label);
      return;
    }
    case 'GeoMatchStatement':
    case 'AsnMatchStatement':
      return;
    default:
      throw invalidParameter('STATEMENT', member, REASON.unsupported);
  }
}

function checkOverrides(v: Record<string, unknown>, env: RuleCheckEnv): void {
  if (Array.isArray(v.RuleActionOverrides)) {
    const seen = new Set<string>();
    for (const o of v.RuleActionOverrides) {
      if (!isObj(o) || !isObj(o.ActionToUse)) throw invalidParameter('RULE_ACTION', 'ActionToUse', REASON.exactlyOne);
      checkAction(o.ActionToUse, 'override', env);
      const n = String(o.Name);
      if (seen.has(n)) throw invalidParameter('RULE', n, REASON.duplicateName);
      seen.add(n);
    }
  }
  if (Array.isArray(v.ExcludedRules)) {
    for (const e of v.ExcludedRules) if (!isObj(e) || typeof e.Name !== 'string') throw invalidParameter('EXCLUDED_RULE', 'ExcludedRule', REASON.required);
  }
}

/** True when `rule`'s statement references a rule group (it then takes an OverrideAction). */
function isGroupRule(rule: Rule): boolean {
  const s = rule.Statement as Record<string, unknown> | undefined;
  return isObj(s) && (s.RuleGroupReferenceStatement != null || s.ManagedRuleGroupStatement != null);
}

/** Validates a list of rules for a web ACL, a rule group or CheckCapacity. */
export function checkRules(rules: unknown, env: RuleCheckEnv): void {
  if (rules === undefined) return;
  if (!Array.isArray(rules)) throw invalidParameter('RULE', 'Rules', REASON.format);
  const names = new Set<string>();
  const priorities = new Set<number>();
  for (const r of rules as Rule[]) {
    if (!isObj(r)) throw invalidParameter('RULE', 'Rule', REASON.format);
    if (names.has(r.Name)) throw invalidParameter('RULE', r.Name, REASON.duplicateName);
    names.add(r.Name);
    if (priorities.has(r.Priority)) throw invalidParameter('RULE', String(r.Priority), REASON.duplicatePriority);
    priorities.add(r.Priority);
    const vc = r.VisibilityConfig as unknown;
    if (!isObj(vc) || typeof vc.MetricName !== 'string') throw invalidParameter('RULE', 'VisibilityConfig', REASON.required);
    checkStatement(r.Statement, true, env, r);
    const hasAction = r.Action !== undefined && r.Action !== null;
    const hasOverride = r.OverrideAction !== undefined && r.OverrideAction !== null;
    if (hasAction === hasOverride) throw invalidParameter('RULE', 'Rule', REASON.exactlyOne);
    if (isGroupRule(r)) {
      if (!hasOverride) throw invalidParameter('RULE_ACTION', 'Action', REASON.actionKind);
      exactlyOne(r.OverrideAction, 'OVERRIDE_ACTION', 'OverrideAction', OVERRIDE_ACTIONS);
    } else {
      if (!hasAction) throw invalidParameter('OVERRIDE_ACTION', 'OverrideAction', REASON.actionKind);
      checkAction(r.Action as Json, 'rule', env);
    }
    if (r.RuleLabels !== undefined) for (const l of r.RuleLabels) checkLabelName(isObj(l) ? l.Name : undefined, 'RULE');
  }
}

/** Every wafv2 ARN a rule list references (IP sets, regex pattern sets, rule groups), for delete checks. */
export function referencedArns(rules: readonly Rule[]): Set<string> {
  const out = new Set<string>();
  const walk = (s: unknown): void => {
    if (!isObj(s)) return;
    for (const [k, v] of Object.entries(s)) {
      if (!isObj(v)) continue;
      if (k === 'IPSetReferenceStatement' || k === 'RegexPatternSetReferenceStatement' || k === 'RuleGroupReferenceStatement') {
        if (typeof v.ARN === 'string') out.add(v.ARN);
      }
      if (Array.isArray(v.Statements)) for (const c of v.Statements) walk(c);
      if (v.Statement !== undefined) walk(v.Statement);
      if (v.ScopeDownStatement !== undefined) walk(v.ScopeDownStatement);
    }
  };
  for (const r of rules) walk(r.Statement);
  return out;
}

/** Label names a rule list consumes (LabelMatchStatement keys), for RuleGroup.ConsumedLabels. */
export function consumedLabels(rules: readonly Rule[]): string[] {
  const out = new Set<string>();
  const walk = (s: unknown): void => {
    if (!isObj(s)) return;
    for (const [k, v] of Object.entries(s)) {
      if (!isObj(v)) continue;
      if (k === 'LabelMatchStatement' && typeof v.Key === 'string') out.add(v.Key);
      if (Array.isArray(v.Statements)) for (const c of v.Statements) walk(c);
      if (v.Statement !== undefined) walk(v.Statement);
      if (v.ScopeDownStatement !== undefined) walk(v.ScopeDownStatement);
    }
  };
  for (const r of rules) walk(r.Statement);
  return [...out].sort();
}

// ---- IP sets ----

function ipv4Bytes(s: string): number[] | undefined {
  if (!isIPv4(s)) return undefined;
  const parts = s.split('.');
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
  return parts.map(Number);
}

function ipv6Bytes(s: string): number[] | undefined {
  if (!isIPv6(s) || s.includes('%')) return undefined;
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const hs = head === '' ? [] : head.split(':');
  const rs = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? hs : [...hs, ...Array<string>(8 - hs.length - rs.length).fill('0'), ...rs];
  if (groups.length !== 8) return undefined;
  const bytes: number[] = [];
  for (const g of groups) {
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Checks one CIDR for an IP set of `version`: AWS accepts /1–/32 (IPv4) and /1–/128 (IPv6) network addresses. */
export function checkCidr(cidr: unknown, version: 'IPV4' | 'IPV6'): void {
  const bad = (): AwsError => invalidParameter('IP_ADDRESS', String(cidr), REASON.format);
  if (typeof cidr !== 'string') throw bad();
  const slash = cidr.indexOf('/');
  if (slash < 0) throw bad();
  const addr = cidr.slice(0, slash);
  const lenText = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) throw bad();
  const len = Number(lenText);
  const bytes = version === 'IPV4' ? ipv4Bytes(addr) : ipv6Bytes(addr);
  const max = version === 'IPV4' ? 32 : 128;
  if (!bytes || len < 1 || len > max) throw bad();
  // Host bits must be zero: AWS rejects 10.0.0.1/24.
  for (let bit = len; bit < max; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) throw bad();
  }
}

/** Checks an IP set's address list. */
export function checkAddresses(addresses: unknown, version: unknown, limits: WafLimits): string[] {
  if (version !== 'IPV4' && version !== 'IPV6') throw invalidParameter('IP_ADDRESS_VERSION', String(version), REASON.format);
  if (!Array.isArray(addresses)) throw invalidParameter('IP_ADDRESS', 'Addresses', REASON.required);
  if (addresses.length > limits.maxAddresses) throw limitsExceeded(`An IP set holds at most ${limits.maxAddresses} addresses.`);
  for (const a of addresses) checkCidr(a, version);
  return addresses as string[];
}

/** Checks a regex pattern set's list. */
export function checkRegexList(list: unknown, limits: WafLimits): { RegexString: string }[] {
  if (!Array.isArray(list)) throw invalidParameter('REGEX_PATTERN_SET', 'RegularExpressionList', REASON.required);
  if (list.length > limits.maxRegexes) throw limitsExceeded(`A regex pattern set holds at most ${limits.maxRegexes} regular expressions.`);
  const out: { RegexString: string }[] = [];
  for (const r of list) {
    const s = isObj(r) ? r.RegexString : undefined;
    checkRegex(s, 'REGEX_PATTERN_SET');
    out.push({ RegexString: s as string });
  }
  return out;
}

// ---- tags ----

/** Checks tags to add: aws: prefix reserved, keys unique. */
export function checkTags(tags: unknown): Tag[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw invalidParameter('TAGS', 'Tags', REASON.format);
  const seen = new Set<string>();
  for (const t of tags) {
    if (!isObj(t) || typeof t.Key !== 'string' || typeof t.Value !== 'string') throw invalidParameter('TAGS', 'Tag', REASON.required);
    if (t.Key.toLowerCase().startsWith('aws:')) throw invalidParameter('TAGS', t.Key, REASON.reservedTag);
    if (seen.has(t.Key)) throw invalidParameter('TAGS', t.Key, 'Tag keys must be unique.');
    seen.add(t.Key);
  }
  return tags as Tag[];
}

/** Checks tag keys to remove. */
export function checkTagKeys(keys: unknown): string[] {
  if (!Array.isArray(keys)) throw invalidParameter('TAG_KEYS', 'TagKeys', REASON.required);
  for (const k of keys) {
    if (typeof k !== 'string') throw invalidParameter('TAG_KEYS', String(k), REASON.format);
    if (k.toLowerCase().startsWith('aws:')) throw invalidParameter('TAG_KEYS', k, REASON.reservedTag);
  }
  return keys as string[];
}

// ---- logging ----

const LOG_BUCKET = /^arn:aws:s3:::(aws-waf-logs-[a-z0-9][a-z0-9.-]*)$/;
const REDACTABLE = new Set(['SingleHeader', 'Method', 'QueryString', 'UriPath']);
const ACTION_VALUES = new Set(['ALLOW', 'BLOCK', 'COUNT', 'CAPTCHA', 'CHALLENGE', 'EXCLUDED_AS_COUNT']);

/**
 * The local bucket a log destination ARN names (`aws-waf-logs-<suffix>`, a valid S3 bucket name),
 * or undefined when it is not an S3 bucket ARN Bulwark can deliver to.
 */
export function logBucketOf(arn: string): string | undefined {
  const m = LOG_BUCKET.exec(arn);
  if (!m) return undefined;
  const b = m[1]!;
  if (b.length > 63 || b.endsWith('-') || b.endsWith('.') || b.includes('..') || b.includes('.-') || b.includes('-.')) return undefined;
  return b;
}

/** Validates a LoggingConfiguration's destinations, redacted fields and filter. */
export function checkLoggingConfiguration(c: Record<string, unknown>): void {
  const dests = c.LogDestinationConfigs;
  if (!Array.isArray(dests) || dests.length !== 1) throw invalidParameter('LOG_DESTINATION', 'LogDestinationConfigs', REASON.exactlyOne);
  const d = String(dests[0]);
  if (!d.startsWith('arn:')) throw invalidParameter('LOG_DESTINATION', d, REASON.invalidArn);
  if (!logBucketOf(d)) {
    throw invalidParameter('LOG_DESTINATION', d,
      'Bulwark delivers WAF logs to local buckets only: use arn:aws:s3:::aws-waf-logs-<suffix> (a valid S3 bucket name).');
  }
  if (c.RedactedFields !== undefined) {
    if (!Array.isArray(c.RedactedFields)) throw invalidParameter('FIELD_TO_MATCH', 'RedactedFields', REASON.format);
    for (const f of c.RedactedFields) {
      const m = exactlyOne(f, 'FIELD_TO_MATCH', 'RedactedFields');
      if (!REDACTABLE.has(m)) throw invalidParameter('FIELD_TO_MATCH', m, 'Logging can redact only SingleHeader, Method, QueryString and UriPath.');
    }
  }
  const lf = c.LoggingFilter;
  if (lf !== undefined) {
    if (!isObj(lf) || !Array.isArray(lf.Filters) || lf.Filters.length === 0) throw invalidParameter('LOGGING_FILTER', 'Filters', REASON.required);
    if (lf.DefaultBehavior !== 'KEEP' && lf.DefaultBehavior !== 'DROP') throw invalidParameter('LOGGING_FILTER', 'DefaultBehavior', REASON.format);
    for (const f of lf.Filters) {
      if (!isObj(f) || (f.Behavior !== 'KEEP' && f.Behavior !== 'DROP') || (f.Requirement !== 'MEETS_ALL' && f.Requirement !== 'MEETS_ANY')) {
        throw invalidParameter('LOGGING_FILTER', 'Filter', REASON.format);
      }
      if (!Array.isArray(f.Conditions) || f.Conditions.length === 0) throw invalidParameter('FILTER_CONDITION', 'Conditions', REASON.required);
      for (const cond of f.Conditions) {
        const m = exactlyOne(cond, 'FILTER_CONDITION', 'Condition');
        const v = (cond as Record<string, unknown>)[m];
        if (m === 'ActionCondition') {
          if (!isObj(v) || !ACTION_VALUES.has(String(v.Action))) throw invalidParameter('FILTER_CONDITION', String(isObj(v) ? v.Action : v), REASON.format);
        } else if (m === 'LabelNameCondition') {
          const name = isObj(v) ? v.LabelName : undefined;
          if (typeof name !== 'string' || !/^[0-9A-Za-z_\-:]{1,1024}$/.test(name) || name.split(':').some((x) => x.length === 0)) {
            throw invalidParameter('FILTER_CONDITION', String(name), REASON.label);
          }
        } else {
          throw invalidParameter('FILTER_CONDITION', m, REASON.unsupported);
        }
      }
    }
  }
}
