/**
 * JSON bodies (awsJson1.x and rest-json bodies): model-driven conversion between parsed JSON and the
 * in-memory representation (Buffers for blobs, Dates for timestamps), both directions.
 */
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
  serialization,
} from './common.js';
import type { Ref, ShapeNode, StructureNode } from './shapes.js';
import { formatHttpDate, formatIso, fromEpochSeconds, parseEpochString, parseHttpDate, parseIso, toEpochSeconds } from './time.js';

const TARGET: Record<ShapeNode['kind'], string> = {
  structure: 'Structure',
  list: 'List',
  map: 'Map',
  string: 'String',
  integer: 'Integer',
  long: 'Long',
  float: 'Float',
  double: 'Double',
  blob: 'ByteBuffer',
  boolean: 'Boolean',
  timestamp: 'Date',
};

/** Jackson/Coral-style type mismatch message. */
function mismatch(node: ShapeNode, v: unknown): never {
  if (Array.isArray(v)) throw serialization('Start of list found where not expected');
  if (typeof v === 'object') throw serialization('Start of structure or map found where not expected.');
  const tok = typeof v === 'string' ? 'STRING_VALUE' : typeof v === 'number' ? 'NUMBER_VALUE' : v === true ? 'TRUE_VALUE' : 'FALSE_VALUE';
  const t = TARGET[node.kind];
  throw serialization(`${tok} can not be converted to ${/^[AEIOU]/.test(t) ? 'an' : 'a'} ${t}`);
}

/** Parses a JSON request body that must be an object; '' (or whitespace) means {}. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw serialization('Unable to parse the request body as JSON.');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw serialization(Array.isArray(v) ? 'Start of list found where not expected' : 'Expected a JSON object as the request body.');
  }
  return v as Record<string, unknown>;
}

/** Decodes a parsed JSON object into a structure; unknown keys are ignored. `bodyOnly` skips rest-json location members. */
export function structFromJson(node: StructureNode, obj: Record<string, unknown>, depth: number, bodyOnly: boolean): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw serialization('Request nesting is too deep.');
  const byName = bodyOnly ? node.bodyByJsonName : node.byJsonName;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    const m = byName.get(k);
    if (m === undefined) continue;
    const v = obj[k];
    if (v === null || v === undefined) continue;
    out[m.name] = fromJson(m, v, depth + 1);
  }
  return out;
}

/** Decodes one non-null JSON value against a shape reference. */
export function fromJson(ref: Ref, v: unknown, depth: number): unknown {
  const node = ref.node;
  switch (node.kind) {
    case 'structure':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return mismatch(node, v);
      return structFromJson(node, v as Record<string, unknown>, depth, false);
    case 'list': {
      if (!Array.isArray(v)) return mismatch(node, v);
      if (depth > MAX_DEPTH) throw serialization('Request nesting is too deep.');
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x === null) continue;
        out.push(fromJson(node.member, x, depth + 1));
      }
      return out;
    }
    case 'map': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return mismatch(node, v);
      if (depth > MAX_DEPTH) throw serialization('Request nesting is too deep.');
      const out = newMap();
      const src = v as Record<string, unknown>;
      const keys = Object.keys(src);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        const x = src[k];
        if (x === null) continue;
        out[k] = fromJson(node.value, x, depth + 1);
      }
      return out;
    }
    case 'string':
      if (typeof v !== 'string') return mismatch(node, v);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') return mismatch(node, v);
      return v;
    case 'integer':
    case 'long': {
      if (typeof v !== 'number') return mismatch(node, v);
      const ok = node.kind === 'integer' ? Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 : Number.isSafeInteger(v);
      if (!ok) throw serialization(`NUMBER_VALUE ${String(v)} can not be converted to ${node.kind === 'integer' ? 'an Integer' : 'a Long'}`);
      return v;
    }
    case 'float':
    case 'double':
      if (typeof v === 'number') return v;
      if (v === 'NaN') return NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      return mismatch(node, v);
    case 'blob': {
      if (typeof v !== 'string') return mismatch(node, v);
      const b = decodeBase64(v);
      if (b === undefined) throw serialization('Base64 encoded value is not valid.');
      return b;
    }
    case 'timestamp': {
      let d: Date | undefined;
      if (typeof v === 'number') d = fromEpochSeconds(v);
      else if (typeof v === 'string') d = parseEpochString(v) ?? parseIso(v) ?? parseHttpDate(v);
      else return mismatch(node, v);
      if (d === undefined) throw serialization(`Unable to parse timestamp: ${typeof v === 'string' ? v.slice(0, 64) : String(v)}`);
      return d;
    }
  }
}

/** Encodes a structure for a JSON body; `bodyOnly` leaves out rest-json location members. */
export function structToJson(node: StructureNode, obj: unknown, path: string, depth: number, bodyOnly: boolean): Record<string, unknown> {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw badOutput(path, `a ${node.shapeName} object`);
  if (depth > MAX_DEPTH) throw badOutput(path, 'less nesting (cycle?)');
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const members = bodyOnly ? node.bodyMembers : node.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (!hasOwn(src, m.name)) continue;
    const v = src[m.name];
    if (v === undefined || v === null) continue;
    out[m.jsonName] = toJson(m, v, path === '' ? m.name : `${path}.${m.name}`, depth + 1);
  }
  return out;
}

