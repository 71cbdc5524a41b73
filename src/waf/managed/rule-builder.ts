/**
 * Small builders for the wafv2 rule JSON our managed rule groups are written in. A managed group is
 * ordinary rules compiled by the engine, so these only spell out the JSON (fields, transformations,
 * statements) once instead of in every group file.
 */
/** wafv2 JSON. */
export type Json = Record<string, unknown>;

/** A TextTransformationType name. */
export type Transform =
  | 'URL_DECODE' | 'URL_DECODE_UNI' | 'HTML_ENTITY_DECODE' | 'LOWERCASE' | 'CMD_LINE' | 'COMPRESS_WHITE_SPACE'
  | 'NORMALIZE_PATH' | 'NORMALIZE_PATH_WIN' | 'JS_DECODE' | 'REMOVE_NULLS' | 'REPLACE_COMMENTS' | 'ESCAPE_SEQ_DECODE'
  | 'UTF8_TO_UNICODE' | 'BASE64_DECODE' | 'HEX_DECODE' | 'SQL_HEX_DECODE' | 'CSS_DECODE';

/** FieldToMatch JSON for the request components the AWS managed rules inspect. */
export const field = {
  uriPath: (): Json => ({ UriPath: {} }),
  queryString: (): Json => ({ QueryString: {} }),
  allQueryArgs: (): Json => ({ AllQueryArguments: {} }),
  method: (): Json => ({ Method: {} }),
  /** The body as one string; larger than the inspection limit → `oversize` decides. */
  body: (oversize: 'CONTINUE' | 'MATCH' | 'NO_MATCH' = 'CONTINUE'): Json => ({ Body: { OversizeHandling: oversize } }),
  header: (name: string): Json => ({ SingleHeader: { Name: name } }),
  /** Every header; `scope` ALL inspects names and values. */
  headers: (scope: 'ALL' | 'KEY' | 'VALUE' = 'ALL'): Json => ({ Headers: { MatchPattern: { All: {} }, MatchScope: scope, OversizeHandling: 'CONTINUE' } }),
  /** Every cookie. */
  cookies: (scope: 'ALL' | 'KEY' | 'VALUE' = 'ALL'): Json => ({ Cookies: { MatchPattern: { All: {} }, MatchScope: scope, OversizeHandling: 'CONTINUE' } }),
};

function tt(list: readonly Transform[]): Json[] {
  return list.length === 0 ? [{ Priority: 0, Type: 'NONE' }] : list.map((Type, Priority) => ({ Priority, Type }));
}

/** AWS's limit on a RegexString. */
export const MAX_REGEX_LENGTH = 512;

/**
 * RegexMatchStatement (RE2 syntax); a list of patterns becomes an OrStatement of one
 * RegexMatchStatement per pattern (see split()).
 */
export function regex(pattern: string | readonly string[], fieldToMatch: Json, transforms: readonly Transform[] = []): Json {
  if (typeof pattern !== 'string') return or(...pattern.map((p) => regex(p, fieldToMatch, transforms)));
  return { RegexMatchStatement: { RegexString: pattern, FieldToMatch: fieldToMatch, TextTransformations: tt(transforms) } };
}

/**
 * `prefix(?:a|b|…)suffix` split into as few patterns as AWS's 512-character limit allows (each
 * pattern keeps the prefix and suffix). Matching any of them equals matching the whole.
 */
export function split(prefix: string, alternatives: readonly string[], suffix = ''): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const a of alternatives) {
    const next = [...cur, a];
    if (cur.length > 0 && `${prefix}${alt(next)}${suffix}`.length > MAX_REGEX_LENGTH) {
      out.push(`${prefix}${alt(cur)}${suffix}`);
      cur = [a];
    } else cur = next;
  }
  if (cur.length > 0) out.push(`${prefix}${alt(cur)}${suffix}`);
  for (const p of out) if (p.length > MAX_REGEX_LENGTH) throw new Error(`pattern longer than ${MAX_REGEX_LENGTH}: ${p.slice(0, 60)}…`);
  return out;
}

/** ByteMatchStatement. */
export function bytes(search: string, position: 'EXACTLY' | 'STARTS_WITH' | 'ENDS_WITH' | 'CONTAINS' | 'CONTAINS_WORD', fieldToMatch: Json, transforms: readonly Transform[] = []): Json {
  return { ByteMatchStatement: { SearchString: search, PositionalConstraint: position, FieldToMatch: fieldToMatch, TextTransformations: tt(transforms) } };
}

/** SizeConstraintStatement. */
export function size(op: 'GT' | 'GE' | 'LT' | 'LE' | 'EQ' | 'NE', n: number, fieldToMatch: Json): Json {
  return { SizeConstraintStatement: { ComparisonOperator: op, Size: n, FieldToMatch: fieldToMatch, TextTransformations: tt([]) } };
}

/** SqliMatchStatement. */
export function sqli(fieldToMatch: Json, transforms: readonly Transform[], sensitivity: 'LOW' | 'HIGH' = 'LOW'): Json {
  return { SqliMatchStatement: { FieldToMatch: fieldToMatch, TextTransformations: tt(transforms), SensitivityLevel: sensitivity } };
}

/** XssMatchStatement. */
export function xss(fieldToMatch: Json, transforms: readonly Transform[]): Json {
  return { XssMatchStatement: { FieldToMatch: fieldToMatch, TextTransformations: tt(transforms) } };
}

/** OrStatement (a single statement is returned as is: AWS requires two or more). */
export function or(...statements: Json[]): Json {
  return statements.length === 1 ? statements[0]! : { OrStatement: { Statements: statements } };
}

/** AndStatement. */
export function and(...statements: Json[]): Json {
  return { AndStatement: { Statements: statements } };
}

/** NotStatement. */
export function not(statement: Json): Json {
  return { NotStatement: { Statement: statement } };
}

/**
 * A managed rule with AWS's name and label (the label is relative to the group's namespace; AWS's
 * labels differ from rule names in case, e.g. rule NoUserAgent_HEADER, label NoUserAgent_Header).
 */
export function rule(name: string, label: string, priority: number, statement: Json, action: 'Block' | 'Count' = 'Block'): Json {
  return {
    Name: name,
    Priority: priority,
    Statement: statement,
    Action: { [action]: {} },
    RuleLabels: [{ Name: label }],
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name },
  };
}

/** Joins alternatives into one RE2 group `(?:a|b|c)`. */
export function alt(words: readonly string[]): string {
  return `(?:${words.join('|')})`;
}
