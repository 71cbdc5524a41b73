/**
 * AsnMatchStatement: the request's autonomous system number in AsnList. Bulwark ships no ASN
 * database: the ASN comes from req.asn (set by the proxy when one is configured) or deps.asn. With
 * neither, the statement never matches and compilation records a warning.
 */
import { WafConfigError } from '../errors.js';
import { compileForwardedIp, firstForwardedIp } from './ip.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { arr } from './util.js';

export const asnMatchStatement: StatementEntry = {
  name: 'AsnMatchStatement',
  field: 'STATEMENT',
  compile(spec, cc): CompiledStatement {
    const list = arr(spec, 'AsnList', 'STATEMENT', cc.path);
    if (list.length < 1 || list.length > 100) throw new WafConfigError('STATEMENT', `${cc.path}.AsnList`, 'AsnList must have 1 to 100 entries');
    const set = new Set<number>();
    for (const a of list) {
      const n = typeof a === 'bigint' ? Number(a) : a;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 4294967295) throw new WafConfigError('STATEMENT', `${cc.path}.AsnList`, `invalid ASN ${String(a)}`);
      set.add(n);
    }
    const lookup = cc.deps.asn;
    if (!lookup) cc.warnings.push(`${cc.path}: AsnMatchStatement needs an ASN database; without one it matches only requests whose ASN the proxy supplies`);
    const fwd = spec['ForwardedIPConfig'] == null ? undefined : compileForwardedIp(spec['ForwardedIPConfig'], `${cc.path}.ForwardedIPConfig`, false);
    return {
      matches(ctx: EvalContext): boolean {
        let asn: number | undefined;
        if (fwd === undefined) asn = ctx.req.asn ?? lookup?.(ctx.req.clientIp);
        else {
          const ip = firstForwardedIp(ctx.req, fwd);
          if (ip === undefined) return false;
          if (ip === null) return fwd.fallbackMatch;
          asn = lookup?.(ip);
        }
        return asn !== undefined && set.has(asn);
      },
    };
  },
  capacity(_spec: Json): number {
    return 1;
  },
};
