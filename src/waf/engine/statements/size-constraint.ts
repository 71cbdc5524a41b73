/** SizeConstraintStatement: compares the byte length of a component, after transformations, to Size. */
import { WafConfigError } from '../errors.js';
import { compileInspector, forced, inspect } from './inspect.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { num, oneOf } from './util.js';
import { fieldWcu } from './wcu.js';

const OPS = ['EQ', 'NE', 'LE', 'LT', 'GE', 'GT'] as const;

export function compareSize(n: number, op: (typeof OPS)[number], size: number): boolean {
  switch (op) {
    case 'EQ': return n === size;
    case 'NE': return n !== size;
    case 'LE': return n <= size;
    case 'LT': return n < size;
    case 'GE': return n >= size;
    case 'GT': return n > size;
  }
}

export const sizeConstraintStatement: StatementEntry = {
  name: 'SizeConstraintStatement',
  field: 'SIZE_CONSTRAINT_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const op = oneOf(spec, 'ComparisonOperator', OPS, 'SIZE_CONSTRAINT_STATEMENT', cc.path);
    const size = num(spec, 'Size', 'SIZE_CONSTRAINT_STATEMENT', cc.path);
    if (!Number.isInteger(size) || size < 0 || size > 21474836480) {
      throw new WafConfigError('SIZE_CONSTRAINT_STATEMENT', `${cc.path}.Size`, 'Size must be an integer from 0 to 21474836480');
    }
    const fi = compileInspector(spec, cc, 'SIZE_CONSTRAINT_STATEMENT');
    return {
      matches(ctx: EvalContext): boolean {
        const fv = inspect(ctx, fi);
        const f = forced(fv);
        if (f !== undefined) return f;
        const vals = fv.values;
        // Values are byte strings: length is the size in bytes.
        for (let i = 0; i < vals.length; i++) if (compareSize(vals[i]!.length, op, size)) return true;
        return false;
      },
    };
  },
  capacity(spec: Json): number {
    return fieldWcu(1, spec);
  },
};
