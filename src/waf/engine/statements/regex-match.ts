/** RegexMatchStatement: one regular expression (RE2) against a transformed component. */
import { compileInspector, forced, inspect } from './inspect.js';
import { compileRegex } from './regex.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { str } from './util.js';
import { fieldWcu } from './wcu.js';

export const regexMatchStatement: StatementEntry = {
  name: 'RegexMatchStatement',
  field: 'REGEX_PATTERN_REFERENCE_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const re = compileRegex(str(spec, 'RegexString', 'REGEX_PATTERN_REFERENCE_STATEMENT', cc.path), 'REGEX_PATTERN_REFERENCE_STATEMENT', `${cc.path}.RegexString`);
    const fi = compileInspector(spec, cc, 'REGEX_PATTERN_REFERENCE_STATEMENT');
    return {
      matches(ctx: EvalContext): boolean {
        const fv = inspect(ctx, fi);
        const f = forced(fv);
        if (f !== undefined) return f;
        const vals = fv.values;
        for (let i = 0; i < vals.length; i++) if (re.test(vals[i]!)) return true;
        return false;
      },
    };
  },
  capacity(spec: Json): number {
    return fieldWcu(3, spec);
  },
};
