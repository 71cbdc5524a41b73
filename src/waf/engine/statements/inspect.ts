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
  /** Number of transformations (other than NONE), for WCU and for skipping work. */
  readonly identity: boolean;
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
  return { field: fx, chain, cacheKey: `${fx.key}\u0000${chain.key}`, identity };
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
  const cached = ctx.cache.get(fi.cacheKey);
  if (cached !== undefined) return cached;
  let raw = ctx.cache.get(fi.field.key);
  if (raw === undefined) {
    raw = fi.field.extract(ctx.req);
    ctx.cache.set(fi.field.key, raw);
  }
  let out: FieldValues = raw;
  if (!fi.identity && !decided(raw)) {
    const vals = raw.values;
    const t = new Array<string>(vals.length);
    for (let i = 0; i < vals.length; i++) t[i] = fi.chain.apply(vals[i]!);
    out = raw.kind === 'values' ? { kind: 'values', values: t } : raw.kind === 'oversize' ? { kind: 'oversize', handling: raw.handling, values: t } : { kind: 'invalid', fallback: raw.fallback, values: t };
  }
  ctx.cache.set(fi.cacheKey, out);
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
