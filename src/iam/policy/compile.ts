/**
 * Validation and compilation of IAM policy documents. Everything evaluation needs (wildcard
 * RegExps, literal sets, CIDR lists, parsed numbers and dates) is built here, once.
 */
import { awsError } from '../../errors/index.js';
import { type ConditionClause, compileConditions } from './conditions.js';
import { PatternSet } from './pattern.js';
import type { CompiledPolicy, MatchedStatement, PolicyKind } from './types.js';

/** Options for compilePolicy. */
export interface CompilePolicyOptions {
  /** A label for MatchedStatement.source; defaults to the kind. */
  readonly source?: string;
  /**
   * Maximum size in characters, not counting whitespace (AWS: managed policy 6144, user inline 2048,
   * role inline 10240, group inline 5120). Larger documents throw LimitExceeded. No limit when absent.
   */
  readonly maxChars?: number;
}

/** The principals a Principal/NotPrincipal element names. */
export interface PrincipalSet {
  /** "*" or {"AWS": "*"}: every principal. */
  readonly all: boolean;
  /** Exact IAM/STS principal ARNs (users, roles, assumed-role sessions). */
  readonly arns: ReadonlySet<string>;
  /** Account ids named by arn:aws:iam::<acct>:root or a bare 12-digit id. */
  readonly accounts: ReadonlySet<string>;
  /** Service principals, lower-cased (e.g. kms.amazonaws.com). */
  readonly services: ReadonlySet<string>;
}

/** One compiled statement. */
export interface CompiledStatement {
  readonly effect: 'Allow' | 'Deny';
  /** Pre-built so evaluation does not allocate it. */
  readonly matched: MatchedStatement;
  readonly actions: PatternSet;
  readonly notAction: boolean;
  /** Undefined when the statement has no Resource/NotResource (trust/resource policies): any resource. */
  readonly resources: PatternSet | undefined;
  readonly notResource: boolean;
  /** Undefined when the statement has no Principal/NotPrincipal (identity-style policies). */
  readonly principals: PrincipalSet | undefined;
  readonly notPrincipal: boolean;
  readonly conditions: readonly ConditionClause[];
}

/** The compiled form behind the CompiledPolicy contract. */
export class CompiledPolicyDocument implements CompiledPolicy {
  readonly kind: PolicyKind;
  readonly source: string;
  readonly text: string;
  /** '2012-10-17', '2008-10-17', or undefined when the document has no Version. */
  readonly version: string | undefined;
  readonly statements: readonly CompiledStatement[];
  constructor(kind: PolicyKind, source: string, text: string, version: string | undefined, statements: readonly CompiledStatement[]) {
    this.kind = kind;
    this.source = source;
    this.text = text;
    this.version = version;
    this.statements = statements;
    Object.freeze(this);
  }
}

const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const ACTION_RE = /^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+$/;
const ACCOUNT_RE = /^\d{12}$/;
const ROOT_RE = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;
const PRINCIPAL_ARN_RE = /^arn:aws[a-z-]*:(?:iam|sts)::\d{12}:(?:user|role|assumed-role|federated-user)\/[^*?]+$/;
const SERVICE_RE = /^[a-z0-9][a-z0-9.-]*$/i;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function malformed(message: string): never {
  throw awsError('MalformedPolicyDocument', message);
}

/** Counts characters that are not JSON whitespace, as AWS's policy size quotas do. */
function sizeWithoutWhitespace(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) n++;
  }
  return n;
}

/** A string or a non-empty list of strings; undefined when the value has another shape. */
function stringList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return undefined;
  for (const x of v) if (typeof x !== 'string') return undefined;
  return v as string[];
}

