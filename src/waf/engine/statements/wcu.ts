/**
 * The WCU rule shared by statements that inspect a request component (AWS WAF developer guide,
 * "Using match rule statements"): base cost, +10 for All query parameters, base doubled for JSON
 * body, +10 per text transformation.
 */
import type { Json } from './types.js';

export function fieldWcu(base: number, spec: Json): number {
  const ftm = spec['FieldToMatch'] as Json | undefined;
  let cost = base;
  if (ftm && typeof ftm === 'object') {
    if ('JsonBody' in ftm && ftm['JsonBody'] != null) cost = base * 2;
    if ('AllQueryArguments' in ftm && ftm['AllQueryArguments'] != null) cost += 10;
  }
  const tt = spec['TextTransformations'];
  if (Array.isArray(tt)) for (const t of tt) if ((t as Json)?.['Type'] !== 'NONE') cost += 10;
  return cost;
}
