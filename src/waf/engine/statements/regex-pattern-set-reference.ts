/** RegexPatternSetReferenceStatement: any pattern of a regex pattern set against a component. */
import RE2 from 're2';
import { WafConfigError } from '../errors.js';
import { compileInspector, forced, inspect } from './inspect.js';
import { compileRegex, type ByteRegex } from './regex.js';
import type { CompiledStatement, EvalContext, Json, StatementEntry } from './types.js';
import { isObject, str, utf8ToByteString } from './util.js';
import { fieldWcu } from './wcu.js';

export const regexPatternSetReferenceStatement: StatementEntry = {
  name: 'RegexPatternSetReferenceStatement',
  field: 'REGEX_PATTERN_REFERENCE_STATEMENT',
  compile(spec, cc): CompiledStatement {
    const arn = str(spec, 'ARN', 'REGEX_PATTERN_REFERENCE_STATEMENT', cc.path);
    const set = cc.deps.resolveRegexPatternSet(arn);
    if (!set) throw new WafConfigError('REGEX_PATTERN_SET', arn, 'the referenced regex pattern set does not exist', 'WAFNonexistentItemException');
    const list = Array.isArray(set['RegularExpressionList']) ? set['RegularExpressionList'] : [];
    const patterns: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      const p = isObject(r) ? r['RegexString'] : undefined;
      if (typeof p !== 'string') throw new WafConfigError('REGEX_PATTERN_SET', `${arn}.RegularExpressionList[${i}]`, 'RegexString is required');
      compileRegex(p, 'REGEX_PATTERN_SET', `${arn}.RegularExpressionList[${i}]`); // validates each pattern alone
      patterns.push(p);
    }
    // One alternation is one RE2 scan per value instead of one per pattern; flags like (?i) stay
    // scoped to their own group.
    let re: ByteRegex | null = null;
    let source: string | undefined;
    if (patterns.length > 0) {
      try {
        source = patterns.map((p) => `(?:${utf8ToByteString(p)})`).join('|');
        re = new RE2(source) as unknown as ByteRegex;
      } catch {
        source = undefined;
        const each = patterns.map((p, i) => compileRegex(p, 'REGEX_PATTERN_SET', `${arn}[${i}]`));
        re = { test: (s: string | Buffer) => each.some((r) => r.test(s)) };
      }
    }
    const fi = compileInspector(spec, cc, 'REGEX_PATTERN_REFERENCE_STATEMENT');
    // The alternation's required literals (one per branch, or none) feed the regex prefilter.
    const pf = source !== undefined ? cc.prefilters?.group(fi.cacheKey).add(source) : undefined;
    return {
      matches(ctx: EvalContext): boolean {
        if (re === null) return false;
        const fv = inspect(ctx, fi);
        const f = forced(fv);
        if (f !== undefined) return f;
        const vals = fv.values;
        if (pf !== undefined && pf.group.sealed && vals.length > 0) {
          const scan = pf.group.scan(ctx, vals);
          if (!pf.group.possible(scan, pf)) return false;
          for (let i = 0; i < vals.length; i++) if (pf.group.test(scan, pf, vals, i, re)) return true;
          return false;
        }
        for (let i = 0; i < vals.length; i++) if (re.test(vals[i]!)) return true;
        return false;
      },
    };
  },
  capacity(spec: Json): number {
    return fieldWcu(25, spec);
  },
};
