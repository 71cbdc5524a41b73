/** IPSetReferenceStatement: the client IP (or a forwarded IP) against an IP set's CIDRs. */
import { WafConfigError } from '../errors.js';
import { compileForwardedIp, forwardedIps, IpMatcher } from './ip.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { str } from './util.js';

export const ipSetReferenceStatement: StatementEntry = {
  name: 'IPSetReferenceStatement',
  field: 'IP_SET_REFERENCE_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const arn = str(spec, 'ARN', 'IP_SET_REFERENCE_STATEMENT', cc.path);
    const set = cc.deps.resolveIpSet(arn);
    if (!set) throw new WafConfigError('IP_SET', arn, 'the referenced IP set does not exist', 'WAFNonexistentItemException');
    const addrs = Array.isArray(set['Addresses']) ? (set['Addresses'] as unknown[]).map(String) : [];
    const m = new IpMatcher(addrs, `${arn}.Addresses`);
    const fwdSpec = spec['IPSetForwardedIPConfig'];
    if (fwdSpec == null) {
      return { matches: (ctx: EvalContext) => m.has(ctx.req.clientIp) };
    }
    const fwd = compileForwardedIp(fwdSpec, `${cc.path}.IPSetForwardedIPConfig`, true);
    return {
      matches(ctx: EvalContext): boolean {
        const f = forwardedIps(ctx.req, fwd);
        // Header absent: AWS doesn't apply the rule to the request.
        if (f.kind === 'absent') return false;
        for (let i = 0; i < f.ips.length; i++) if (m.has(f.ips[i]!)) return true;
        // No valid address at the position (or, for ANY, none matched and one was malformed).
        if (f.invalid) return fwd.fallbackMatch;
        return false;
      },
    };
  },
  capacity(spec: Json): number {
    const f = spec['IPSetForwardedIPConfig'] as Json | undefined;
    return f && f['Position'] === 'ANY' ? 5 : 1;
  },
};
