/** The contract of FieldToMatch extraction: compiled extractors that pull byte strings from a request. */
import type { InspectedRequest } from '../types.js';

/** Values to inspect (a statement matches if any value matches), or an oversize/invalid signal. */
export type FieldValues =
  | { readonly kind: 'values'; readonly values: readonly string[] }
  /** The component exceeded what AWS WAF inspects; `values` is what could be inspected (for CONTINUE). */
  | { readonly kind: 'oversize'; readonly handling: 'CONTINUE' | 'MATCH' | 'NO_MATCH'; readonly values: readonly string[] }
  /**
   * The component could not be inspected: JsonBody that failed to parse (InvalidFallbackBehavior),
   * or an absent UriFragment/JA3/JA4 with a FallbackBehavior. EVALUATE_AS_STRING carries the body text.
   */
  | { readonly kind: 'invalid'; readonly fallback: 'MATCH' | 'NO_MATCH' | 'EVALUATE_AS_STRING'; readonly values: readonly string[] };

/** A compiled FieldToMatch. */
export interface FieldExtractor {
  /** Stable cache key of this field configuration (equal keys extract equal values). */
  readonly key: string;
  /** For log match details, e.g. 'HEADER', 'QUERY_STRING', 'BODY', 'URI'. */
  readonly location: string;
  /** Values to inspect, or an oversize/invalid signal. */
  extract(req: InspectedRequest): FieldValues;
}

/** Web ACL settings that field extraction depends on. */
export interface FieldOptions {
  /** The web ACL's body inspection limit in bytes (8192 by default in AWS; up to 65536). */
  readonly bodyLimitBytes: number;
}

/** Compiles the member of FieldToMatch one field type owns (its JSON value) into an extractor. */
export type FieldFactory = (config: unknown, opts: FieldOptions) => FieldExtractor;

/** The empty value list, shared. */
export const NO_VALUES: readonly string[] = Object.freeze([]);
