/**
 * The internal channel every API call is published on, allowed or denied. The audit trail turns
 * these into CloudTrail records; the threat detector consumes them. Publishing goes through
 * node:diagnostics_channel so services never call the audit trail or detector directly.
 */
import diagnostics_channel from 'node:diagnostics_channel';

/** Identity of the caller as far as it is known (it may be unknown for failed authentication). */
export interface EventIdentity {
  readonly type: 'Root' | 'IAMUser' | 'AssumedRole' | 'AWSService' | 'Unknown';
  /** For type AWSService: the service principal acting on its own, e.g. 'guardduty.amazonaws.com'. */
  readonly invokedBy?: string;
  readonly accountId?: string;
  readonly arn?: string;
  readonly principalId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly roleArn?: string;
  readonly roleName?: string;
  readonly sessionName?: string;
  readonly temporary?: boolean;
  readonly tokenIssueTime?: string;
  readonly mfaPresent?: boolean;
}

/** One API call. Request parameters have secrets already redacted; no response bodies. */
export interface ApiCallEvent {
  readonly time: Date;
  readonly requestId: string;
  readonly eventId: string;
  readonly identity: EventIdentity;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** The service's name, e.g. 'kms', 'iam', 'sts'. */
  readonly service: string;
  /** CloudTrail's eventSource, e.g. 'kms.amazonaws.com'. */
  readonly eventSource: string;
  /** The operation name, e.g. 'CreateKey', or the raw target when it was unknown. */
  readonly operation: string;
  readonly region: string;
  readonly readOnly: boolean;
  /** ARNs of the resources the call touched, where known. */
  readonly resources: readonly { readonly arn: string; readonly type?: string }[];
  /** Request parameters with sensitive members replaced by redaction markers, or null. */
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  /** Non-secret response elements, or null (crypto operations always null). */
  readonly responseElements: Readonly<Record<string, unknown>> | null;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly httpStatus: number;
  /** TLS details when the API was called over HTTPS. */
  readonly tls?: { readonly version: string; readonly cipherSuite: string; readonly clientProvidedHostHeader: string };
  /** Whether authentication succeeded (false for signature failures with a known key). */
  readonly authenticated: boolean;
}

/** The channel name; subscribe with diagnostics_channel.subscribe(API_CALL_CHANNEL, fn). */
export const API_CALL_CHANNEL = 'bulwark:api-call';

const channel = diagnostics_channel.channel(API_CALL_CHANNEL);

/** Publishes an API call event to all subscribers (no-op cost when nobody listens). */
export function publishApiCall(event: ApiCallEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}

/** True when anyone listens (lets the API layer skip building events nobody reads). */
export function apiCallHasSubscribers(): boolean {
  return channel.hasSubscribers;
}

/** Subscribes to API call events; returns the unsubscribe function. */
export function onApiCall(listener: (event: ApiCallEvent) => void): () => void {
  const fn = (msg: unknown): void => listener(msg as ApiCallEvent);
  diagnostics_channel.subscribe(API_CALL_CHANNEL, fn);
  return () => diagnostics_channel.unsubscribe(API_CALL_CHANNEL, fn);
}
