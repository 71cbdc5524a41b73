/**
 * LabelMatchStatement. Labels are stored fully qualified. A Key starting with 'awswaf:' is fully
 * qualified: LABEL scope matches it exactly, NAMESPACE scope by prefix. Any other Key is relative
 * to the context of the statement (its web ACL or rule group namespace), as AWS documents: LABEL
 * matches labels of that context whose trailing components equal the Key ("header:encoding:utf8"
 * matches "<ctx>:testNS1:header:encoding:utf8"); NAMESPACE matches labels of that context whose
 * namespace contains the Key's components contiguously.
 */
import { WafConfigError } from '../errors.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { oneOf, str } from './util.js';

export function labelMatches(label: string, key: string, scope: 'LABEL' | 'NAMESPACE', ctxPrefix: string): boolean {
  const qualified = key.startsWith('awswaf:');
  if (scope === 'LABEL') {
    if (qualified) return label === key;
    return label.startsWith(ctxPrefix) && (label.length === key.length ? label === key : label.endsWith(key) && label.charCodeAt(label.length - key.length - 1) === 58);
  }
  const ns = key.endsWith(':') ? key : `${key}:`;
  const lastColon = label.lastIndexOf(':');
  if (lastColon < 0) return false;
  const labelNs = label.slice(0, lastColon + 1);
  if (qualified) return labelNs.startsWith(ns);
  if (!label.startsWith(ctxPrefix)) return false;
  const rel = labelNs.slice(ctxPrefix.length);
  return rel.startsWith(ns) || rel.includes(`:${ns}`);
}

export const labelMatchStatement: StatementEntry = {
  name: 'LabelMatchStatement',
  field: 'LABEL_MATCH_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const scope = oneOf(spec, 'Scope', ['LABEL', 'NAMESPACE'] as const, 'LABEL_MATCH_STATEMENT', cc.path);
    const key = str(spec, 'Key', 'LABEL_MATCH_STATEMENT', cc.path);
    if (key.length > 1024 || !/^[0-9A-Za-z_\-:]+$/.test(key)) throw new WafConfigError('LABEL_MATCH_STATEMENT', `${cc.path}.Key`, 'Key must match ^[0-9A-Za-z_\\-:]+$ (1 to 1024 characters)');
    const prefix = cc.labelNamespace;
    // Fast path: a fully qualified LABEL key is a set lookup.
    if (scope === 'LABEL' && key.startsWith('awswaf:')) return { matches: (ctx: EvalContext) => ctx.labelSet.has(key) };
    return {
      matches(ctx: EvalContext): boolean {
        const ls = ctx.labels;
        for (let i = 0; i < ls.length; i++) if (labelMatches(ls[i]!, key, scope, prefix)) return true;
        return false;
      },
    };
  },
  capacity(_spec: Json): number {
    return 1;
  },
};
