/**
 * ManagedSignalStatement: Bulwark-internal, usable only by the rules of an AWS managed rule group.
 * It asks a named signal registered by `waf/managed/` (an IP list lookup, the bot classifier) about
 * the request, so groups whose data changes at runtime (IP reputation lists fed by GuardDuty) or
 * whose labels depend on the request (Bot Control's bot:name:…) stay ordinary compiled rules.
 * A web ACL or customer rule group cannot use it: outside a managed namespace it is an unknown statement.
 */
import { WafConfigError } from '../errors.js';
import type { CompiledStatement, EvalContext, StatementEntry } from './types.js';
import { str } from './util.js';

/** A signal: answers for one request; may add fully-qualified labels through `addLabel`. */
export type ManagedSignal = (ctx: EvalContext) => boolean;

const signals = new Map<string, ManagedSignal>();

/** Registers (or replaces) a named signal for managed rule groups. */
export function registerManagedSignal(name: string, signal: ManagedSignal): void {
  signals.set(name, signal);
}

/** Adds a fully-qualified label to the request (once), as a matching rule's RuleLabels are added. */
export function addLabel(ctx: EvalContext, label: string): void {
  if (!ctx.labelSet.has(label)) {
    ctx.labelSet.add(label);
    ctx.labels.push(label);
  }
}

export const managedSignalStatement: StatementEntry = {
  name: 'ManagedSignalStatement',
  field: 'STATEMENT',
  compile(spec, cc): CompiledStatement {
    if (!cc.inRuleGroup || !cc.labelNamespace.startsWith('awswaf:managed:')) {
      throw new WafConfigError('STATEMENT', cc.path, 'unknown statement type ManagedSignalStatement');
    }
    const name = str(spec, 'Signal', 'STATEMENT', cc.path);
    const signal = signals.get(name);
    if (signal === undefined) throw new WafConfigError('STATEMENT', `${cc.path}.Signal`, `unknown managed signal ${name}`);
    return { matches: signal };
  },
  capacity(): number {
    return 1;
  },
};
