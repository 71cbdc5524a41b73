/** ModelCodec: one compiled codec per service model, for whichever wire protocol the model speaks. */
import { AwsError } from '../../errors/index.js';
import type { ModelOperation, ServiceModel } from '../service.js';
import { parseJsonObject, structFromJson, structToJsonText } from './json.js';
import { paramTree, structFromParams, structToXml } from './query.js';
import { pathTree, redactStruct } from './redact.js';
import { type RestMatch, type RestRequest, RestRouter, decodeRestInput, encodeRestOutput } from './rest.js';
import { type PatternNote, ShapeCompiler, type StructureNode } from './shapes.js';
import { ValidationErrors, validateStruct } from './validate.js';
import { escapeXml } from './xml.js';

/** The protocols ModelCodec serves. */
export type CodecProtocol = 'json' | 'rest-json' | 'query';

interface CompiledOperation {
  readonly name: string;
  readonly input: StructureNode | undefined;
  readonly output: StructureNode | undefined;
  readonly responseCode: number;
  /** Query protocol: `<OpResponse xmlns=...>` and `<OpResult>` opening tags, precomputed. */
  readonly xmlOpen: string;
  readonly xmlClose: string;
}

const EMPTY_STRUCT: StructureNode = {
  kind: 'structure',
  shapeName: '(none)',
  sensitive: false,
  members: [],
  byJsonName: new Map(),
  bodyMembers: [],
  bodyByJsonName: new Map(),
  payload: undefined,
};

function structure(compiler: ShapeCompiler, ref: { readonly shape: string } | undefined, op: string): StructureNode | undefined {
  if (ref === undefined) return undefined;
  const n = compiler.node(ref.shape);
  if (n.kind !== 'structure') throw new Error(`operation ${op}: ${ref.shape} is not a structure`);
  return n;
}

/**
 * Decodes, validates and encodes requests and responses for one AWS API model. Everything
 * model-derived (shape graph, regexes, route trie, XML wrappers) is built in the constructor.
 */
export class ModelCodec {
  /** The model's wire protocol. */
  readonly protocol: CodecProtocol;
  /** Model patterns that are not valid Unicode JS regexes: compiled in legacy mode or not enforced. */
  readonly patternNotes: readonly PatternNote[];
  private readonly ops = new Map<string, CompiledOperation>();
  private readonly router: RestRouter | undefined;
  private readonly validationCode: 'ValidationException' | 'ValidationError';

  constructor(model: ServiceModel) {
    const p = model.metadata.protocol;
    if (p !== 'json' && p !== 'rest-json' && p !== 'query') throw new Error(`unsupported protocol ${p}`);
    this.protocol = p;
    this.validationCode = p === 'query' ? 'ValidationError' : 'ValidationException';
    const compiler = new ShapeCompiler(model.shapes);
    const ns = model.metadata.xmlNamespace;
    this.router = p === 'rest-json' ? new RestRouter() : undefined;
    for (const name of Object.keys(model.operations)) {
      const op = model.operations[name] as ModelOperation;
      const resultWrapper = op.output?.resultWrapper ?? `${name}Result`;
      const compiled: CompiledOperation = {
        name,
        input: structure(compiler, op.input, name),
        output: structure(compiler, op.output, name),
        responseCode: op.http.responseCode ?? 200,
        xmlOpen: `<${name}Response${ns ? ` xmlns="${escapeXml(ns)}"` : ''}>` + (op.output ? `<${resultWrapper}>` : ''),
        xmlClose: op.output ? `</${resultWrapper}>` : '',
      };
      this.ops.set(name, compiled);
      this.router?.add(name, op.http.method, op.http.requestUri);
    }
    this.patternNotes = compiler.patternNotes;
  }

  /** True when the model has this operation. */
  hasOperation(name: string): boolean {
    return this.ops.has(name);
  }

  private op(name: string): CompiledOperation {
    const op = this.ops.get(name);
    if (op === undefined) {
      throw this.protocol === 'query'
        ? new AwsError('InvalidAction', `Could not find operation ${name.slice(0, 128)}`)
        : new AwsError('UnknownOperationException', `Unknown operation ${name.slice(0, 128)}`);
    }
    return op;
  }