/** Encodes one non-null value for a JSON body. */
export function toJson(ref: Ref, v: unknown, path: string, depth: number): unknown {
  const node = ref.node;
  switch (node.kind) {
    case 'structure':
      return structToJson(node, v, path, depth, false);
    case 'list': {
      if (!Array.isArray(v)) throw badOutput(path, 'an array');
      if (depth > MAX_DEPTH) throw badOutput(path, 'less nesting (cycle?)');
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x === null || x === undefined) continue;
        out.push(toJson(node.member, x, `${path}[${i}]`, depth + 1));
      }
      return out;
    }
    case 'map': {
      const entries = mapEntries(v);
      if (!entries) throw badOutput(path, 'an object or Map');
      if (depth > MAX_DEPTH) throw badOutput(path, 'less nesting (cycle?)');
      const out = newMap();
      for (const [k, x] of entries) {
        if (x === null || x === undefined) continue;
        out[k] = toJson(node.value, x, `${path}.${k}`, depth + 1);
      }
      return out;
    }
    case 'string':
      if (typeof v !== 'string') throw badOutput(path, 'a string');
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw badOutput(path, 'a boolean');
      return v;
    case 'integer':
    case 'long':
      return outputNumber(v, node.kind, path);
    case 'float':
    case 'double': {
      const n = outputNumber(v, node.kind, path);
      return Number.isFinite(n) ? n : nonFiniteName(n);
    }
    case 'blob':
      return outputBytes(v, path).toString('base64');
    case 'timestamp': {
      const d = outputDate(v, path);
      switch (ref.tsFormat) {
        case 'iso8601':
          return formatIso(d);
        case 'rfc822':
          return formatHttpDate(d);
        default:
          return toEpochSeconds(d);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding straight to text. JSON.stringify of the object structToJson builds is the reference;
// writing the text while walking saves building that object and, above all, JSON.stringify's
// escaping scan of every string: base64 blobs (the bulk of KMS responses) never need escaping.

/** Per structure: each member's `"jsonName":`, or undefined when an object would not keep the keys as written. */
const structKeys = new WeakMap<StructureNode, readonly string[] | null>();

/** Array-index-like keys are ordered first by JSON.stringify; `__proto__` is not an own key of `{}`. */
const REORDERED_KEY = /^(?:0|[1-9]\d*)$/;

function keysOf(node: StructureNode): readonly string[] | null {
  let keys = structKeys.get(node);
  if (keys === undefined) {
    const names = new Set<string>();
    let plain = true;
    for (const m of node.members) {
      if (names.has(m.jsonName) || m.jsonName === '__proto__' || (REORDERED_KEY.test(m.jsonName) && Number(m.jsonName) < 2 ** 32 - 1)) plain = false;
      names.add(m.jsonName);
    }
    keys = plain ? node.members.map((m) => JSON.stringify(m.jsonName) + ':') : null;
    structKeys.set(node, keys);
  }
  return keys;
}

/** A JSON string literal: JSON.stringify's text, without its scan when nothing needs escaping. */
function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/** A JSON number as JSON.stringify writes it (non-finite numbers are null). */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** JSON.stringify(structToJson(node, obj, path, depth, false)), with the same errors. */
export function structToJsonText(node: StructureNode, obj: unknown, path: string, depth: number): string {
  const keys = keysOf(node);
  if (keys === null) return JSON.stringify(structToJson(node, obj, path, depth, false));
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw badOutput(path, `a ${node.shapeName} object`);
  if (depth > MAX_DEPTH) throw badOutput(path, 'less nesting (cycle?)');
  const src = obj as Record<string, unknown>;
  let out = '{';
  const members = node.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (!hasOwn(src, m.name)) continue;
    const v = src[m.name];
    if (v === undefined || v === null) continue;
    const text = toJsonText(m, v, path === '' ? m.name : `${path}.${m.name}`, depth + 1);
    out += (out.length === 1 ? '' : ',') + keys[i]! + text;
  }
  return out + '}';
}

/** JSON.stringify(toJson(ref, v, path, depth)), with the same errors. */
function toJsonText(ref: Ref, v: unknown, path: string, depth: number): string {
  const node = ref.node;
  switch (node.kind) {
    case 'structure':
      return structToJsonText(node, v, path, depth);
    case 'list': {
      if (!Array.isArray(v)) throw badOutput(path, 'an array');
      if (depth > MAX_DEPTH) throw badOutput(path, 'less nesting (cycle?)');
      let out = '[';
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x === null || x === undefined) continue;
        out += (out.length === 1 ? '' : ',') + toJsonText(node.member, x, `${path}[${i}]`, depth + 1);
      }
      return out + ']';
    }
    case 'map':
      // Object key order (index-like keys first) and `__proto__` handling are JSON.stringify's own.
      return JSON.stringify(toJson(ref, v, path, depth));
    case 'string':
      if (typeof v !== 'string') throw badOutput(path, 'a string');
      return jsonString(v);
    case 'boolean':
      if (typeof v !== 'boolean') throw badOutput(path, 'a boolean');
      return v ? 'true' : 'false';
    case 'integer':
    case 'long':
      return jsonNumber(outputNumber(v, node.kind, path));
    case 'float':
    case 'double': {
      const n = outputNumber(v, node.kind, path);
      return Number.isFinite(n) ? String(n) : '"' + nonFiniteName(n) + '"';
    }
    case 'blob':
      // Standard base64: letters, digits, '+', '/', '=' only.
      return '"' + outputBytes(v, path).toString('base64') + '"';
    case 'timestamp': {
      const d = outputDate(v, path);
      switch (ref.tsFormat) {
        case 'iso8601':
          return jsonString(formatIso(d));
        case 'rfc822':
          return jsonString(formatHttpDate(d));
        default:
          return jsonNumber(toEpochSeconds(d));
      }
    }
  }
}
