/**
 * Model-driven copies of inputs/outputs for audit events: sensitive members (and extra dot-paths)
 * become HIDDEN_DUE_TO_SECURITY_REASONS, blobs are dropped, members the model does not know are
 * dropped, so nothing outside the contract (or secret within it) reaches the trail.
 */
import { MAX_DEPTH, hasOwn, mapEntries, newMap } from './common.js';
import type { Ref, StructureNode } from './shapes.js';

/** What CloudTrail prints in place of a sensitive value. */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

const OMIT: unique symbol = Symbol('omit');

/** Extra redaction paths as a tree of member names (list levels are transparent, `*` matches any map key). */
interface PathTree {
  terminal: boolean;
  readonly next: Map<string, PathTree>;
}

const treeCache = new WeakMap<readonly string[], PathTree>();

/** Compiles dot-paths like `AccessKey.SecretAccessKey` (cached per array). */
export function pathTree(paths: readonly string[] | undefined): PathTree | undefined {
  if (paths === undefined || paths.length === 0) return undefined;
  const cached = treeCache.get(paths);
  if (cached) return cached;
  const root: PathTree = { terminal: false, next: new Map() };
  for (const p of paths) {
    let node = root;
    for (const seg of p.split('.')) {
      let n = node.next.get(seg);
      if (!n) {
        n = { terminal: false, next: new Map() };
        node.next.set(seg, n);
      }
      node = n;
    }
    node.terminal = true;
  }
  treeCache.set(paths, root);
  return root;
}

/** CloudTrail spells request/response members in lowerCamelCase (UserName → userName). */
function trailName(name: string): string {
  const c = name.charCodeAt(0);
  return c >= 65 && c <= 90 ? String.fromCharCode(c + 32) + name.slice(1) : name;
}

/** Redacted copy of a structure, with member names as CloudTrail writes them. */
export function redactStruct(node: StructureNode, obj: Record<string, unknown>, tree: PathTree | undefined, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > MAX_DEPTH) return out;
  for (const m of node.members) {
    if (!hasOwn(obj, m.name)) continue;
    const v = obj[m.name];
    if (v === undefined || v === null) continue;
    const sub = tree?.next.get(m.name);
    if (sub?.terminal) {
      out[trailName(m.name)] = HIDDEN;
      continue;
    }
    const r = redactValue(m, v, sub, depth + 1);
    if (r !== OMIT) out[trailName(m.name)] = r;
  }
  return out;
}

function redactValue(ref: Ref, v: unknown, tree: PathTree | undefined, depth: number): unknown {
  if (depth > MAX_DEPTH) return OMIT;
  if (ref.sensitive) return HIDDEN;
  const node = ref.node;
  switch (node.kind) {
    case 'structure':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? redactStruct(node, v as Record<string, unknown>, tree, depth) : OMIT;
    case 'list': {
      if (!Array.isArray(v)) return OMIT;
      const out: unknown[] = [];
      for (const x of v) {
        if (x === null || x === undefined) continue;
        const r = redactValue(node.member, x, tree, depth + 1);
        if (r !== OMIT) out.push(r);
      }
      return out;
    }
    case 'map': {
      const entries = mapEntries(v);
      if (!entries) return OMIT;
      const out = newMap();
      for (const [k, x] of entries) {
        if (x === null || x === undefined) continue;
        const sub = tree?.next.get(k) ?? tree?.next.get('*');
        if (sub?.terminal) {
          out[k] = HIDDEN;
          continue;
        }
        const r = redactValue(node.value, x, sub, depth + 1);
        if (r !== OMIT) out[k] = r;
      }
      return out;
    }
    case 'blob':
      return OMIT;
    case 'timestamp':
      return v instanceof Date ? new Date(v.getTime()) : typeof v === 'string' ? v : OMIT;
    default:
      return typeof v === 'object' ? OMIT : v;
  }
}
