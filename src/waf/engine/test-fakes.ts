/**
 * Test doubles for the engine's unit tests: a small FieldToMatch extractor (until/independently of
 * src/waf/engine/fields), a request builder and deterministic detectors. Not used in production.
 */
import type { EngineDeps, EngineParts, FieldExtractor, FieldValues, Json } from './statements/types.js';
import { compileChain } from './transforms/index.js';
import type { InjectionDetectors, InspectedRequest } from './types.js';
import { MemoryRateCounter } from './rate/memory.js';

function header(req: InspectedRequest, name: string): string[] {
  const n = name.toLowerCase();
  return req.headers.filter((h) => h[0].toLowerCase() === n).map((h) => h[1]);
}

function queryArgs(req: InspectedRequest): [string, string][] {
  if (req.queryString === '') return [];
  return req.queryString.split('&').map((p) => {
    const i = p.indexOf('=');
    return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
  });
}

const vals = (values: string[]): FieldValues => ({ kind: 'values', values });

/** A FieldToMatch compiler covering the fields the engine tests use. */
export function fakeCompileField(ftm: Record<string, unknown>, opts: { bodyLimitBytes: number }): FieldExtractor {
  const type = Object.keys(ftm)[0]!;
  const spec = (ftm[type] ?? {}) as Json;
  const key = JSON.stringify(ftm);
  let extract: (req: InspectedRequest) => FieldValues;
  switch (type) {
    case 'SingleHeader':
      extract = (req) => vals(header(req, String(spec['Name'])));
      break;
    case 'UriPath':
      extract = (req) => vals([req.uriPath]);
      break;
    case 'QueryString':
      extract = (req) => vals([req.queryString]);
      break;
    case 'Method':
      extract = (req) => vals([req.method]);
      break;
    case 'AllQueryArguments':
      extract = (req) => vals(queryArgs(req).map((a) => a[1]));
      break;
    case 'SingleQueryArgument':
      extract = (req) => vals(queryArgs(req).filter((a) => a[0].toLowerCase() === String(spec['Name']).toLowerCase()).map((a) => a[1]));
      break;
    case 'Cookies': {
      const names = ((spec['MatchPattern'] as Json)['IncludedCookies'] as string[]) ?? [];
      extract = (req) => {
        const out: string[] = [];
        for (const c of header(req, 'cookie').join(';').split(';')) {
          const [k, v] = c.trim().split('=');
          if (k && names.includes(k)) out.push(v ?? '');
        }
        return vals(out);
      };
      break;
    }
    case 'Body': {
      const handling = (spec['OversizeHandling'] as 'CONTINUE' | 'MATCH' | 'NO_MATCH' | undefined) ?? 'CONTINUE';
      extract = (req) => {
        const body = req.body.subarray(0, opts.bodyLimitBytes).toString('latin1');
        return req.bodyOversize || req.bodySize > opts.bodyLimitBytes ? { kind: 'oversize', handling, values: [body] } : vals([body]);
      };
      break;
    }
    default:
      throw Object.assign(new Error(`unsupported FieldToMatch ${type}`), { field: 'FIELD_TO_MATCH' });
  }
  return { key, location: type.toUpperCase(), extract };
}

export const fakeParts: EngineParts = { compileField: fakeCompileField, compileChain };

/** Detectors that flag fixed markers, so statement plumbing is tested apart from detection quality. */
export const fakeDetectors: InjectionDetectors = {
  sqli: (s, level) => s.includes("' or 1=1") || (level === 'HIGH' && s.includes('union select')),
  xss: (s) => s.includes('<script'),
};

/** A benign GET unless overridden. */
export function request(over: Partial<InspectedRequest> = {}): InspectedRequest {
  return {
    method: 'GET',
    uriPath: '/index.html',
    queryString: '',
    uriFragment: '',
    httpVersion: 'HTTP/1.1',
    headers: [
      ['Host', 'shop.example'],
      ['User-Agent', 'Mozilla/5.0'],
    ],
    body: Buffer.alloc(0),
    bodySize: 0,
    bodyOversize: false,
    clientIp: '192.0.2.10',
    timeMs: 1_700_000_000_000,
    ...over,
  };
}

/** Deps with fakes; sets/groups from the given maps. */
export function deps(over: Partial<EngineDeps> & { ipSets?: Record<string, Json>; regexSets?: Record<string, Json>; ruleGroups?: Record<string, Json> } = {}): EngineDeps {
  const { ipSets = {}, regexSets = {}, ruleGroups = {}, ...rest } = over;
  return {
    resolveIpSet: (arn) => ipSets[arn],
    resolveRegexPatternSet: (arn) => regexSets[arn],
    resolveRuleGroup: (arn) => ruleGroups[arn],
    resolveManagedRuleGroup: () => undefined,
    detectors: fakeDetectors,
    rateCounter: new MemoryRateCounter(),
    geo: () => undefined,
    parts: fakeParts,
    ...rest,
  };
}

export const ACL_ARN = 'arn:aws:wafv2:us-east-1:111122223333:regional/webacl/testWebACL/abc';

/** A web ACL around `rules`. */
export function webAcl(rules: Json[], extra: Json = {}): Json {
  return {
    Name: 'testWebACL',
    Id: 'abc',
    ARN: ACL_ARN,
    DefaultAction: { Allow: {} },
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'testWebACL' },
    Rules: rules,
    ...extra,
  };
}

let prio = 0;
/** A rule with a statement and action; priority increases per call unless given. */
export function rule(name: string, statement: Json, action: Json = { Block: {} }, extra: Json = {}): Json {
  return { Name: name, Priority: prio++, Statement: statement, Action: action, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: `${name}Metric` }, ...extra };
}

export const NONE = [{ Priority: 0, Type: 'NONE' }];

export function byteMatch(search: string, pos: string, field: Json = { UriPath: {} }, tt: Json[] = NONE): Json {
  return { ByteMatchStatement: { SearchString: Buffer.from(search), FieldToMatch: field, PositionalConstraint: pos, TextTransformations: tt } };
}
