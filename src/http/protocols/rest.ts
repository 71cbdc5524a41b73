/**
 * rest-json: routing by method and requestUri template (compiled into a segment trie once per
 * model), decoding of uri/querystring/header/body members, and encoding of responses.
 */
import { AwsError } from '../../errors/index.js';
import { decodeBase64, hasOwn, mapEntries, newMap, outputBytes, serialization } from './common.js';
import { parseJsonObject, structFromJson, structToJson, toJson } from './json.js';
import { scalarText } from './query.js';
import type { Member, Ref, StructureNode } from './shapes.js';
import { parseEpochString, parseHttpDate, parseIso } from './time.js';

/** One operation's route. */
interface RouteEnd {
  readonly op: string;
  readonly method: string;
  /** Label names in path order (the last may be greedy). */
  readonly labels: readonly string[];
  /** Query literals from the requestUri (`?versioning`, `?x-id=GetObject`). */
  readonly queryLiterals: readonly (readonly [string, string | undefined])[];
}

interface TrieNode {
  readonly literal: Map<string, TrieNode>;
  label: TrieNode | undefined;
  /** Routes whose last segment is a greedy label `{Key+}` at this position. */
  readonly greedy: RouteEnd[];
  /** Routes ending exactly here. */
  readonly routes: RouteEnd[];
}

function trieNode(): TrieNode {
  return { literal: new Map(), label: undefined, greedy: [], routes: [] };
}

/** Result of routing a request. */
export type RestMatch = { op: string; pathParams: Record<string, string> } | { methodNotAllowed: true } | undefined;

function splitPath(path: string): string[] {
  if (path === '' || path === '/') return [];
  return (path.startsWith('/') ? path.slice(1) : path).split('/');
}

/** The compiled route table of one rest-json model. */
export class RestRouter {
  private readonly root = trieNode();
  private hasQueryLiterals = false;

  /** Adds an operation; `requestUri` like `/detector/{DetectorId}/findings?x=y`. */
  add(op: string, method: string, requestUri: string): void {
    const q = requestUri.indexOf('?');
    const path = q === -1 ? requestUri : requestUri.slice(0, q);
    const queryLiterals: [string, string | undefined][] = [];
    if (q !== -1) {
      for (const piece of requestUri.slice(q + 1).split('&')) {
        if (piece === '') continue;
        const eq = piece.indexOf('=');
        queryLiterals.push(eq === -1 ? [piece, undefined] : [piece.slice(0, eq), piece.slice(eq + 1)]);
      }
      this.hasQueryLiterals ||= queryLiterals.length > 0;
    }
    const segs = splitPath(path);
    const labels: string[] = [];
    let node = this.root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i] as string;
      const label = /^\{([^}]+)\}$/.exec(seg);
      if (label) {
        const name = label[1] as string;
        if (name.endsWith('+')) {
          if (i !== segs.length - 1) throw new Error(`${op}: greedy label must be the last segment`);
          labels.push(name.slice(0, -1));
          this.insert(node.greedy, { op, method: method.toUpperCase(), labels, queryLiterals });
          return;
        }
        labels.push(name);
        node.label ??= trieNode();
        node = node.label;
      } else {
        let next = node.literal.get(seg);
        if (!next) {
          next = trieNode();
          node.literal.set(seg, next);
        }
        node = next;
      }
    }
    this.insert(node.routes, { op, method: method.toUpperCase(), labels, queryLiterals });
  }

  private insert(list: RouteEnd[], r: RouteEnd): void {
    list.push(r);
    // More specific (more query literals) first.
    list.sort((a, b) => b.queryLiterals.length - a.queryLiterals.length);
  }

  /** Routes a request path (optionally with `?query`); labels come back percent-decoded. */
  match(method: string, rawPath: string): RestMatch {
    const q = rawPath.indexOf('?');
    const path = q === -1 ? rawPath : rawPath.slice(0, q);
    const raw = splitPath(path);
    const segs: string[] = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i] as string;
      if (r.indexOf('%') === -1) segs[i] = r;
      else {
        try {
          segs[i] = decodeURIComponent(r);
        } catch {
          return undefined;
        }
      }
    }
    const query = q !== -1 && this.hasQueryLiterals ? new URLSearchParams(rawPath.slice(q + 1)) : undefined;
    const state = { pathMatched: false };
    const captures: string[] = [];
    const found = this.search(this.root, segs, 0, captures, method.toUpperCase(), query, state);
    if (found) {
      const pathParams: Record<string, string> = {};
      const { route, values } = found;
      for (let i = 0; i < route.labels.length; i++) pathParams[route.labels[i] as string] = values[i] as string;
      return { op: route.op, pathParams };
    }
    return state.pathMatched ? { methodNotAllowed: true } : undefined;
  }

  private pick(
    list: readonly RouteEnd[],
    method: string,
    query: URLSearchParams | undefined,
    state: { pathMatched: boolean },
  ): RouteEnd | undefined {
    for (const r of list) {
      if (!queryMatches(r, query)) continue;
      state.pathMatched = true;
      if (r.method === method) return r;
    }
    return undefined;
  }

  private search(
    node: TrieNode,
    segs: readonly string[],
    i: number,
    captures: string[],
    method: string,
    query: URLSearchParams | undefined,
    state: { pathMatched: boolean },
  ): { route: RouteEnd; values: string[] } | undefined {
    if (i === segs.length) {
      const r = this.pick(node.routes, method, query, state);
      return r ? { route: r, values: captures.slice() } : undefined;
    }
    const seg = segs[i] as string;
    const lit = node.literal.get(seg);
    if (lit) {
      const r = this.search(lit, segs, i + 1, captures, method, query, state);
      if (r) return r;
    }
    if (node.label && seg !== '') {
      captures.push(seg);
      const r = this.search(node.label, segs, i + 1, captures, method, query, state);
      captures.pop();
      if (r) return r;
    }
    if (node.greedy.length > 0) {
      const rest = segs.slice(i).join('/');
      if (rest !== '') {
        const r = this.pick(node.greedy, method, query, state);
        if (r) return { route: r, values: [...captures, rest] };
      }
    }
    return undefined;
  }
}

