/**
 * Rule actions: Allow, Block, Count, Captcha, Challenge (one registry entry each) compiled with
 * their customizations. Inserted request headers get AWS's 'x-amzn-waf-' prefix; custom response
 * headers of Block are sent as named (AWS prefixes only inserted request headers).
 */
import { WafConfigError } from './errors.js';
import type { CompiledAction } from './statements/types.js';
import { isObject } from './statements/util.js';
import type { CustomResponse, WafAction } from './types.js';

const CONTENT_TYPES: Record<string, string> = {
  TEXT_PLAIN: 'text/plain',
  TEXT_HTML: 'text/html',
  APPLICATION_JSON: 'application/json',
};

type Json = Record<string, unknown>;

function headers(list: unknown, path: string, prefix: string): [string, string][] {
  if (list == null) return [];
  if (!Array.isArray(list)) throw new WafConfigError('CUSTOM_REQUEST_HANDLING', path, 'must be a list of {Name, Value}');
  const seen = new Set<string>();
  return list.map((h, i) => {
    const n = isObject(h) ? h['Name'] : undefined;
    const v = isObject(h) ? h['Value'] : undefined;
    if (typeof n !== 'string' || !/^[a-zA-Z0-9._$-]{1,64}$/.test(n)) throw new WafConfigError('HEADER_NAME', `${path}[${i}].Name`, 'invalid header name');
    if (typeof v !== 'string' || v.length > 255 || /[\r\n\0]/.test(v)) throw new WafConfigError('CUSTOM_REQUEST_HANDLING', `${path}[${i}].Value`, 'invalid header value');
    const name = prefix + n.toLowerCase();
    if (seen.has(name)) throw new WafConfigError('CUSTOM_REQUEST_HANDLING', `${path}[${i}].Name`, `duplicate header ${n}`);
    seen.add(name);
    return [name, v] as [string, string];
  });
}

function requestHandling(spec: Json, path: string): [string, string][] {
  const crh = spec['CustomRequestHandling'];
  if (crh == null) return [];
  if (!isObject(crh)) throw new WafConfigError('CUSTOM_REQUEST_HANDLING', `${path}.CustomRequestHandling`, 'must be an object');
  const list = crh['InsertHeaders'];
  if (!Array.isArray(list) || list.length === 0) throw new WafConfigError('CUSTOM_REQUEST_HANDLING', `${path}.CustomRequestHandling.InsertHeaders`, 'InsertHeaders is required');
  return headers(list, `${path}.CustomRequestHandling.InsertHeaders`, 'x-amzn-waf-');
}

/** Compiles Block's CustomResponse, resolving CustomResponseBodyKey in `bodies`. */
export function compileCustomResponse(cr: unknown, bodies: Json | undefined, path: string): CustomResponse | undefined {
  if (cr == null) return undefined;
  if (!isObject(cr)) throw new WafConfigError('CUSTOM_RESPONSE', path, 'must be an object');
  const code = cr['ResponseCode'];
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 200 || code > 599) throw new WafConfigError('CUSTOM_RESPONSE', `${path}.ResponseCode`, 'ResponseCode must be 200 to 599');
  const hs = headers(cr['ResponseHeaders'], `${path}.ResponseHeaders`, '');
  const key = cr['CustomResponseBodyKey'];
  let body: CustomResponse['body'];
  if (key != null) {
    const b = typeof key === 'string' && bodies ? bodies[key] : undefined;
    if (!isObject(b)) throw new WafConfigError('CUSTOM_RESPONSE_BODY', `${path}.CustomResponseBodyKey`, `no custom response body named ${String(key)}`);
    const ct = CONTENT_TYPES[String(b['ContentType'])];
    if (!ct || typeof b['Content'] !== 'string') throw new WafConfigError('CUSTOM_RESPONSE_BODY', `${path}.CustomResponseBodyKey`, `custom response body ${String(key)} is invalid`);
    body = { contentType: ct, content: b['Content'] };
  }
  return body ? { statusCode: code, headers: hs, body } : { statusCode: code, headers: hs };
}

/** Validates a web ACL's or rule group's CustomResponseBodies. */
export function validateBodies(bodies: unknown, path: string): Json | undefined {
  if (bodies == null) return undefined;
  if (!isObject(bodies)) throw new WafConfigError('CUSTOM_RESPONSE_BODY', path, 'must be a map');
  for (const [k, b] of Object.entries(bodies)) {
    if (!isObject(b) || !CONTENT_TYPES[String(b['ContentType'])] || typeof b['Content'] !== 'string' || b['Content'].length === 0) {
      throw new WafConfigError('CUSTOM_RESPONSE_BODY', `${path}.${k}`, 'ContentType (TEXT_PLAIN, TEXT_HTML, APPLICATION_JSON) and Content are required');
    }
  }
  return bodies;
}

const ACTIONS: ReadonlyMap<string, WafAction> = new Map([
  ['Allow', 'ALLOW'],
  ['Block', 'BLOCK'],
  ['Count', 'COUNT'],
  ['Captcha', 'CAPTCHA'],
  ['Challenge', 'CHALLENGE'],
]);

/** Compiles a RuleAction (exactly one of Allow/Block/Count/Captcha/Challenge). */
export function compileAction(spec: unknown, bodies: Json | undefined, path: string, allowed: readonly string[] = [...ACTIONS.keys()]): CompiledAction {
  if (!isObject(spec)) throw new WafConfigError('RULE_ACTION', path, 'an action is required');
  const set = Object.keys(spec).filter((k) => spec[k] != null);
  if (set.length !== 1 || !allowed.includes(set[0]!)) throw new WafConfigError('RULE_ACTION', path, `exactly one of ${allowed.join(', ')} must be set`);
  const name = set[0]!;
  const type = ACTIONS.get(name)!;
  const a = spec[name];
  if (!isObject(a)) throw new WafConfigError('RULE_ACTION', `${path}.${name}`, 'must be an object');
  if (type === 'BLOCK') {
    const customResponse = compileCustomResponse(a['CustomResponse'], bodies, `${path}.Block.CustomResponse`);
    return customResponse ? { type, insertHeaders: [], customResponse } : { type, insertHeaders: [] };
  }
  return { type, insertHeaders: requestHandling(a, `${path}.${name}`) };
}
