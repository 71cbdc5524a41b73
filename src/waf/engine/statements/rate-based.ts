/**
 * RateBasedStatement: counts the requests that reach the rule and match its scope-down statement,
 * per aggregation key, in a sliding window (RateCounter), and matches a request whose key has more
 * than Limit requests in the window. Decisions are per request (AWS re-evaluates every few seconds).
 * A request missing an aggregation component is neither counted nor matched, as in AWS.
 */
import { WafConfigError } from '../errors.js';
import { asConfigError, forced, inspect, type FieldInspector } from './inspect.js';
import { compileForwardedIp, firstForwardedIp, type ForwardedIpSpec } from './ip.js';
import type { CompileContext, CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { isObject, num, oneOf } from './util.js';

const WINDOWS = [60, 120, 300, 600];
const AGG = ['IP', 'FORWARDED_IP', 'CONSTANT', 'CUSTOM_KEYS'] as const;

/** One compiled custom aggregation key: returns the component or undefined when absent. */
interface KeyPart {
  readonly logKey: string;
  readonly name?: string;
  get(ctx: EvalContext): string | undefined;
}

function fieldPart(cc: CompileContext, logKey: string, name: string | undefined, ftm: Json, tt: unknown, path: string): KeyPart {
  let fi: FieldInspector;
  try {
    const field = cc.parts.compileField(ftm, { bodyLimitBytes: cc.bodyLimitBytes });
    const list = Array.isArray(tt) ? (tt as { Priority: number; Type: string }[]) : [];
    const chain = cc.parts.compileChain(list.length > 0 ? list : [{ Priority: 0, Type: 'NONE' }]);
    const cacheKey = `${field.key}\u0000${chain.key}`;
    fi = { field, chain, cacheKey, identity: list.every((t) => t.Type === 'NONE'), rawSlot: cc.slots?.slot(field.key) ?? -1, slot: cc.slots?.slot(cacheKey) ?? -1 };
  } catch (e) {
    throw asConfigError(e, 'CUSTOM_KEYS', path);
  }
  return {
    logKey,
    name,
    get(ctx) {
      const fv = inspect(ctx, fi);
      if (forced(fv) === false) return undefined;
      return fv.values.length > 0 ? fv.values[0] : undefined;
    },
  };
}

function compileKey(k: unknown, i: number, cc: CompileContext, fwd: ForwardedIpSpec | undefined): KeyPart {
  const path = `${cc.path}.CustomKeys[${i}]`;
  if (!isObject(k)) throw new WafConfigError('CUSTOM_KEYS', path, 'must be an object');
  const names = Object.keys(k).filter((n) => k[n] != null);
  if (names.length !== 1) throw new WafConfigError('CUSTOM_KEYS', path, 'exactly one key type must be set');
  const type = names[0]!;
  const v = k[type] as Json;
  const nameOf = (): string => {
    const n = isObject(v) ? v['Name'] : undefined;
    if (typeof n !== 'string' || n.length === 0) throw new WafConfigError('CUSTOM_KEYS', `${path}.${type}.Name`, 'Name is required');
    return n;
  };
  switch (type) {
    case 'Header': {
      const n = nameOf();
      return fieldPart(cc, 'HEADER', n, { SingleHeader: { Name: n } }, v['TextTransformations'], path);
    }
    case 'Cookie': {
      const n = nameOf();
      return fieldPart(cc, 'COOKIE', n, { Cookies: { MatchPattern: { IncludedCookies: [n] }, MatchScope: 'VALUE', OversizeHandling: 'CONTINUE' } }, v['TextTransformations'], path);
    }
    case 'QueryArgument': {
      const n = nameOf();
      return fieldPart(cc, 'QUERY_ARGUMENT', n, { SingleQueryArgument: { Name: n } }, v['TextTransformations'], path);
    }
    case 'QueryString':
      return fieldPart(cc, 'QUERY_STRING', undefined, { QueryString: {} }, v['TextTransformations'], path);
    case 'UriPath':
      return fieldPart(cc, 'URI_PATH', undefined, { UriPath: {} }, v['TextTransformations'], path);
    case 'HTTPMethod':
      return { logKey: 'HTTP_METHOD', get: (ctx) => ctx.req.method };
    case 'IP':
      return { logKey: 'IP', get: (ctx) => ctx.req.clientIp };
    case 'ForwardedIP': {
      if (!fwd) throw new WafConfigError('FORWARDED_IP_CONFIG', `${cc.path}.ForwardedIPConfig`, 'ForwardedIPConfig is required with a ForwardedIP custom key');
      return { logKey: 'FORWARDED_IP', get: (ctx) => firstForwardedIp(ctx.req, fwd) ?? undefined };
    }
    case 'LabelNamespace': {
      const ns0 = isObject(v) ? v['Namespace'] : undefined;
      if (typeof ns0 !== 'string' || ns0.length === 0) throw new WafConfigError('CUSTOM_KEYS', `${path}.LabelNamespace.Namespace`, 'Namespace is required');
      const ns = ns0.endsWith(':') ? ns0 : `${ns0}:`;
      return {
        logKey: 'LABEL_NAMESPACE',
        name: ns,
        get(ctx) {
          // The label names under the namespace (sorted so the key doesn't depend on rule order).
          let found: string[] | undefined;
          for (const l of ctx.labels) if (l.startsWith(ns)) (found ??= []).push(l.slice(ns.length));
          return found ? found.sort().join(',') : undefined;
        },
      };
    }
    case 'JA3Fingerprint':
    case 'JA4Fingerprint': {
      const fb = isObject(v) ? v['FallbackBehavior'] : undefined;
      if (fb !== 'MATCH' && fb !== 'NO_MATCH') throw new WafConfigError('FALLBACK_BEHAVIOR', `${path}.${type}.FallbackBehavior`, 'FallbackBehavior must be MATCH or NO_MATCH');
      const ja3 = type === 'JA3Fingerprint';
      return {
        logKey: ja3 ? 'JA3_FINGERPRINT' : 'JA4_FINGERPRINT',
        get(ctx) {
          const f = ja3 ? ctx.req.ja3 : ctx.req.ja4;
          return f ?? (fb === 'MATCH' ? '' : undefined);
        },
      };
    }
    case 'ASN': {
      const lookup = cc.deps.asn;
      if (!lookup) cc.warnings.push(`${path}: ASN aggregation needs an ASN database; requests without an ASN are not counted`);
      return { logKey: 'ASN', get: (ctx) => { const a = ctx.req.asn ?? lookup?.(ctx.req.clientIp); return a === undefined ? undefined : String(a); } };
    }
    default:
      throw new WafConfigError('CUSTOM_KEYS', `${path}.${type}`, `unsupported custom key type ${type}`);
  }
}

/** The rate-based statement's compiled form (also exposes what GetRateBasedStatementManagedKeys needs). */
export interface CompiledRateStatement extends CompiledStatement {
  readonly rateInfo: { counterId: string; limit: number; windowSec: number; aggregateKeyType: string };
}

export const rateBasedStatement: StatementEntry = {
  name: 'RateBasedStatement',
  field: 'RATE_BASED_STATEMENT',
  compile(spec, cc): CompiledRateStatement {
    if (cc.nested) throw new WafConfigError('RATE_BASED_STATEMENT', cc.path, 'a RateBasedStatement cannot be nested inside another statement');
    const limit = num(spec, 'Limit', 'RATE_BASED_STATEMENT', cc.path);
    if (!Number.isInteger(limit) || limit < 10 || limit > 2_000_000_000) throw new WafConfigError('RATE_BASED_STATEMENT', `${cc.path}.Limit`, 'Limit must be an integer from 10 to 2,000,000,000');
    const w = spec['EvaluationWindowSec'] == null ? 300 : num(spec, 'EvaluationWindowSec', 'RATE_BASED_STATEMENT', cc.path);
    if (!WINDOWS.includes(w)) throw new WafConfigError('RATE_BASED_STATEMENT', `${cc.path}.EvaluationWindowSec`, 'EvaluationWindowSec must be 60, 120, 300 or 600');
    const agg = oneOf(spec, 'AggregateKeyType', AGG, 'RATE_BASED_STATEMENT', cc.path);
    const fwd = spec['ForwardedIPConfig'] == null ? undefined : compileForwardedIp(spec['ForwardedIPConfig'], `${cc.path}.ForwardedIPConfig`, false);
    if (agg === 'FORWARDED_IP' && !fwd) throw new WafConfigError('FORWARDED_IP_CONFIG', `${cc.path}.ForwardedIPConfig`, 'ForwardedIPConfig is required with AggregateKeyType FORWARDED_IP');
    let parts: KeyPart[] = [];
    if (agg === 'CUSTOM_KEYS') {
      const keys = spec['CustomKeys'];
      if (!Array.isArray(keys) || keys.length < 1 || keys.length > 5) throw new WafConfigError('CUSTOM_KEYS', `${cc.path}.CustomKeys`, 'CUSTOM_KEYS needs 1 to 5 CustomKeys');
      parts = keys.map((k, i) => compileKey(k, i, cc, fwd));
    } else if (spec['CustomKeys'] != null && Array.isArray(spec['CustomKeys']) && spec['CustomKeys'].length > 0) {
      throw new WafConfigError('CUSTOM_KEYS', `${cc.path}.CustomKeys`, 'CustomKeys requires AggregateKeyType CUSTOM_KEYS');
    }
    const scopeDown = spec['ScopeDownStatement'] == null ? undefined : cc.child(spec['ScopeDownStatement'], 'ScopeDownStatement');
    const counter = cc.deps.rateCounter;
    const counterId = cc.ruleId;
    const limitKey = agg === 'FORWARDED_IP' ? 'FORWARDEDIP' : agg === 'CUSTOM_KEYS' ? 'CUSTOMKEYS' : agg;
    const ruleName = cc.ruleName;
    return {
      rateInfo: { counterId, limit, windowSec: w, aggregateKeyType: agg },
      matches(ctx: EvalContext): boolean {
        if (scopeDown !== undefined && !scopeDown.matches(ctx)) return false;
        let key: string;
        let custom: { key: string; name?: string; value: string }[] | undefined;
        switch (agg) {
          case 'IP':
            key = ctx.req.clientIp;
            break;
          case 'FORWARDED_IP': {
            const ip = firstForwardedIp(ctx.req, fwd!);
            if (ip === undefined) return false;
            if (ip === null) return fwd!.fallbackMatch;
            key = ip;
            break;
          }
          case 'CONSTANT':
            key = '';
            break;
          default: {
            custom = [];
            key = '';
            for (let i = 0; i < parts.length; i++) {
              const p = parts[i]!;
              const v = p.get(ctx);
              if (v === undefined) return false;
              key += (i === 0 ? '' : '\u0000') + v;
              custom.push(p.name === undefined ? { key: p.logKey, value: v } : { key: p.logKey, name: p.name, value: v });
            }
          }
        }
        const n = counter.hit(counterId, key, w, ctx.req.timeMs);
        if (n <= limit) return false;
        ctx.rate.push({ rateBasedRuleId: counterId, rateBasedRuleName: ruleName, limitKey, maxRateAllowed: limit, evaluationWindowSec: w, ...(custom ? { customValues: custom } : {}) });
        return true;
      },
    };
  },
  capacity(spec, cap): number {
    let n = 2;
    const keys = spec['CustomKeys'];
    if (spec['AggregateKeyType'] === 'CUSTOM_KEYS' && Array.isArray(keys)) {
      for (const k of keys) {
        n += 30;
        if (isObject(k)) {
          for (const v of Object.values(k)) {
            const tt = isObject(v) ? v['TextTransformations'] : undefined;
            if (Array.isArray(tt)) for (const t of tt) if (isObject(t) && t['Type'] !== 'NONE') n += 10;
          }
        }
      }
    }
    if (spec['ScopeDownStatement'] != null) n += cap.statement(spec['ScopeDownStatement']);
    return n;
  },
};
