/**
 * GeoMatchStatement: the request's country (client IP, or the first forwarded IP) in CountryCodes.
 * Like AWS, every evaluation labels the request with the country it found:
 * awswaf:clientip:geo:country:<CC> (awswaf:forwardedip:geo:country:<CC> with ForwardedIPConfig).
 * Region labels (awswaf:clientip:geo:region:<CC>-<region>) need a region database: not emitted.
 */
import { WafConfigError } from '../errors.js';
import { defaultGeo } from './geo.js';
import { compileForwardedIp, firstForwardedIp } from './ip.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { arr } from './util.js';

function addLabel(ctx: EvalContext, label: string): void {
  if (!ctx.labelSet.has(label)) {
    ctx.labelSet.add(label);
    ctx.labels.push(label);
  }
}

export const geoMatchStatement: StatementEntry = {
  name: 'GeoMatchStatement',
  field: 'GEO_MATCH_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const codes = arr(spec, 'CountryCodes', 'GEO_MATCH_STATEMENT', cc.path);
    if (codes.length === 0) throw new WafConfigError('GEO_MATCH_STATEMENT', `${cc.path}.CountryCodes`, 'CountryCodes must not be empty');
    const set = new Set<string>();
    for (const c of codes) {
      if (typeof c !== 'string' || !/^[A-Z]{2}$/.test(c)) throw new WafConfigError('GEO_MATCH_STATEMENT', `${cc.path}.CountryCodes`, `invalid country code ${JSON.stringify(c)}`);
      set.add(c);
    }
    const lookup = cc.deps.geo ?? defaultGeo;
    const fwd = spec['ForwardedIPConfig'] == null ? undefined : compileForwardedIp(spec['ForwardedIPConfig'], `${cc.path}.ForwardedIPConfig`, false);
    const labelCache = new Map<string, string>();
    const label = (prefix: string, cc2: string): string => {
      const k = prefix + cc2;
      let l = labelCache.get(k);
      if (l === undefined) {
        l = `awswaf:${prefix}:geo:country:${cc2}`;
        if (labelCache.size < 512) labelCache.set(k, l);
      }
      return l;
    };
    return {
      matches(ctx: EvalContext): boolean {
        let country: string | undefined;
        if (fwd === undefined) {
          country = ctx.req.country ?? lookup(ctx.req.clientIp);
          if (country) addLabel(ctx, label('clientip', country));
        } else {
          const ip = firstForwardedIp(ctx.req, fwd);
          if (ip === undefined) return false;
          if (ip === null) return fwd.fallbackMatch;
          country = lookup(ip);
          if (country) addLabel(ctx, label('forwardedip', country));
        }
        return country !== undefined && set.has(country);
      },
    };
  },
  capacity(_spec: Json): number {
    return 1;
  },
};

export { addLabel };
