/**
 * Compiles botocore shapes into linked, pre-resolved nodes once per model, so that the per-request
 * walkers (JSON, query, XML, rest, validation, redaction) only read fields and never look names up
 * or compile regexes.
 */
import type { ModelShape } from '../service.js';

/** Timestamp wire formats (botocore/Smithy names). */
export type TsFormat = 'iso8601' | 'unixTimestamp' | 'rfc822';

/** Where a rest-json member travels. */
export type Location = 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';

/** A use of a shape: a structure member, a list member, a map key or value. */
export interface Ref {
  readonly node: ShapeNode;
  /** Explicit timestampFormat on the member or its shape; undefined means the protocol default. */
  readonly tsFormat: TsFormat | undefined;
  /** True when the shape or the reference is marked sensitive. */
  readonly sensitive: boolean;
}

/** A structure member. */
export interface Member extends Ref {
  readonly name: string;
  /** Name used in validation messages: lowerCamelCase of the member name, as AWS prints it. */
  readonly path: string;
  /** Key in JSON bodies (locationName or the member name). */
  readonly jsonName: string;
  /** Parameter/element name for query input and XML output (botocore's _member_key_name rule). */
  readonly xmlName: string;
  readonly location: Location | undefined;
  /** locationName for uri/querystring/header members (header names lower-cased). */
  readonly locationName: string;
  readonly required: boolean;
}

interface NodeBase {
  readonly shapeName: string;
  readonly sensitive: boolean;
}

/** A structure shape. */
export interface StructureNode extends NodeBase {
  readonly kind: 'structure';
  readonly members: Member[];
  /** Members by JSON key (for decoding JSON objects by their keys). */
  readonly byJsonName: Map<string, Member>;
  /** Members that travel in a JSON body (no location trait). */
  readonly bodyMembers: Member[];
  readonly bodyByJsonName: Map<string, Member>;
  /** The member bound to the whole HTTP body (rest `payload` trait). */
  payload: Member | undefined;
}

