/** SqliMatchStatement: the project's SQL injection detector over a transformed component. */
import { compileInspector, forced, inspect } from './inspect.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { oneOf } from './util.js';
import { fieldWcu } from './wcu.js';

export const sqliMatchStatement: StatementEntry = {
  name: 'SqliMatchStatement',
  field: 'SQLI_MATCH_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const level = oneOf(spec, 'SensitivityLevel', ['LOW', 'HIGH'] as const, 'SQLI_MATCH_STATEMENT', cc.path, 'LOW');
    const fi = compileInspector(spec, cc, 'SQLI_MATCH_STATEMENT');
    const detectors = cc.deps.detectors;
    return {
      matches(ctx: EvalContext): boolean {
        const fv = inspect(ctx, fi);
        const f = forced(fv);
        if (f !== undefined) return f;
        const vals = fv.values;
        for (let i = 0; i < vals.length; i++) {
          if (detectors.sqli(vals[i]!, level)) {
            ctx.details.push({ conditionType: 'SQL_INJECTION', location: fi.field.location, matchedData: [vals[i]!.slice(0, 64)], sensitivityLevel: level });
            return true;
          }
        }
        return false;
      },
    };
  },
  capacity(spec: Json): number {
    return fieldWcu(spec['SensitivityLevel'] === 'HIGH' ? 30 : 20, spec);
  },
};
