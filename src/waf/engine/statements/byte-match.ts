/** ByteMatchStatement (the console's "string match"): a search string at a position in a component. */
import { WafConfigError } from '../errors.js';
import { compileInspector, forced, inspect } from './inspect.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { blobToByteString, oneOf } from './util.js';
import { fieldWcu } from './wcu.js';

const POSITIONS = ['EXACTLY', 'STARTS_WITH', 'ENDS_WITH', 'CONTAINS', 'CONTAINS_WORD'] as const;
type Position = (typeof POSITIONS)[number];

/** AWS's word characters for CONTAINS_WORD: A-Z, a-z, 0-9 and underscore. */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** True when `v` matches `s` at `pos` (byte strings). */
export function byteMatches(v: string, s: string, pos: Position): boolean {
  switch (pos) {
    case 'EXACTLY':
      return v === s;
    case 'STARTS_WITH':
      return v.startsWith(s);
    case 'ENDS_WITH':
      return v.endsWith(s);
    case 'CONTAINS':
      return v.includes(s);
    case 'CONTAINS_WORD': {
      // The string must be delimited on both sides by the value's edge or a non-word character;
      // every occurrence is tried ("BadBot" in "xBadBot;BadBot" matches at the second).
      let i = v.indexOf(s);
      while (i >= 0) {
        const end = i + s.length;
        if ((i === 0 || !isWordChar(v.charCodeAt(i - 1))) && (end === v.length || !isWordChar(v.charCodeAt(end)))) return true;
        i = v.indexOf(s, i + 1);
      }
      return false;
    }
  }
}

export const byteMatchStatement: StatementEntry = {
  name: 'ByteMatchStatement',
  field: 'BYTE_MATCH_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const search = blobToByteString(spec['SearchString']);
    if (search === undefined || search.length === 0) {
      throw new WafConfigError('BYTE_MATCH_STATEMENT', `${cc.path}.SearchString`, 'SearchString is required');
    }
    if (search.length > 200) throw new WafConfigError('BYTE_MATCH_STATEMENT', `${cc.path}.SearchString`, 'SearchString is longer than 200 bytes');
    const pos = oneOf(spec, 'PositionalConstraint', POSITIONS, 'BYTE_MATCH_STATEMENT', cc.path);
    const fi = compileInspector(spec, cc, 'BYTE_MATCH_STATEMENT');
    return {
      matches(ctx: EvalContext): boolean {
        const fv = inspect(ctx, fi);
        const f = forced(fv);
        if (f !== undefined) return f;
        const vals = fv.values;
        for (let i = 0; i < vals.length; i++) if (byteMatches(vals[i]!, search, pos)) return true;
        return false;
      },
    };
  },
  capacity(spec: Json): number {
    const pos = spec['PositionalConstraint'];
    const base = pos === 'CONTAINS' || pos === 'CONTAINS_WORD' ? 10 : 2;
    return fieldWcu(base, spec);
  },
};
