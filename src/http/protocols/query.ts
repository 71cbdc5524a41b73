/**
 * The query protocol (IAM, STS): form parameters (`Tags.member.1.Key=...`) to the in-memory input,
 * and outputs to `<OpResponse><OpResult>...</OpResult><ResponseMetadata>...` XML.
 */
import { AwsError } from '../../errors/index.js';
import {
  MAX_DEPTH,
  badOutput,
  decodeBase64,
  hasOwn,
  mapEntries,
  newMap,
  nonFiniteName,
  outputBytes,
  outputDate,
  outputNumber,
} from './common.js';
import type { Ref, StructureNode } from './shapes.js';
import { formatHttpDate, formatIso, parseEpochString, parseHttpDate, parseIso, toEpochSeconds } from './time.js';
import { escapeXml } from './xml.js';

/** Parameters arranged by their dot-separated segments. */
interface ParamNode {
  value: string | undefined;
  children: Map<string, ParamNode> | undefined;
}

/** Keys with more segments cannot address anything within MAX_DEPTH levels of nesting. */
const MAX_SEGMENTS = 4 * MAX_DEPTH;
const INDEX = /^[1-9]\d{0,8}$/;
const INTEGER = /^[+-]?\d{1,10}$/;
const LONG = /^[+-]?\d{1,16}$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,4})?$/;

/** Groups parameters into a tree keyed by segment; the first value of a repeated key wins. */
export function paramTree(params: URLSearchParams): ParamNode {
  const root: ParamNode = { value: undefined, children: new Map() };
  const top = root.children as Map<string, ParamNode>;
  for (const [key, value] of params) {
    if (key.indexOf('.') === -1) {
      // A top-level member (most parameters): no split, no walk.
      const n = top.get(key);
      if (n === undefined) top.set(key, { value, children: undefined });
      else if (n.value === undefined) n.value = value;
      continue;
    }
    const segs = key.split('.', MAX_SEGMENTS + 1);
    if (segs.length > MAX_SEGMENTS) continue;
    let node = root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i] as string;
      let children = node.children;
      if (children === undefined) {
        children = new Map();
        node.children = children;
      }
      let next = children.get(seg);
      if (next === undefined) {
        next = { value: undefined, children: undefined };
        children.set(seg, next);
      }
      node = next;
    }
    if (node.value === undefined) node.value = value;
  }
  return root;
}

function invalid(param: string, message: string): AwsError {
  return new AwsError('ValidationError', `Invalid value for parameter ${param.slice(0, 256)}: ${message}`);
}

/** Decodes the members of a structure from its parameter subtree. */
export function structFromParams(node: StructureNode, q: ParamNode, prefix: string, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw invalid(prefix, 'nesting is too deep');
  const out: Record<string, unknown> = {};
  const children = q.children;
  if (children === undefined) return out;
  const members = node.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    const c = children.get(m.xmlName);
    if (c === undefined) continue;
    const v = fromParams(m, c, prefix === '' ? m.xmlName : `${prefix}.${m.xmlName}`, depth + 1);
    if (v !== undefined) out[m.name] = v;
  }
  return out;
}

/** The children of an indexed node (`member.N`, `entry.N`) in index order. */
function indexed(q: ParamNode, prefix: string): [string, ParamNode][] {
  const children = q.children;
  if (children === undefined) return [];
  const out: [number, string, ParamNode][] = [];
  for (const [k, c] of children) {
    if (!INDEX.test(k)) throw invalid(`${prefix}.${k}`, 'list and map indexes must be integers starting at 1');
    out.push([Number(k), k, c]);
  }
  out.sort((a, b) => a[0] - b[0]);
  return out.map(([, k, c]) => [k, c]);
}

