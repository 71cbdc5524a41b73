/**
 * The contract between the HTTP layer and the services: a service registers its AWS API model and
 * handlers for the operations it implements; the HTTP layer does routing, SigV4, identity-policy
 * authorization, decoding/validation against the model, encoding, errors, events and metrics.
 */
import type { Principal } from '../iam/principal.js';
import type { CompiledPolicy, ConditionContext } from '../iam/index.js';
import type { AwsErrorCode } from '../errors/index.js';

/** The wire protocols Bulwark speaks. */
export type Protocol = 'json' | 'rest-json' | 'query';

/** An AWS API model as extracted by scripts/gen-models.py (botocore's service-2.json without docs). */
export interface ServiceModel {
  readonly metadata: {
    readonly apiVersion: string;
    readonly protocol: string;
    readonly targetPrefix?: string;
    readonly jsonVersion?: string;
    readonly signingName?: string;
    readonly endpointPrefix: string;
    readonly xmlNamespace?: string;
    readonly serviceId?: string;
  };
  readonly operations: Readonly<Record<string, ModelOperation>>;
  readonly shapes: Readonly<Record<string, ModelShape>>;
}

/** One operation of a model. */
export interface ModelOperation {
  readonly name: string;
  readonly http: { readonly method: string; readonly requestUri: string; readonly responseCode?: number };
  readonly input?: { readonly shape: string };
  readonly output?: { readonly shape: string; readonly resultWrapper?: string };
  readonly errors?: readonly { readonly shape: string }[];
}

/** One shape of a model (loosely typed: see botocore's documentation of the format). */
export interface ModelShape {
  readonly type: string;
  readonly [k: string]: unknown;
}

/** What a handler can do besides computing its output. */
export interface RequestContext {
  readonly requestId: string;
  readonly region: string;
  readonly accountId: string;
  readonly principal: Principal;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly secureTransport: boolean;
  /** Time the request was received. */
  readonly now: Date;
  readonly service: string;
  readonly operation: string;
  /** The request's condition context (global keys: aws:SourceIp, aws:CurrentTime, ...). */
  readonly conditionContext: ConditionContext;
  /**
   * Authorizes `action` on `resource` for the caller; throws AccessDenied(Exception) when denied.
   * `resourcePolicy`/`requireResourcePolicy` add a resource policy (e.g. a KMS key policy);
   * `context` adds service-specific condition keys (lower-cased keys).
   */
  authorize(req: {
    readonly action: string;
    readonly resource: string;
    readonly resourcePolicy?: CompiledPolicy;
    readonly requireResourcePolicy?: boolean;
    readonly context?: ReadonlyMap<string, string | readonly string[]>;
  }): Promise<void>;
  /** Records a resource the call touched, for the audit event. */
  addResource(arn: string, type?: string): void;
}

/** How one operation is implemented and authorized. */
export interface OperationHandler<I = Record<string, unknown>, O = Record<string, unknown>> {
  /**
   * Pre-handler authorization: 'identity' (default) checks `action` on `resources(input)` against
   * identity policies before the handler runs; 'handler' leaves it to the handler (it must call
   * ctx.authorize, e.g. KMS with key policies); 'none' only for calls AWS lets any authenticated
   * caller make (sts:GetCallerIdentity).
   */
  readonly authorization?: 'identity' | 'handler' | 'none';
  /** IAM action; defaults to `<signingName>:<OperationName>`. */
  readonly action?: string;
  /** Resource ARNs for pre-handler authorization; defaults to ['*']. */
  readonly resources?: (input: I, ctx: RequestContext) => readonly string[];
  /** CloudTrail readOnly; defaults to true for Get/List/Describe/Simulate operations. */
  readonly readOnly?: boolean;
  /** Input member paths (dot-separated) to redact from events beyond those the model marks sensitive. */
  readonly redact?: readonly string[];
  /** When true, responseElements in the event are null (crypto operations, secrets in output). */
  readonly hideResponse?: boolean;
  /** Computes the output. Inputs and outputs follow the model: blobs are Buffers, timestamps Dates. */
  readonly handler: (input: I, ctx: RequestContext) => Promise<O> | O;
}

/** A service as registered with the HTTP layer. */
export interface ServiceDefinition {
  /** Short name, e.g. 'iam', 'sts', 'kms'. Also the SigV4 signing name unless `signingName` is set. */
  readonly name: string;
  readonly signingName?: string;
  /** CloudTrail eventSource, e.g. 'iam.amazonaws.com'. */
  readonly eventSource: string;
  readonly model: ServiceModel;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly operations: Readonly<Record<string, OperationHandler<any, any>>>;
  /**
   * Error code for model operations that exist but are not implemented (e.g. KMS custom key
   * stores answer UnsupportedOperationException). Defaults to the protocol's unknown-operation error.
   */
  readonly unimplementedError?: { readonly code: AwsErrorCode; readonly message: string };
}
