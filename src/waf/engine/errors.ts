/**
 * Configuration errors of the WAF rule engine. Compilation throws these; the wafv2 API maps them to
 * AWS's exceptions (WAFInvalidParameterException with Field/Parameter/Reason, or
 * WAFNonexistentItemException for a referenced set or group that does not exist).
 */

/** AWS's exception the API layer should answer with. */
export type WafConfigErrorCode =
  | 'WAFInvalidParameterException'
  | 'WAFNonexistentItemException'
  | 'WAFLimitsExceededException';

/** An invalid web ACL or rule group, found when it is compiled (never while traffic flows). */
export class WafConfigError extends Error {
  override readonly name = 'WafConfigError';
  /** AWS ParameterExceptionField, e.g. 'BYTE_MATCH_STATEMENT', 'IP_SET', 'RULE'. */
  readonly field: string;
  /** The offending parameter value or JSON path, e.g. 'Rules[2].Statement.RegexMatchStatement.RegexString'. */
  readonly parameter: string;
  /** Human-readable reason, as in AWS's Reason member. */
  readonly reason: string;
  readonly code: WafConfigErrorCode;

  constructor(field: string, parameter: string, reason: string, code: WafConfigErrorCode = 'WAFInvalidParameterException') {
    super(`${field} ${parameter}: ${reason}`);
    this.field = field;
    this.parameter = parameter;
    this.reason = reason;
    this.code = code;
  }
}