function fromParams(ref: Ref, q: ParamNode, name: string, depth: number): unknown {
  const node = ref.node;
  switch (node.kind) {
    case 'structure':
      if (q.children === undefined) return undefined;
      return structFromParams(node, q, name, depth);
    case 'list': {
      if (depth > MAX_DEPTH) throw invalid(name, 'nesting is too deep');
      let holder: ParamNode | undefined = q;
      let prefix = name;
      if (!node.flattened) {
        holder = q.children?.get(node.memberName);
        prefix = `${name}.${node.memberName}`;
      }
      // botocore sends `Name=` for an empty list.
      if (holder === undefined) return q.value !== undefined ? [] : undefined;
      const out: unknown[] = [];
      for (const [k, c] of indexed(holder, prefix)) {
        const v = fromParams(node.member, c, `${prefix}.${k}`, depth + 1);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    case 'map': {
      if (depth > MAX_DEPTH) throw invalid(name, 'nesting is too deep');
      const holder = node.flattened ? q : q.children?.get('entry');
      const prefix = node.flattened ? name : `${name}.entry`;
      if (holder === undefined) return q.value !== undefined ? newMap() : undefined;
      const out = newMap();
      for (const [k, e] of indexed(holder, prefix)) {
        const key = e.children?.get(node.keyName)?.value;
        if (key === undefined) throw invalid(`${prefix}.${k}`, `missing ${node.keyName}`);
        const vn = e.children?.get(node.valueName);
        if (vn === undefined) continue;
        const v = fromParams(node.value, vn, `${prefix}.${k}.${node.valueName}`, depth + 1);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    default: {
      const s = q.value;
      if (s === undefined) return undefined;
      switch (node.kind) {
        case 'string':
          return s;
        case 'boolean': {
          const l = s.toLowerCase();
          if (l === 'true') return true;
          if (l === 'false') return false;
          throw invalid(name, 'expected true or false');
        }
        case 'integer': {
          const n = Number(s);
          if (!INTEGER.test(s) || n < -2147483648 || n > 2147483647) throw invalid(name, 'expected an integer');
          return n;
        }
        case 'long': {
          const n = Number(s);
          if (!LONG.test(s) || !Number.isSafeInteger(n)) throw invalid(name, 'expected an integer');
          return n;
        }
        case 'float':
        case 'double':
          if (s === 'NaN') return NaN;
          if (s === 'Infinity') return Infinity;
          if (s === '-Infinity') return -Infinity;
          if (!DECIMAL.test(s)) throw invalid(name, 'expected a number');
          return Number(s);
        case 'blob': {
          const b = decodeBase64(s);
          if (b === undefined) throw invalid(name, 'expected base64');
          return b;
        }
        case 'timestamp': {
          const d = parseIso(s) ?? parseEpochString(s) ?? parseHttpDate(s);
          if (d === undefined) throw invalid(name, 'expected an ISO 8601 timestamp');
          return d;
        }
      }
    }
  }
}

/**
 * Serialises an output structure's members as XML elements. Built by string concatenation (V8
 * keeps it as a rope and flattens it once, when written), not as an array of parts joined.
 */
export function structToXml(node: StructureNode, obj: unknown, path: string, depth: number): string {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw badOutput(path, `a ${node.shapeName} object`);
  if (depth > MAX_DEPTH) throw badOutput(path, 'less nesting (cycle?)');
  const src = obj as Record<string, unknown>;
  const members = node.members;
  let out = '';
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (!hasOwn(src, m.name)) continue;
    const v = src[m.name];
    if (v === undefined || v === null) continue;
    out += valueToXml(m, m.xmlName, v, path === '' ? m.name : `${path}.${m.name}`, depth + 1);
  }
  return out;
}

function valueToXml(ref: Ref, name: string, v: unknown, path: string, depth: number): string {
  const node = ref.node;
  switch (node.kind) {
    case 'structure':
      return '<' + name + '>' + structToXml(node, v, path, depth) + '</' + name + '>';
    case 'list': {
      if (!Array.isArray(v)) throw badOutput(path, 'an array');
      if (depth > MAX_DEPTH) throw badOutput(path, 'less nesting (cycle?)');
      let out = node.flattened ? '' : '<' + name + '>';
      const itemName = node.flattened ? name : node.memberName;
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x === null || x === undefined) continue;
        out += valueToXml(node.member, itemName, x, `${path}[${i}]`, depth + 1);
      }
      return node.flattened ? out : out + '</' + name + '>';
    }
    case 'map': {
      const entries = mapEntries(v);
      if (!entries) throw badOutput(path, 'an object or Map');
      if (depth > MAX_DEPTH) throw badOutput(path, 'less nesting (cycle?)');
      let out = node.flattened ? '' : '<' + name + '>';
      const entryName = node.flattened ? name : 'entry';
      for (const [k, x] of entries) {
        if (x === null || x === undefined) continue;
        out += `<${entryName}><${node.keyName}>${escapeXml(k)}</${node.keyName}>`;
        out += valueToXml(node.value, node.valueName, x, `${path}.${k}`, depth + 1);
        out += `</${entryName}>`;
      }
      return node.flattened ? out : out + '</' + name + '>';
    }
    default:
      return '<' + name + '>' + escapeXml(scalarText(ref, v, path, 'iso8601')) + '</' + name + '>';
  }
}

/** Text form of a scalar output value (XML elements and rest-json headers). */
export function scalarText(ref: Ref, v: unknown, path: string, defaultTs: 'iso8601' | 'rfc822'): string {
  const node = ref.node;
  switch (node.kind) {
    case 'string':
      if (typeof v !== 'string') throw badOutput(path, 'a string');
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw badOutput(path, 'a boolean');
      return v ? 'true' : 'false';
    case 'integer':
    case 'long':
    case 'float':
    case 'double': {
      const n = outputNumber(v, node.kind, path);
      return Number.isFinite(n) ? String(n) : nonFiniteName(n);
    }
    case 'blob':
      return outputBytes(v, path).toString('base64');
    case 'timestamp': {
      const d = outputDate(v, path);
      const f = ref.tsFormat ?? defaultTs;
      return f === 'iso8601' ? formatIso(d) : f === 'rfc822' ? formatHttpDate(d) : String(toEpochSeconds(d));
    }
    default:
      throw badOutput(path, 'a scalar');
  }
}
