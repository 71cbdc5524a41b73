/** The AWS error catalogue and the error type all layers throw. */
export { ERROR_CATALOGUE, errorSpec, type AwsErrorCode, type ErrorSpec, type Fault } from './catalogue.js';
export { AwsError, awsError, isAwsError } from './aws-error.js';
