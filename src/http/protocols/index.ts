/**
 * AWS wire protocols (awsJson1.x, rest-json, query) driven by the service models: decoding and
 * validation of requests, encoding of responses and errors, and redaction for audit events.
 * See docs/protocols.md for the choices made where AWS's behaviour is not pinned down.
 */
export { ModelCodec, type CodecProtocol } from './codec.js';
export { encodeError, type ErrorEncodingOptions } from './errors.js';
export { parseFormBody } from './form.js';
export { HIDDEN } from './redact.js';
export type { RestMatch, RestRequest } from './rest.js';
export type { PatternNote } from './shapes.js';
