/** AndStatement, OrStatement, NotStatement: short-circuit combinations; WCU is the sum of the nested statements. */
import { WafConfigError } from '../errors.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';

function nested(spec: Json, field: string, path: string, cc: { child(s: unknown, p: string): CompiledStatement }): CompiledStatement[] {
  const list = spec['Statements'];
  if (!Array.isArray(list) || list.length === 0) throw new WafConfigError(field, `${path}.Statements`, 'Statements must contain at least one statement');
  return list.map((s, i) => cc.child(s, `Statements[${i}]`));
}

export const andStatement: StatementEntry = {
  name: 'AndStatement',
  field: 'AND_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const list = nested(spec, 'AND_STATEMENT', cc.path, cc);
    return {
      matches(ctx: EvalContext): boolean {
        for (let i = 0; i < list.length; i++) if (!list[i]!.matches(ctx)) return false;
        return true;
      },
    };
  },
  capacity(spec, cap): number {
    const list = spec['Statements'];
    return Array.isArray(list) ? list.reduce((n: number, s) => n + cap.statement(s), 0) : 0;
  },
};

export const orStatement: StatementEntry = {
  name: 'OrStatement',
  field: 'OR_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const list = nested(spec, 'OR_STATEMENT', cc.path, cc);
    return {
      matches(ctx: EvalContext): boolean {
        for (let i = 0; i < list.length; i++) if (list[i]!.matches(ctx)) return true;
        return false;
      },
    };
  },
  capacity: andStatement.capacity,
};

export const notStatement: StatementEntry = {
  name: 'NotStatement',
  field: 'NOT_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const inner = cc.child(spec['Statement'], 'Statement');
    return { matches: (ctx: EvalContext) => !inner.matches(ctx) };
  },
  capacity(spec, cap): number {
    return cap.statement(spec['Statement']);
  },
};
