/**
 * The wafv2 errors with AWS's messages. WAFInvalidParameterException carries Field
 * (ParameterExceptionField), Parameter and Reason as extra fields, and a message in AWS's
 * "Error reason: <reason>, field: <field>, parameter: <parameter>" form, so SDKs surface all three.
 */
import { type AwsError, awsError } from '../../errors/index.js';

/** ParameterExceptionField values the API uses (the model's enum has more). */
export type ParameterField =
  | 'WEB_ACL' | 'RULE_GROUP' | 'REGEX_PATTERN_SET' | 'IP_SET' | 'RULE' | 'EXCLUDED_RULE' | 'STATEMENT'
  | 'RATE_BASED_STATEMENT' | 'RULE_GROUP_REFERENCE_STATEMENT' | 'REGEX_PATTERN_REFERENCE_STATEMENT' | 'IP_SET_REFERENCE_STATEMENT'
  | 'MANAGED_RULE_SET_STATEMENT' | 'LABEL_MATCH_STATEMENT' | 'AND_STATEMENT' | 'OR_STATEMENT' | 'NOT_STATEMENT'
  | 'IP_ADDRESS' | 'IP_ADDRESS_VERSION' | 'FIELD_TO_MATCH' | 'TEXT_TRANSFORMATION' | 'DEFAULT_ACTION' | 'RULE_ACTION'
  | 'OVERRIDE_ACTION' | 'SCOPE_VALUE' | 'RESOURCE_ARN' | 'TAGS' | 'TAG_KEYS' | 'METRIC_NAME' | 'FORWARDED_IP_CONFIG'
  | 'CUSTOM_RESPONSE' | 'CUSTOM_RESPONSE_BODY' | 'LOGGING_FILTER' | 'FILTER_CONDITION' | 'LOG_DESTINATION' | 'CUSTOM_KEYS'
  | 'SCOPE_DOWN' | 'ASSOCIABLE_RESOURCE' | 'ENTITY_LIMIT';

/** Reason texts, AWS's where AWS's are known (see docs/waf-api.md). */
export const REASON = {
  exactlyOne: 'You have used none or multiple values for a field that requires exactly one value.',
  invalidReference: 'A reference in your rule statement is not valid.',
  format: 'The parameter contains formatting that is not valid.',
  threshold: "You haven't met a minimum requirement for a threshold setting.",
  invalidArn: 'The ARN isn\'t valid. A valid ARN begins with arn: and includes other information separated by colons or slashes.',
  scope: 'The scope is not valid.',
  nesting: 'Your nested statement isn\'t valid. You might have tried to nest a statement that can\'t be nested.',
  duplicateName: 'Rule names must be unique within the list of rules.',
  duplicatePriority: 'Rule priorities must be unique within the list of rules.',
  actionKind: 'Rules with a RuleGroupReferenceStatement or ManagedRuleGroupStatement need an OverrideAction; other rules need an Action.',
  bodyKey: 'The CustomResponseBodyKey does not name a body in CustomResponseBodies.',
  label: 'The label name is not valid.',
  reservedTag: "Tag keys prefixed with 'aws:' are reserved.",
  regex: 'The regular expression is not valid.',
  required: 'The field is required.',
  unsupported: 'Bulwark does not support this value.',
} as const;

/** WAFInvalidParameterException with Field, Parameter and Reason. */
export function invalidParameter(field: ParameterField | string | undefined, parameter: string, reason: string): AwsError {
  const p = parameter.length > 0 ? parameter : '-';
  const message = `Error reason: ${reason}, field: ${field ?? 'UNKNOWN'}, parameter: ${p}`;
  return awsError('WAFInvalidParameterException', message, { ...(field !== undefined ? { Field: field } : {}), Parameter: p, Reason: reason });
}

/** WAFNonexistentItemException. */
export function nonexistent(): AwsError {
  return awsError('WAFNonexistentItemException', 'AWS WAF couldn’t perform the operation because your resource doesn’t exist.');
}

/** WAFDuplicateItemException. */
export function duplicate(): AwsError {
  return awsError('WAFDuplicateItemException', 'AWS WAF couldn’t perform the operation because some resource in your request is a duplicate of an existing one.');
}

/** WAFOptimisticLockException. */
export function optimisticLock(): AwsError {
  return awsError('WAFOptimisticLockException',
    'AWS WAF couldn’t save your changes because someone changed the resource after you started to edit it. Reapply your changes.');
}

/** WAFAssociatedItemException. */
export function associated(): AwsError {
  return awsError('WAFAssociatedItemException',
    'AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.');
}

/** WAFLimitsExceededException with a Bulwark-specific explanation appended. */
export function limitsExceeded(detail: string): AwsError {
  return awsError('WAFLimitsExceededException', `AWS WAF couldn’t perform the operation because you exceeded your resource limit. ${detail}`);
}