function compilePrincipal(v: unknown, field: string, where: string): PrincipalSet {
  const arns = new Set<string>();
  const accounts = new Set<string>();
  const services = new Set<string>();
  let all = false;
  const bad = (what: string): never => malformed(`Invalid principal in policy: ${what} ${where}`);
  if (v === '*') return { all: true, arns, accounts, services };
  if (!isObject(v) || Object.keys(v).length === 0) return malformed(`Syntax errors in policy. ${field} must be "*" or an object such as {"AWS": ...}. ${where}`);
  for (const type of Object.keys(v)) {
    const list = stringList(v[type]);
    if (list === undefined || list.length === 0) return malformed(`Syntax errors in policy. ${field}.${type} must be a string or a list of strings. ${where}`);
    for (const p of list) {
      switch (type) {
        case 'AWS': {
          if (p === '*') all = true;
          else if (ACCOUNT_RE.test(p)) accounts.add(p);
          else {
            const root = ROOT_RE.exec(p);
            if (root) accounts.add(root[1]!);
            else if (PRINCIPAL_ARN_RE.test(p)) arns.add(p);
            else bad(`"AWS":"${p}"`);
          }
          break;
        }
        case 'Service':
          if (!SERVICE_RE.test(p)) bad(`"Service":"${p}"`);
          services.add(p.toLowerCase());
          break;
        case 'Federated':
        case 'CanonicalUser':
          // Accepted for compatibility; Bulwark has no federated or canonical-user principals, so
          // these entries never match a caller.
          if (p === '' || p === '*') bad(`"${type}":"${p}"`);
          break;
        default:
          bad(`unknown principal type "${type}"`);
      }
    }
  }
  return { all, arns, accounts, services };
}

function validateResource(r: string, where: string): void {
  if (r === '*') return;
  if (r.startsWith('arn:') && (r.split(':').length >= 6 || r.includes('*'))) return;
  malformed(`Resource ${r} must be in ARN format or "*". ${where}`);
}

function compileStatement(st: unknown, index: number, kind: PolicyKind, variables: boolean, source: string, sids: Set<string>): CompiledStatement {
  let where = `(Statement ${index + 1})`;
  if (!isObject(st)) return malformed(`Syntax errors in policy. Each statement must be a JSON object. ${where}`);
  const sidRaw = st['Sid'];
  let sid: string | undefined;
  if (sidRaw !== undefined) {
    if (typeof sidRaw !== 'string') return malformed(`Syntax errors in policy. Sid must be a string. ${where}`);
    sid = sidRaw;
    where = `(Statement ${index + 1}, Sid "${sid}")`;
  }
  for (const k of Object.keys(st)) {
    if (!STATEMENT_FIELDS.has(k)) malformed(`Syntax errors in policy. Unknown field ${k}. ${where}`);
  }
  const iamStyle = kind === 'identity' || kind === 'boundary';
  if (sid !== undefined && iamStyle) {
    if (sid !== '' && !/^[A-Za-z0-9]+$/.test(sid)) malformed(`Statement IDs (SID) must be alpha-numeric. ${where}`);
    if (sid !== '' && sids.has(sid)) malformed(`Statement IDs (SID) in a single policy must be unique. ${where}`);
    sids.add(sid);
  }

  const effect = st['Effect'];
  if (effect === undefined) malformed(`Missing required field Effect. ${where}`);
  if (effect !== 'Allow' && effect !== 'Deny') return malformed(`Invalid effect: ${String(effect)}. Effect must be "Allow" or "Deny". ${where}`);

  // Action / NotAction
  const hasA = st['Action'] !== undefined;
  const hasNA = st['NotAction'] !== undefined;
  if (hasA && hasNA) malformed(`Syntax errors in policy. A statement cannot have both Action and NotAction. ${where}`);
  if (!hasA && !hasNA) malformed(`Policy statement must contain actions. ${where}`);
  const actionField = hasA ? 'Action' : 'NotAction';
  const actions = stringList(st[actionField]);
  if (actions === undefined) return malformed(`Syntax errors in policy. ${actionField} must be a string or a list of strings. ${where}`);
  if (actions.length === 0) malformed(`Policy statement must contain actions. ${where}`);
  for (const a of actions) {
    if (a !== '*' && !ACTION_RE.test(a)) malformed(`Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. Invalid action: ${a} ${where}`);
  }

  // Resource / NotResource
  const hasR = st['Resource'] !== undefined;
  const hasNR = st['NotResource'] !== undefined;
  if (hasR && hasNR) malformed(`Syntax errors in policy. A statement cannot have both Resource and NotResource. ${where}`);
  const needsResource = kind === 'identity' || kind === 'session' || kind === 'boundary';
  if (!hasR && !hasNR && needsResource) malformed(`Policy statement must contain resources. ${where}`);
  let resources: PatternSet | undefined;
  if (hasR || hasNR) {
    const field = hasR ? 'Resource' : 'NotResource';
    const list = stringList(st[field]);
    if (list === undefined) return malformed(`Syntax errors in policy. ${field} must be a string or a list of strings. ${where}`);
    if (list.length === 0) malformed(`Policy statement must contain resources. ${where}`);
    for (const r of list) validateResource(r, where);
    resources = new PatternSet(list, 'resource', variables, false);
  }

  // Principal / NotPrincipal
  const hasP = st['Principal'] !== undefined;
  const hasNP = st['NotPrincipal'] !== undefined;
  let principals: PrincipalSet | undefined;
  if (needsResource) {
    if (hasP || hasNP) malformed(`Policy document should not specify a principal. Has prohibited field ${hasP ? 'Principal' : 'NotPrincipal'} ${where}`);
  } else {
    if (hasP && hasNP) malformed(`Syntax errors in policy. A statement cannot have both Principal and NotPrincipal. ${where}`);
    if (!hasP && !hasNP) malformed(`Missing required field Principal ${where}`);
    principals = compilePrincipal(st[hasP ? 'Principal' : 'NotPrincipal'], hasP ? 'Principal' : 'NotPrincipal', where);
  }

  const conditions = st['Condition'] === undefined ? [] : compileConditions(st['Condition'], variables, where);
  const matched: MatchedStatement = Object.freeze(sid === undefined ? { source, effect } : { source, sid, effect });
  return Object.freeze({
    effect,
    matched,
    actions: new PatternSet(actions, 'any', false, true),
    notAction: hasNA,
    resources,
    notResource: hasNR,
    principals,
    notPrincipal: hasNP,
    conditions,
  });
}

