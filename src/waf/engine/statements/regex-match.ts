/** RegexMatchStatement: one regular expression (RE2) against a transformed component. */
import { compileInspector, forced, inspect } from './inspect.js';
import { compileRegex } from './regex.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { str, utf8ToByteString } from './util.js';
import { fieldWcu } from './wcu.js';

export const regexMatchStatement: StatementEntry = {
  name: 'RegexMatchStatement',
  field: 'REGEX_PATTERN_REFERENCE_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const pattern = str(spec, 'RegexString', 'REGEX_PATTERN_REFERENCE_STATEMENT', cc.path);
    const re = compileRegex(pattern, 'REGEX_PATTERN_REFERENCE_STATEMENT', `${cc.path}.RegexString`);
    const fi = compileInspector(spec, cc, 'REGEX_PATTERN_REFERENCE_STATEMENT');
    // The literals this pattern requires, scanned once per (field, chain) value and request.
    const pf = cc.prefilters?.group(fi.cacheKey).add(utf8ToByteString(pattern));
    if (pf !== undefined) {
      const group = pf.group;
      return {
        matches(ctx: EvalContext): boolean {
          const fv = inspect(ctx, fi);
          const f = forced(fv);
          if (f !== undefined) return f;
          const vals = fv.values;
          if (vals.length === 0) return false;
          // Not sealed: compiled outside a web ACL (e.g. rule group validation); run the regex.
          if (!group.sealed) {
            for (let i = 0; i < vals.length; i++) if (re.test(vals[i]!)) return true;
            return false;
          }
          const scan = group.scan(ctx, vals);
          if (!group.possible(scan, pf)) return false;
          for (let i = 0; i < vals.length; i++) if (group.test(scan, pf, vals, i, re)) return true;
          return false;
        },
      };
    }
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