/** A list shape. */
export interface ListNode extends NodeBase {
  readonly kind: 'list';
  member: Ref;
  /** Element name in non-flattened query/XML lists ('member' unless renamed). */
  memberName: string;
  readonly flattened: boolean;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/** A map shape. */
export interface MapNode extends NodeBase {
  readonly kind: 'map';
  key: Ref;
  value: Ref;
  keyName: string;
  valueName: string;
  readonly flattened: boolean;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/** A string shape. */
export interface StringNode extends NodeBase {
  readonly kind: 'string';
  readonly enumValues: readonly string[] | undefined;
  readonly enumSet: ReadonlySet<string> | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly pattern: RegExp | undefined;
  readonly patternSource: string | undefined;
}

/** A numeric shape. */
export interface NumberNode extends NodeBase {
  readonly kind: 'integer' | 'long' | 'float' | 'double';
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/** A blob shape. */
export interface BlobNode extends NodeBase {
  readonly kind: 'blob';
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/** A boolean shape. */
export interface BooleanNode extends NodeBase {
  readonly kind: 'boolean';
}

/** A timestamp shape. */
export interface TimestampNode extends NodeBase {
  readonly kind: 'timestamp';
}

/** Any compiled shape. */
export type ShapeNode = StructureNode | ListNode | MapNode | StringNode | NumberNode | BlobNode | BooleanNode | TimestampNode;

/** What happened to a model `pattern` when compiled to a JS RegExp. */
export interface PatternNote {
  readonly shape: string;
  readonly pattern: string;
  readonly outcome: 'legacy' | 'skipped';
}

/** Lower-cases the first character, as AWS does for member paths in validation messages. */
export function lowerCamel(name: string): string {
  return name.length === 0 ? name : name.charAt(0).toLowerCase() + name.slice(1);
}

const TS_FORMATS: ReadonlySet<string> = new Set(['iso8601', 'unixTimestamp', 'rfc822']);
const LOCATIONS: ReadonlySet<string> = new Set(['uri', 'querystring', 'header', 'headers', 'statusCode']);

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

interface RawRef {
  readonly shape: string;
  readonly locationName?: string;
  readonly location?: string;
  readonly timestampFormat?: string;
  readonly flattened?: boolean;
  readonly sensitive?: boolean;
  readonly xmlNamespace?: unknown;
}

/**
 * Java regexes (AWS's models) to JS: `(?s)` becomes the `s` flag; 5–6 digit `\uXXXXX` escapes
 * (meant as supplementary code points) become `\u{XXXXX}`. The whole value must match, as in
 * AWS's Coral validation (`Pattern.matches`), so the pattern is anchored.
 */
export function compilePattern(source: string): { re: RegExp; legacy: boolean } | undefined {
  let body = source;
  let flags = 'u';
  if (body.startsWith('(?s)')) {
    body = body.slice(4);
    flags += 's';
  }
  body = body.replace(/\\u([0-9A-Fa-f]{5,6})(?![0-9A-Fa-f])/g, (m, hex: string) => {
    const cp = parseInt(hex, 16);
    return cp >= 0x10000 && cp <= 0x10ffff ? `\\u{${hex}}` : m;
  });
  const anchored = `^(?:${body})$`;
  try {
    return { re: new RegExp(anchored, flags), legacy: false };
  } catch {
    // Unicode mode rejects identity escapes like `\:` that Java accepts; fall back to legacy mode
    // unless the pattern needs Unicode mode to mean what it says.
    if (/\\[pP]\{|\\u\{/.test(body)) return undefined;
    try {
      return { re: new RegExp(anchored, flags.replace('u', '')), legacy: true };
    } catch {
      return undefined;
    }
  }
}

/** Compiles shapes on demand, memoised by name (recursive shapes resolve to the same node). */
export class ShapeCompiler {
  private readonly nodes = new Map<string, ShapeNode>();
  /** Patterns that could not be compiled as Unicode regexes (documented, not enforced if skipped). */
  readonly patternNotes: PatternNote[] = [];

  constructor(private readonly shapes: Readonly<Record<string, ModelShape>>) {}

  /** The compiled node for a shape name; throws on a broken model (at construction time). */
  node(name: string): ShapeNode {
    const done = this.nodes.get(name);
    if (done) return done;
    const s = this.shapes[name];
    if (!s) throw new Error(`model references unknown shape ${name}`);
    const sensitive = s.sensitive === true;
    switch (s.type) {
      case 'structure': {
        const node: StructureNode = {
          kind: 'structure',
          shapeName: name,
          sensitive,
          members: [],
          byJsonName: new Map(),
          bodyMembers: [],
          bodyByJsonName: new Map(),
          payload: undefined,
        };
        this.nodes.set(name, node);
        const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
        const members = (s.members ?? {}) as Record<string, RawRef>;
        for (const memberName of Object.keys(members)) {
          const raw = members[memberName] as RawRef;
          const ref = this.ref(raw);
          const target = ref.node;
          let xmlName = raw.locationName ?? memberName;
          if (target.kind === 'list' && (target.flattened || raw.flattened === true)) {
            const inner = this.rawMember(raw.shape);
            if (inner?.locationName !== undefined) xmlName = inner.locationName;
          }
          const location = raw.location !== undefined && LOCATIONS.has(raw.location) ? (raw.location as Location) : undefined;
          const locName = raw.locationName ?? memberName;
          const m: Member = {
            ...ref,
            name: memberName,
            path: lowerCamel(memberName),
            jsonName: raw.locationName ?? memberName,
            xmlName,
            location,
            locationName: location === 'header' || location === 'headers' ? locName.toLowerCase() : locName,
            required: required.has(memberName),
          };
          node.members.push(m);
          node.byJsonName.set(m.jsonName, m);
          if (location === undefined) {
            node.bodyMembers.push(m);
            node.bodyByJsonName.set(m.jsonName, m);
          }
        }
        const payload = str(s.payload);
        if (payload !== undefined) node.payload = node.members.find((m) => m.name === payload);
        return node;
      }
      case 'list': {
        const raw = s.member as RawRef;
        const node: ListNode = {
          kind: 'list',
          shapeName: name,
          sensitive,
          member: undefined as unknown as Ref,
          memberName: raw.locationName ?? 'member',
          flattened: s.flattened === true,
          min: num(s.min),
          max: num(s.max),
        };
        this.nodes.set(name, node);
        node.member = this.ref(raw);
        return node;
      }
      case 'map': {
        const rk = s.key as RawRef;
        const rv = s.value as RawRef;
        const node: MapNode = {
          kind: 'map',
          shapeName: name,
          sensitive,
          key: undefined as unknown as Ref,
          value: undefined as unknown as Ref,
          keyName: rk.locationName ?? 'key',
          valueName: rv.locationName ?? 'value',
          flattened: s.flattened === true,
          min: num(s.min),
          max: num(s.max),
        };
        this.nodes.set(name, node);
        node.key = this.ref(rk);
        node.value = this.ref(rv);
        return node;
      }
      case 'string': {
        const enumValues = Array.isArray(s.enum) ? (s.enum as string[]) : undefined;
        const patternSource = str(s.pattern);
        let pattern: RegExp | undefined;
        if (patternSource !== undefined) {
          const c = compilePattern(patternSource);
          if (c) {
            pattern = c.re;
            if (c.legacy) this.patternNotes.push({ shape: name, pattern: patternSource, outcome: 'legacy' });
          } else {
            this.patternNotes.push({ shape: name, pattern: patternSource, outcome: 'skipped' });
          }
        }
        const node: StringNode = {
          kind: 'string',
          shapeName: name,
          sensitive,
          enumValues,
          enumSet: enumValues ? new Set(enumValues) : undefined,
          min: num(s.min),
          max: num(s.max),
          pattern,
          patternSource: pattern ? patternSource : undefined,
        };
        this.nodes.set(name, node);
        return node;
      }
      case 'integer':
      case 'long':
      case 'float':
      case 'double': {
        const node: NumberNode = { kind: s.type, shapeName: name, sensitive, min: num(s.min), max: num(s.max) };
        this.nodes.set(name, node);
        return node;
      }
      case 'blob': {
        const node: BlobNode = { kind: 'blob', shapeName: name, sensitive, min: num(s.min), max: num(s.max) };
        this.nodes.set(name, node);
        return node;
      }
      case 'boolean': {
        const node: BooleanNode = { kind: 'boolean', shapeName: name, sensitive };
        this.nodes.set(name, node);
        return node;
      }
      case 'timestamp': {
        const node: TimestampNode = { kind: 'timestamp', shapeName: name, sensitive };
        this.nodes.set(name, node);
        return node;
      }
      default:
        throw new Error(`shape ${name}: unsupported type ${s.type}`);
    }
  }

  /** The raw `member` reference of a list shape, if `name` is one. */
  private rawMember(name: string): RawRef | undefined {
    const s = this.shapes[name];
    return s?.type === 'list' ? (s.member as RawRef) : undefined;
  }

  private ref(raw: RawRef): Ref {
    const node = this.node(raw.shape);
    const shapeTs = str(this.shapes[raw.shape]?.timestampFormat);
    const ts = raw.timestampFormat ?? shapeTs;
    return {
      node,
      tsFormat: ts !== undefined && TS_FORMATS.has(ts) ? (ts as TsFormat) : undefined,
      sensitive: node.sensitive || raw.sensitive === true,
    };
  }
}
