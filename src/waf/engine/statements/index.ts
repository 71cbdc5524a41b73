/**
 * The statement registry: one file per statement type, one map from the Statement member name to
 * its entry. Unknown statements fail when the configuration compiles, never when traffic arrives.
 */
import { WafConfigError } from '../errors.js';
import { asnMatchStatement } from './asn-match.js';
import { byteMatchStatement } from './byte-match.js';
import { geoMatchStatement } from './geo-match.js';
import { managedRuleGroupStatement, ruleGroupReferenceStatement } from './groups.js';
import { ipSetReferenceStatement } from './ip-set-reference.js';
import { labelMatchStatement } from './label-match.js';
import { managedSignalStatement } from './managed-signal.js';
import { andStatement, notStatement, orStatement } from './logical.js';
import { rateBasedStatement } from './rate-based.js';
import { regexMatchStatement } from './regex-match.js';
import { regexPatternSetReferenceStatement } from './regex-pattern-set-reference.js';
import { sizeConstraintStatement } from './size-constraint.js';
import { sqliMatchStatement } from './sqli-match.js';
import type { CapacityContext, CompileContext, CompiledStatement, Json, StatementEntry } from './types.js';
import { isObject } from './util.js';
import { xssMatchStatement } from './xss-match.js';

/** Statement member name → entry. */
export const statementRegistry: ReadonlyMap<string, StatementEntry> = new Map(
  [
    byteMatchStatement,
    sqliMatchStatement,
    xssMatchStatement,
    sizeConstraintStatement,
    geoMatchStatement,
    asnMatchStatement,
    ipSetReferenceStatement,
    regexMatchStatement,
    regexPatternSetReferenceStatement,
    labelMatchStatement,
    managedSignalStatement,
    rateBasedStatement,
    managedRuleGroupStatement,
    ruleGroupReferenceStatement,
    andStatement,
    orStatement,
    notStatement,
  ].map((e) => [e.name, e]),
);

/** The single statement type set in a Statement object, with its spec. */
export function statementType(stmt: unknown, path: string): { entry: StatementEntry; spec: Json; type: string } {
  if (!isObject(stmt)) throw new WafConfigError('STATEMENT', path, 'Statement is required and must be an object');
  const set = Object.keys(stmt).filter((k) => stmt[k] !== undefined && stmt[k] !== null);
  if (set.length !== 1) throw new WafConfigError('STATEMENT', path, `a Statement must set exactly one statement type (found ${set.length === 0 ? 'none' : set.join(', ')})`);
  const type = set[0]!;
  const entry = statementRegistry.get(type);
  if (!entry) throw new WafConfigError('STATEMENT', `${path}.${type}`, `unknown statement type ${type}`);
  const spec = stmt[type];
  if (!isObject(spec)) throw new WafConfigError(entry.field, `${path}.${type}`, `${type} must be an object`);
  return { entry, spec, type };
}

/** Compiles a Statement object with the context's settings. */
export function compileStatement(stmt: unknown, cc: CompileContext): CompiledStatement {
  const { entry, spec, type } = statementType(stmt, cc.path);
  const path = `${cc.path}.${type}`;
  const inner: CompileContext = {
    ...cc,
    path,
    child: (s: unknown, sub: string) => compileStatement(s, { ...cc, path: `${path}.${sub}`, nested: true }),
  };
  return entry.compile(spec, inner);
}

/** WCU of a Statement object. */
export function statementCapacity(stmt: unknown, cap: Omit<CapacityContext, 'statement'>): number {
  const { entry, spec } = statementType(stmt, 'Statement');
  const ctx: CapacityContext = { ...cap, statement: (s) => statementCapacity(s, cap) };
  return entry.capacity(spec, ctx);
}
