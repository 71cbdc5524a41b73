/**
 * Findings are stored in their wire form (camelCase JSON, as GetFindings and the S3 export show
 * them); the HTTP layer's codec encodes handler outputs by model member names. This converts a
 * wire-form value to member names by walking the GuardDuty model, dropping what the model does not
 * have (it could not be sent anyway) and turning `service.additionalInfo` into the model's
 * {Value: <JSON string>, Type} form, as AWS returns it.
 */
import type { ServiceModel } from '../http/index.js';

type Shape = { type: string; members?: Record<string, { shape: string; locationName?: string }>; member?: { shape: string }; value?: { shape: string } };

/** Converts wire-form JSON to the model's member names for shape `shapeName`. */
export function fromWire(model: ServiceModel, shapeName: string, v: unknown, depth = 0): unknown {
  const shape = model.shapes[shapeName] as Shape | undefined;
  if (!shape || v === undefined || v === null || depth > 40) return undefined;
  switch (shape.type) {
    case 'structure': {
      if (shapeName === 'ServiceAdditionalInfo') {
        if (typeof v !== 'object') return undefined;
        const { type, ...rest } = v as Record<string, unknown>;
        return { Value: JSON.stringify(rest), Type: typeof type === 'string' ? type : 'default' };
      }
      if (typeof v !== 'object' || Array.isArray(v)) return undefined;
      const src = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, m] of Object.entries(shape.members ?? {})) {
        const wire = m.locationName ?? name;
        const x = src[wire] ?? src[name];
        if (x === undefined || x === null) continue;
        const y = fromWire(model, m.shape, x, depth + 1);
        if (y !== undefined) out[name] = y;
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(v) || !shape.member) return undefined;
      const out: unknown[] = [];
      for (const x of v) {
        const y = fromWire(model, shape.member.shape, x, depth + 1);
        if (y !== undefined) out.push(y);
      }
      return out;
    }
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v) || !shape.value) return undefined;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const y = fromWire(model, shape.value.shape, x, depth + 1);
        if (y !== undefined) out[k] = y;
      }
      return out;
    }
    case 'string':
      return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) return undefined;
      return shape.type === 'integer' || shape.type === 'long' ? Math.trunc(n) : n;
    }
    case 'boolean':
      return typeof v === 'boolean' ? v : v === 'true';
    case 'timestamp': {
      const d = v instanceof Date ? v : new Date(typeof v === 'number' ? v : String(v));
      return Number.isNaN(d.getTime()) ? undefined : d;
    }
    default:
      return undefined;
  }
}
