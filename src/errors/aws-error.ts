/** The error type every layer throws; the http layer serialises it per wire protocol. */
import { type AwsErrorCode, errorSpec } from './catalogue.js';

/** An AWS-style error with a catalogued code. Messages never carry secrets or internal detail. */
export class AwsError extends Error {
  readonly code: AwsErrorCode;
  readonly status: number;
  /** Extra top-level fields some errors carry on the wire (rarely used). */
  readonly fields: Readonly<Record<string, unknown>> | undefined;

  constructor(code: AwsErrorCode, message: string, fields?: Record<string, unknown>) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = errorSpec(code).status;
    this.fields = fields;
  }
}

/** Shorthand for `new AwsError(code, message)`. */
export function awsError(code: AwsErrorCode, message: string, fields?: Record<string, unknown>): AwsError {
  return new AwsError(code, message, fields);
}

/** True when `e` is an AwsError (also across module copies). */
export function isAwsError(e: unknown): e is AwsError {
  return e instanceof AwsError;
}
