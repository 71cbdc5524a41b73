import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import cloudtrailModel from '../../models/cloudtrail.json' with { type: 'json' };
import kmsModel from '../../models/kms.json' with { type: 'json' };
import shieldModel from '../../models/shield.json' with { type: 'json' };
import wafModel from '../../models/wafv2.json' with { type: 'json' };
import type { ServiceModel } from '../service.js';
import { structToJson, structToJsonText } from './json.js';
import { ShapeCompiler, type Ref, type ShapeNode, type StructureNode } from './shapes.js';

/** Every operation's output structure of the JSON-protocol models. */
function outputs(): { name: string; node: StructureNode }[] {
  const out: { name: string; node: StructureNode }[] = [];
  for (const model of [kmsModel, wafModel, cloudtrailModel, shieldModel] as unknown as ServiceModel[]) {
    const c = new ShapeCompiler(model.shapes);
    for (const [name, op] of Object.entries(model.operations)) {
      if (op.output) out.push({ name: `${model.metadata.serviceId ?? model.metadata.endpointPrefix}.${name}`, node: c.node(op.output.shape) as StructureNode });
    }
  }
  return out;
}

/** Strings that need escaping, surrogates (paired and lone), index-like and prototype keys. */
const text = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', '"', '\\', '\n', '\u0000', '\ud800', '\udc00x', '😀', 'é', '0', '1', '10', '01', '4294967295', '__proto__', 'constructor'),
);
const junk = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.date({ noInvalidDate: false }), fc.bigInt({ min: -10n, max: 10n }));

/** A value for `node`: mostly well-typed, sometimes junk (both encoders must then throw alike). */
function valueFor(ref: Ref, depth: number): fc.Arbitrary<unknown> {
  const node: ShapeNode = ref.node;
  const typed = ((): fc.Arbitrary<unknown> => {
    switch (node.kind) {
      case 'structure':
        return depth > 3 ? fc.constant({}) : structFor(node, depth + 1);
      case 'list':
        return depth > 3 ? fc.constant([]) : fc.array(fc.oneof({ weight: 5, arbitrary: valueFor(node.member, depth + 1) }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 3 });
      case 'map':
        return depth > 3 ? fc.constant({}) : fc.dictionary(text, valueFor(node.value, depth + 1), { maxKeys: 3 });
      case 'string':
        return text;
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'long':
        return fc.oneof(fc.integer(), fc.constantFrom(0, -0, 2 ** 53 - 1), fc.bigInt({ min: -5n, max: 5n }));
      case 'float':
      case 'double':
        return fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e21, 5e-324));
      case 'blob':
        return fc.uint8Array({ maxLength: 40 }).map((a) => (a.length % 2 ? Buffer.from(a) : a));
      case 'timestamp':
        return fc.oneof(fc.date({ noInvalidDate: false }), fc.constantFrom('2026-12-07T12:00:00Z', 'not a date'));
    }
  })();
  return fc.oneof({ weight: 8, arbitrary: typed }, { weight: 1, arbitrary: junk });
}

function structFor(node: StructureNode, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const m of node.members) parts[m.name] = valueFor(m, depth);
  return fc.record(parts, { requiredKeys: [] });
}

function outcome(f: () => string): { ok: string } | { error: string } {
  try {
    return { ok: f() };
  } catch (e) {
    return { error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
}

describe('structToJsonText', () => {
  const ops = outputs();

  it('covers the models', () => {
    expect(ops.length).toBeGreaterThan(150);
  });

  it('writes exactly JSON.stringify(structToJson(...)), or throws the same error', () => {
    for (const { name, node } of ops) {
      fc.assert(
        fc.property(structFor(node, 0), (obj) => {
          const want = outcome(() => JSON.stringify(structToJson(node, obj, '', 0, false)));
          const got = outcome(() => structToJsonText(node, obj, '', 0));
          if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${name}: ${JSON.stringify(got)} !== ${JSON.stringify(want)}`);
        }),
        { numRuns: 30 },
      );
    }
  });

  it('keeps JSON.stringify key order for index-like and duplicate member names', () => {
    const str: ShapeNode = { kind: 'string', shapeName: 'S', sensitive: false, enumValues: undefined, enumSet: undefined, min: undefined, max: undefined, pattern: undefined, patternSource: undefined };
    const member = (name: string, jsonName: string) => ({
      node: str, tsFormat: undefined, sensitive: false, name, path: name, jsonName, xmlName: name, location: undefined, locationName: name, required: false,
    });
    const members = [member('B', 'b'), member('One', '1'), member('Proto', '__proto__'), member('A', 'b')];
    const node: StructureNode = { kind: 'structure', shapeName: 'T', sensitive: false, members, byJsonName: new Map(), bodyMembers: members, bodyByJsonName: new Map(), payload: undefined };
    const obj = { B: 'x', One: 'y', Proto: 'z', A: 'w' };
    expect(structToJsonText(node, obj, '', 0)).toBe(JSON.stringify(structToJson(node, obj, '', 0, false)));
    expect(structToJsonText(node, obj, '', 0)).toBe('{"1":"y","b":"w"}');
  });
});