function queryMatches(r: RouteEnd, query: URLSearchParams | undefined): boolean {
  for (const [k, v] of r.queryLiterals) {
    if (query === undefined || !query.has(k)) return false;
    if (v !== undefined && query.get(k) !== v) return false;
  }
  return true;
}

/** What decodeRest needs from the request. */
export interface RestRequest {
  readonly pathParams: Record<string, string>;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

const INTEGER = /^[+-]?\d{1,10}$/;
const LONG = /^[+-]?\d{1,16}$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?$/;

/** Converts a path label, query value or header to a scalar of the member's type. */
function fromText(ref: Ref, s: string, where: 'uri' | 'querystring' | 'header', what: string): unknown {
  const node = ref.node;
  switch (node.kind) {
    case 'string':
      return s;
    case 'boolean':
      if (s === 'true') return true;
      if (s === 'false') return false;
      throw serialization(`Value for ${what} can not be converted to a Boolean`);
    case 'integer':
    case 'long': {
      const n = Number(s);
      const ok = node.kind === 'integer' ? INTEGER.test(s) && n >= -2147483648 && n <= 2147483647 : LONG.test(s) && Number.isSafeInteger(n);
      if (!ok) throw serialization(`Value for ${what} can not be converted to ${node.kind === 'integer' ? 'an Integer' : 'a Long'}`);
      return n;
    }
    case 'float':
    case 'double':
      if (s === 'NaN') return NaN;
      if (s === 'Infinity') return Infinity;
      if (s === '-Infinity') return -Infinity;
      if (!DECIMAL.test(s)) throw serialization(`Value for ${what} can not be converted to a Double`);
      return Number(s);
    case 'blob': {
      const b = decodeBase64(s);
      if (b === undefined) throw serialization(`Value for ${what} is not valid base64`);
      return b;
    }
    case 'timestamp': {
      const f = ref.tsFormat ?? (where === 'header' ? 'rfc822' : 'iso8601');
      let d: Date | undefined;
      if (f === 'unixTimestamp') d = parseEpochString(s) ?? parseIso(s);
      else if (f === 'rfc822') d = parseHttpDate(s) ?? parseIso(s);
      else d = parseIso(s) ?? parseEpochString(s);
      if (d === undefined) throw serialization(`Value for ${what} is not a valid timestamp`);
      return d;
    }
    default:
      throw serialization(`Value for ${what} can not be bound`);
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : v;
}

function listFromStrings(m: Member, values: readonly string[], where: 'querystring' | 'header'): unknown[] {
  if (m.node.kind !== 'list') throw new Error('unreachable');
  const out: unknown[] = [];
  for (const s of values) out.push(fromText(m.node.member, s, where, m.locationName));
  return out;
}

/** Decodes a rest-json request into the input structure (validation is the caller's next step). */
export function decodeRestInput(node: StructureNode, req: RestRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let claimedQuery: Set<string> | undefined;
  for (const m of node.members) {
    switch (m.location) {
      case 'uri': {
        const s = hasOwn(req.pathParams, m.locationName) ? req.pathParams[m.locationName] : undefined;
        if (s !== undefined && s !== '') out[m.name] = fromText(m, s, 'uri', m.locationName);
        break;
      }
      case 'querystring': {
        if (m.node.kind === 'map') {
          claimedQuery ??= new Set(node.members.filter((x) => x.location === 'querystring' && x.node.kind !== 'map').map((x) => x.locationName));
          const map = newMap();
          const listValues = m.node.value.node.kind === 'list';
          for (const k of new Set(req.query.keys())) {
            if (claimedQuery.has(k)) continue;
            map[k] = listValues ? req.query.getAll(k) : req.query.get(k);
          }
          if (Object.keys(map).length > 0) out[m.name] = map;
        } else if (m.node.kind === 'list') {
          const all = req.query.getAll(m.locationName);
          if (all.length > 0) out[m.name] = listFromStrings(m, all, 'querystring');
        } else {
          const s = req.query.get(m.locationName);
          if (s !== null) out[m.name] = fromText(m, s, 'querystring', m.locationName);
        }
        break;
      }
      case 'header': {
        const h = headerValue(hasOwn(req.headers, m.locationName) ? req.headers[m.locationName] : undefined);
        if (h === undefined) break;
        if (m.node.kind === 'list') {
          out[m.name] = listFromStrings(
            m,
            h.split(',').map((x) => x.trim()).filter((x) => x !== ''),
            'header',
          );
        } else {
          out[m.name] = fromText(m, h.trim(), 'header', m.locationName);
        }
        break;
      }
      case 'headers': {
        const map = newMap();
        for (const k of Object.keys(req.headers)) {
          const lk = k.toLowerCase();
          if (!lk.startsWith(m.locationName)) continue;
          const h = headerValue(req.headers[k]);
          if (h !== undefined) map[lk.slice(m.locationName.length)] = h;
        }
        if (Object.keys(map).length > 0) out[m.name] = map;
        break;
      }
      default:
        break;
    }
  }
  const payload = node.payload;
  if (payload !== undefined) {
    if (req.body.length > 0) {
      const pn = payload.node;
      if (pn.kind === 'structure') out[payload.name] = structFromJson(pn, parseJsonObject(req.body), 1, false);
      else if (pn.kind === 'blob') out[payload.name] = Buffer.from(req.body);
      else if (pn.kind === 'string') out[payload.name] = req.body.toString('utf8');
      else throw new AwsError('SerializationException', 'Unsupported payload type.');
    }
  } else if (node.bodyMembers.length > 0) {
    Object.assign(out, structFromJson(node, parseJsonObject(req.body), 0, true));
  }
  return out;
}

/** Encodes a rest-json response. */
export function encodeRestOutput(
  node: StructureNode | undefined,
  output: Record<string, unknown>,
  responseCode: number,
): { status: number; headers: Record<string, string>; body: Buffer } {
  let status = responseCode;
  const headers: Record<string, string> = {};
  if (node === undefined) {
    return status === 204 || status === 304 ? { status, headers, body: Buffer.alloc(0) } : { status, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') };
  }
  for (const m of node.members) {
    if (m.location === undefined || !hasOwn(output, m.name)) continue;
    const v = output[m.name];
    if (v === undefined || v === null) continue;
    switch (m.location) {
      case 'header':
        if (m.node.kind === 'list') {
          if (!Array.isArray(v)) throw new TypeError(`output member ${m.name}: expected an array`);
          const member = m.node.member;
          headers[m.locationName] = v.map((x, i) => scalarText(member, x, `${m.name}[${i}]`, 'rfc822')).join(', ');
        } else {
          headers[m.locationName] = scalarText(m, v, m.name, 'rfc822');
        }
        break;
      case 'headers': {
        const entries = mapEntries(v) ?? [];
        for (const [k, x] of entries) if (typeof x === 'string') headers[m.locationName + k.toLowerCase()] = x;
        break;
      }
      case 'statusCode':
        if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599) status = v;
        break;
      default:
        break;
    }
  }
  const empty = status === 204 || status === 304;
  const payload = node.payload;
  if (payload !== undefined) {
    const v = hasOwn(output, payload.name) ? output[payload.name] : undefined;
    if (v === undefined || v === null || empty) return { status, headers, body: Buffer.alloc(0) };
    const pn = payload.node;
    if (pn.kind === 'blob') {
      headers['content-type'] ??= 'application/octet-stream';
      return { status, headers, body: outputBytes(v, payload.name) };
    }
    if (pn.kind === 'string') {
      headers['content-type'] ??= 'text/plain';
      return { status, headers, body: Buffer.from(scalarText(payload, v, payload.name, 'iso8601'), 'utf8') };
    }
    headers['content-type'] = 'application/json';
    return { status, headers, body: Buffer.from(JSON.stringify(toJson(payload, v, payload.name, 1))) };
  }
  if (empty) return { status, headers, body: Buffer.alloc(0) };
  headers['content-type'] = 'application/json';
  return { status, headers, body: Buffer.from(JSON.stringify(structToJson(node, output, '', 0, true))) };
}
