/** XssMatchStatement: the project's cross-site scripting detector over a transformed component. */
import { compileInspector, forced, inspect } from './inspect.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { fieldWcu } from './wcu.js';

export const xssMatchStatement: StatementEntry = {
  name: 'XssMatchStatement',
  field: 'XSS_MATCH_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const fi = compileInspector(spec, cc, 'XSS_MATCH_STATEMENT');
    const detectors = cc.deps.detectors;
    return {
      matches(ctx: EvalContext): boolean {
        const fv = inspect(ctx, fi);
        const f = forced(fv);
        if (f !== undefined) return f;
        const vals = fv.values;
        for (let i = 0; i < vals.length; i++) {
          if (detectors.xss(vals[i]!)) {
            ctx.details.push({ conditionType: 'XSS', location: fi.field.location, matchedData: [vals[i]!.slice(0, 64)] });
            return true;
          }
        }
        return false;
      },
    };
  },
  capacity(spec: Json): number {
    return fieldWcu(40, spec);
  },
};
