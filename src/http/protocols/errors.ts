/** Serialises an AwsError per wire protocol, as AWS does. */
import { type AwsError, errorSpec } from '../../errors/index.js';
import { escapeXml } from './xml.js';

/** Options for encodeError. */
export interface ErrorEncodingOptions {
  /** xmlns of the query protocol's ErrorResponse (the model's metadata.xmlNamespace). */
  readonly xmlNamespace?: string;
  /** awsJson version for the content type ('1.1' unless the model says '1.0'). */
  readonly jsonVersion?: string;
}

function fieldsOf(err: AwsError): [string, unknown][] {
  if (!err.fields) return [];
  return Object.entries(err.fields).filter(([k, v]) => k !== '__type' && k !== 'message' && k !== 'Message' && v !== undefined);
}

/** The HTTP status, headers and body AWS would send for `err` on the given protocol. */
export function encodeError(
  protocol: 'json' | 'rest-json' | 'query',
  err: AwsError,
  requestId: string,
  opts?: ErrorEncodingOptions,
): { status: number; headers: Record<string, string>; body: Buffer } {
  const status = err.status;
  if (protocol === 'query') {
    const fault = errorSpec(err.code).fault;
    let extra = '';
    for (const [k, v] of fieldsOf(err)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
        extra += `<${k}>${escapeXml(String(v))}</${k}>`;
      }
    }
    const ns = opts?.xmlNamespace ? ` xmlns="${escapeXml(opts.xmlNamespace)}"` : '';
    const body =
      `<ErrorResponse${ns}><Error><Type>${fault}</Type><Code>${escapeXml(err.code)}</Code>` +
      `<Message>${escapeXml(err.message)}</Message>${extra}</Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`;
    return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body: Buffer.from(body, 'utf8') };
  }
  const obj: Record<string, unknown> = { __type: err.code, message: err.message };
  for (const [k, v] of fieldsOf(err)) obj[k] = v;
  if (protocol === 'json') {
    const ct = `application/x-amz-json-${opts?.jsonVersion ?? '1.1'}`;
    return { status, headers: { 'content-type': ct, 'x-amzn-requestid': requestId }, body: Buffer.from(JSON.stringify(obj), 'utf8') };
  }
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.code },
    body: Buffer.from(JSON.stringify(obj), 'utf8'),
  };
}