  private validate(node: StructureNode, input: Record<string, unknown>): Record<string, unknown> {
    const acc = new ValidationErrors();
    validateStruct(node, input, '', acc);
    const msg = acc.summary();
    if (msg !== undefined) throw new AwsError(this.validationCode, msg);
    return input;
  }

  /** awsJson: decodes and validates a request body ('' and '{}' both mean empty input). */
  decodeJson(op: string, body: Buffer): Record<string, unknown> {
    const o = this.op(op);
    const obj = parseJsonObject(body);
    if (o.input === undefined) return {};
    return this.validate(o.input, structFromJson(o.input, obj, 0, false));
  }

  /** awsJson: encodes an output; members the model does not know are dropped. */
  encodeJson(op: string, output: Record<string, unknown>): Buffer {
    return Buffer.from(this.encodeJsonText(op, output), 'utf8');
  }

  /** awsJson: the encoded output as text (what encodeJson encodes as UTF-8). */
  encodeJsonText(op: string, output: Record<string, unknown>): string {
    const o = this.op(op);
    if (o.output === undefined) return '{}';
    return structToJsonText(o.output, output, '', 0);
  }

  /** rest-json: finds the operation for a method and path (labels percent-decoded). */
  matchRest(method: string, rawPath: string): RestMatch {
    return this.router?.match(method, rawPath);
  }

  /** rest-json: decodes and validates path labels, query string, headers and body. */
  decodeRest(op: string, req: RestRequest): Record<string, unknown> {
    const o = this.op(op);
    const node = o.input ?? EMPTY_STRUCT;
    return this.validate(node, decodeRestInput(node, req));
  }

  /** rest-json: status (model responseCode), header members and JSON (or payload) body. */
  encodeRest(op: string, output: Record<string, unknown>): { status: number; headers: Record<string, string>; body: Buffer } {
    const o = this.op(op);
    return encodeRestOutput(o.output, output, o.responseCode);
  }

  /** query: decodes and validates form parameters (Action and Version are ignored here). */
  decodeQuery(op: string, params: URLSearchParams): Record<string, unknown> {
    const o = this.op(op);
    // No members (GetCallerIdentity): nothing to look up, and nothing to validate.
    if (o.input === undefined || o.input.members.length === 0) return {};
    return this.validate(o.input, structFromParams(o.input, paramTree(params), '', 0));
  }

  /** query: the `<OpResponse>` XML document for an output. */
  encodeQuery(op: string, output: Record<string, unknown>, requestId: string): Buffer {
    return Buffer.from(this.encodeQueryText(op, output, requestId), 'utf8');
  }

  /** query: the `<OpResponse>` XML document as text (what encodeQuery encodes as UTF-8). */
  encodeQueryText(op: string, output: Record<string, unknown>, requestId: string): string {
    const o = this.op(op);
    const members = o.output !== undefined ? structToXml(o.output, output, '', 0) : '';
    return o.xmlOpen + members + o.xmlClose + '<ResponseMetadata><RequestId>' + escapeXml(requestId) + '</RequestId></ResponseMetadata></' + op + 'Response>';
  }

  /**
   * A copy of the input for audit events: members whose shape is marked sensitive (and `extraPaths`,
   * dot-separated member names; lists are transparent, `*` matches any map key) become
   * 'HIDDEN_DUE_TO_SECURITY_REASONS'; blobs and members unknown to the model are omitted.
   */
  redactInput(op: string, input: Record<string, unknown>, extraPaths?: readonly string[]): Record<string, unknown> {
    const o = this.op(op);
    return o.input ? redactStruct(o.input, input, pathTree(extraPaths)) : {};
  }

  /** Same as redactInput, for outputs (CloudTrail responseElements). */
  redactOutput(op: string, output: Record<string, unknown>, extraPaths?: readonly string[]): Record<string, unknown> {
    const o = this.op(op);
    return o.output ? redactStruct(o.output, output, pathTree(extraPaths)) : {};
  }
}
