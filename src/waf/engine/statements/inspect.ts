/**
 * Inspection of a FieldToMatch after TextTransformations, with the per-request cache that makes a
 * field + transformation chain computed once per request however many statements use it, and
 * AWS's OversizeHandling / InvalidFallbackBehavior applied before any transformation work.
 */
import type { CompileContext, EvalContext, FieldExtractor, FieldValues, Json, TransformChain } from './types.js';
import { WafConfigError } from '../errors.js';
import { isObject } from './util.js';

/** A compiled FieldToMatch + TextTransformations pair. */
export interface FieldInspector {
  readonly field: FieldExtractor;
  readonly chain: TransformChain;
  /** Cache key of the transformed values. */
  readonly cacheKey: string;
  /** True when every transformation is NONE (the raw values are inspected). */
  readonly identity: boolean;
  /**
   * With two or more transformations: the inspector of all but the last one, whose (cached)
   * values the last step is applied to. Chains sharing a prefix (URL_DECODE_UNI, then
   * HTML_ENTITY_DECODE, then CMD_LINE…) compute the shared steps once per request.
   */
  readonly prefix?: FieldInspector;
  /** The last transformation alone, applied to the prefix's values. */
  readonly last?: TransformChain;
  /**
   * Indexes of the raw and transformed values in EvalContext.slots when compiled in a web ACL
   * (InspectorSlots), -1 otherwise (then EvalContext.cache by key).
   */
  readonly rawSlot: number;
  readonly slot: number;
}

/** Per web ACL: one index per distinct cache key, so evaluation caches values in an array. */
export class InspectorSlots {
  private readonly ids = new Map<string, number>();

  slot(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }

  get size(): number {
    return this.ids.size;
  }
}

/** Compiles spec.FieldToMatch and spec.TextTransformations of a statement. */
export function compileInspector(spec: Json, cc: CompileContext, field: string): FieldInspector {
  const ftm = spec['FieldToMatch'];
  if (!isObject(ftm)) throw new WafConfigError('FIELD_TO_MATCH', `${cc.path}.FieldToMatch`, 'FieldToMatch is required');
  const tt = spec['TextTransformations'];
  if (!Array.isArray(tt) || tt.length === 0) {
    throw new WafConfigError('TEXT_TRANSFORMATION', `${cc.path}.TextTransformations`, 'TextTransformations is required (use NONE for no transformation)');
  }
  let fx: FieldExtractor;
  let chain: TransformChain;
  try {
    fx = cc.parts.compileField(ftm, { bodyLimitBytes: cc.bodyLimitBytes });
  } catch (e) {
    throw asConfigError(e, 'FIELD_TO_MATCH', `${cc.path}.FieldToMatch`);
  }
  try {
    chain = cc.parts.compileChain(tt as { Priority: number; Type: string }[]);
  } catch (e) {
    throw asConfigError(e, 'TEXT_TRANSFORMATION', `${cc.path}.TextTransformations`);
  }
  void field;
  const identity = (tt as { Type?: unknown }[]).every((t) => t?.Type === 'NONE');
  const cacheKey = `${fx.key}\u0000${chain.key}`;
  const rawSlot = cc.slots?.slot(fx.key) ?? -1;
  const slot = cc.slots?.slot(cacheKey) ?? -1;
  // The list is valid (compileChain accepted it): split off the last effective step.
  const steps = (tt as { Priority: number; Type: string }[]).filter((t) => t.Type !== 'NONE').sort((a, b) => a.Priority - b.Priority);
  if (steps.length < 2) return { field: fx, chain, cacheKey, identity, rawSlot, slot };
  const head = steps.slice(0, -1).map((t, i) => ({ Priority: i, Type: t.Type }));
  const prefix = compileInspector({ FieldToMatch: ftm, TextTransformations: head }, cc, field);
  const last = cc.parts.compileChain([{ Priority: 0, Type: steps[steps.length - 1]!.Type }]);
  return { field: fx, chain, cacheKey, identity, prefix, last, rawSlot, slot };
}

export function asConfigError(e: unknown, field: string, path: string): WafConfigError {
  if (e instanceof WafConfigError) return e;
  const reason = e instanceof Error ? e.message : String(e);
  // Errors of the fields/transforms compilers may carry their own field/reason.
  const f = isObject(e) && typeof e['field'] === 'string' ? e['field'] : field;
  return new WafConfigError(f, path, reason);
}

/** The transformed values of a field for this request (cached per request). */
export function inspect(ctx: EvalContext, fi: FieldInspector): FieldValues {
  const slots = ctx.slots;
  const cached = fi.slot >= 0 ? slots[fi.slot] : ctx.cache?.get(fi.cacheKey);
  if (cached !== undefined) return cached;
  let base: FieldValues;
  let step: TransformChain;
  if (fi.prefix !== undefined) {
    base = inspect(ctx, fi.prefix);
    step = fi.last!;
  } else {
    let raw = fi.rawSlot >= 0 ? slots[fi.rawSlot] : ctx.cache?.get(fi.field.key);
    if (raw === undefined) {
      raw = fi.field.extract(ctx.req);
      if (fi.rawSlot >= 0) slots[fi.rawSlot] = raw;
      else (ctx.cache ??= new Map()).set(fi.field.key, raw);
    }
    base = raw;
    step = fi.chain;
  }
  let out: FieldValues = base;
  // A decided base (oversize/invalid handling) is passed on untransformed, as the raw values are.
  if (!fi.identity && !decided(base)) {
    const vals = base.values;
    // Mostly nothing decodes: then the base itself is the result (FieldValues are never mutated),
    // and no array is allocated until a value changes.
    let t: string[] | undefined;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      const r = step.apply(v);
      if (t === undefined) {
        if (r === v) continue;
        t = vals.slice(0, i);
      }
      t.push(r);
    }
    if (t !== undefined) out = base.kind === 'values' ? { kind: 'values', values: t } : base.kind === 'oversize' ? { kind: 'oversize', handling: base.handling, values: t } : { kind: 'invalid', fallback: base.fallback, values: t };
  }
  if (fi.slot >= 0) slots[fi.slot] = out;
  else (ctx.cache ??= new Map()).set(fi.cacheKey, out);
  return out;
}

/** True when oversize/invalid handling decides the result without looking at the values. */
function decided(fv: FieldValues): boolean {
  return (fv.kind === 'oversize' && fv.handling !== 'CONTINUE') || (fv.kind === 'invalid' && fv.fallback !== 'EVALUATE_AS_STRING');
}

/** The match result forced by OversizeHandling/InvalidFallbackBehavior, or undefined to inspect values. */
export function forced(fv: FieldValues): boolean | undefined {
  if (fv.kind === 'oversize') return fv.handling === 'MATCH' ? true : fv.handling === 'NO_MATCH' ? false : undefined;
  if (fv.kind === 'invalid') return fv.fallback === 'MATCH' ? true : fv.fallback === 'NO_MATCH' ? false : undefined;
  return undefined;
}