/** Validates and compiles a policy document; see index.ts for the public overloads. */
export function compileDocument(text: string, kind: PolicyKind, opts: CompilePolicyOptions): CompiledPolicyDocument {
  if (typeof text !== 'string') malformed('Syntax errors in policy. The policy document must be a string.');
  if (opts.maxChars !== undefined) {
    const size = sizeWithoutWhitespace(text);
    if (size > opts.maxChars) throw awsError('LimitExceeded', `Cannot exceed quota for PolicySize: ${opts.maxChars}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    malformed('Syntax errors in policy. The policy document is not valid JSON.');
  }
  if (!isObject(doc)) return malformed('Syntax errors in policy. The policy document must be a JSON object.');
  for (const k of Object.keys(doc)) {
    if (!TOP_LEVEL.has(k)) malformed(`Syntax errors in policy. Unknown field ${k}.`);
  }
  const version = doc['Version'];
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    malformed(`The policy failed legacy parsing: unsupported Version ${JSON.stringify(version)} (use "2012-10-17").`);
  }
  if (doc['Id'] !== undefined && typeof doc['Id'] !== 'string') malformed('Syntax errors in policy. Id must be a string.');
  const raw = doc['Statement'];
  if (raw === undefined) malformed('Missing required field Statement.');
  const list: unknown[] = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) malformed('Syntax errors in policy. Statement must contain at least one statement.');
  const source = opts.source ?? kind;
  const variables = version === '2012-10-17';
  const sids = new Set<string>();
  const statements = list.map((st, i) => compileStatement(st, i, kind, variables, source, sids));
  return new CompiledPolicyDocument(kind, source, text, version as string | undefined, Object.freeze(statements));
}
