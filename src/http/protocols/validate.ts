/**
 * Constraint validation of decoded input, with AWS's (Coral's) message format:
 * "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; ...".
 */
import { MAX_DEPTH, clip, hasOwn } from './common.js';
import type { Ref, ShapeNode, StructureNode } from './shapes.js';
import { formatIso } from './time.js';

/** How many individual errors AWS-style messages list (the count still covers all). */
export const MAX_LISTED_ERRORS = 10;

/** Collects validation errors; only the first few messages are kept. */
export class ValidationErrors {
  count = 0;
  readonly messages: string[] = [];

  add(message: string): void {
    this.count++;
    if (this.messages.length < MAX_LISTED_ERRORS) this.messages.push(message);
  }

  /** The AWS-style summary, or undefined when there were no errors. */
  summary(): string | undefined {
    if (this.count === 0) return undefined;
    const noun = this.count === 1 ? 'validation error' : 'validation errors';
    return `${this.count} ${noun} detected: ${this.messages.join('; ')}`;
  }
}

function isScalar(node: ShapeNode): boolean {
  return node.kind !== 'structure' && node.kind !== 'list' && node.kind !== 'map';
}

/** Unicode code points, as Smithy defines string length (and botocore checks it). */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function numText(n: number, kind: ShapeNode['kind']): string {
  return (kind === 'double' || kind === 'float') && Number.isInteger(n) ? n.toFixed(1) : String(n);
}

function lengthChecks(len: number, min: number | undefined, max: number | undefined, out: string[]): void {
  if (min !== undefined && len < min) out.push(`Member must have length greater than or equal to ${min}`);
  if (max !== undefined && len > max) out.push(`Member must have length less than or equal to ${max}`);
}

/** The constraint texts a scalar value violates. */
function scalarViolations(node: ShapeNode, v: unknown, out: string[]): void {
  switch (node.kind) {
    case 'string': {
      if (typeof v !== 'string') return;
      if (node.enumSet !== undefined && !node.enumSet.has(v)) {
        out.push(`Member must satisfy enum value set: [${(node.enumValues as readonly string[]).join(', ')}]`);
      }
      let tooLong = false;
      // A string of n UTF-16 units has between ceil(n/2) and n code points: when both bounds hold
      // for that whole range, the exact count cannot fail either check.
      const n = v.length;
      const surelyFits = (node.max === undefined || n <= node.max) && (node.min === undefined || (n + 1) >> 1 >= node.min);
      if (!surelyFits) {
        const len = codePoints(v);
        tooLong = node.max !== undefined && len > node.max;
        lengthChecks(len, node.min, node.max, out);
      }
      // Skip the regex on over-long values: they already fail, and it bounds the regex's work.
      if (node.pattern !== undefined && !tooLong && !node.pattern.test(v)) {
        out.push(`Member must satisfy regular expression pattern: ${node.patternSource as string}`);
      }
      return;
    }
    case 'blob':
      if (Buffer.isBuffer(v)) lengthChecks(v.length, node.min, node.max, out);
      return;
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      if (typeof v !== 'number') return;
      if (node.min !== undefined && v < node.min) out.push(`Member must have value greater than or equal to ${numText(node.min, node.kind)}`);
      if (node.max !== undefined && v > node.max) out.push(`Member must have value less than or equal to ${numText(node.max, node.kind)}`);
      return;
    default:
      return;
  }
}

/** Renders a value the way AWS quotes it, or undefined to print "Value at" (sensitive data, blobs). */
function render(ref: Ref, v: unknown): string | undefined {
  if (ref.sensitive) return undefined;
  const node = ref.node;
  switch (node.kind) {
    case 'string':
      return typeof v === 'string' ? clip(v) : undefined;
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
      return typeof v === 'number' ? numText(v, node.kind) : undefined;
    case 'boolean':
      return String(v);
    case 'timestamp':
      return v instanceof Date ? formatIso(v) : undefined;
    case 'list': {
      if (!Array.isArray(v) || !isScalar(node.member.node) || node.member.node.kind === 'blob' || node.member.sensitive) return undefined;
      let s = '[';
      for (let i = 0; i < v.length && s.length <= 256; i++) s += (i > 0 ? ', ' : '') + (render(node.member, v[i]) ?? '');
      return clip(s + ']');
    }
    case 'map': {
      const val = node.value;
      if (typeof v !== 'object' || v === null || !isScalar(val.node) || val.node.kind === 'blob' || val.sensitive || node.key.sensitive) return undefined;
      let s = '{';
      let first = true;
      for (const k in v) {
        if (s.length > 256) break;
        s += (first ? '' : ', ') + k + '=' + (render(val, (v as Record<string, unknown>)[k]) ?? '');
        first = false;
      }
      return clip(s + '}');
    }
    default:
      return undefined;
  }
}

function fail(acc: ValidationErrors, ref: Ref, v: unknown, path: string, constraint: string): void {
  const r = render(ref, v);
  acc.add(`${r === undefined ? 'Value' : `Value '${r}'`} at '${path}' failed to satisfy constraint: ${constraint}`);
}

/** Validates a decoded structure; `path` is '' at the top level. */
export function validateStruct(node: StructureNode, obj: Record<string, unknown>, path: string, acc: ValidationErrors, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  const members = node.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    const p = path === '' ? m.path : `${path}.${m.path}`;
    const v = hasOwn(obj, m.name) ? obj[m.name] : undefined;
    if (v === undefined || v === null) {
      if (m.required) acc.add(`Value null at '${p}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    validateValue(m, v, p, acc, depth + 1);
  }
}

const scratch: string[] = [];

function validateValue(ref: Ref, v: unknown, path: string, acc: ValidationErrors, depth: number): void {
  const node = ref.node;
  switch (node.kind) {
    case 'structure':
      if (typeof v === 'object' && v !== null) validateStruct(node, v as Record<string, unknown>, path, acc, depth);
      return;
    case 'list': {
      if (!Array.isArray(v)) return;
      const own: string[] = [];
      lengthChecks(v.length, node.min, node.max, own);
      for (const c of own) fail(acc, ref, v, path, c);
      if (isScalar(node.member.node)) {
        // AWS reports scalar list elements as one error on the list.
        const seen = new Set<string>();
        for (let i = 0; i < v.length; i++) {
          scratch.length = 0;
          scalarViolations(node.member.node, v[i], scratch);
          for (const c of scratch) seen.add(c);
        }
        if (seen.size > 0) fail(acc, ref, v, path, `Member must satisfy constraint: [${[...seen].join(', ')}]`);
      } else {
        for (let i = 0; i < v.length; i++) validateValue(node.member, v[i], `${path}.${i + 1}.member`, acc, depth + 1);
      }
      return;
    }
    case 'map': {
      if (typeof v !== 'object' || v === null) return;
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj);
      const own: string[] = [];
      lengthChecks(keys.length, node.min, node.max, own);
      for (const c of own) fail(acc, ref, v, path, c);
      const keyErr = new Set<string>();
      const valErr = new Set<string>();
      const scalarValues = isScalar(node.value.node);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        scratch.length = 0;
        scalarViolations(node.key.node, k, scratch);
        for (const c of scratch) keyErr.add(c);
        if (scalarValues) {
          scratch.length = 0;
          scalarViolations(node.value.node, obj[k], scratch);
          for (const c of scratch) valErr.add(c);
        } else {
          validateValue(node.value, obj[k], `${path}.${k}`, acc, depth + 1);
        }
      }
      if (keyErr.size > 0) fail(acc, ref, v, path, `Map keys must satisfy constraint: [${[...keyErr].join(', ')}]`);
      if (valErr.size > 0) fail(acc, ref, v, path, `Map value must satisfy constraint: [${[...valErr].join(', ')}]`);
      return;
    }
    default: {
      const out: string[] = [];
      scalarViolations(node, v, out);
      for (const c of out) fail(acc, ref, v, path, c);
    }
  }
}
