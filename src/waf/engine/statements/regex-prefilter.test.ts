import fc from 'fast-check';
import RE2 from 're2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { managedRuleGroups } from '../../managed/index.js';
import { compileWebAcl } from '../compile.js';
import { deps, request } from '../test-fakes.js';
import type { InspectedRequest } from '../types.js';
import { requiredLiterals } from './regex-literals.js';
import { LiteralAutomaton, RegexPrefilters, type PrefilterGroup } from './regex-prefilter.js';
import type { EvalContext } from './types.js';

/** Every RegexString of the managed groups (as the rule files define them today). */
function managedPatterns(): string[] {
  const out = new Set<string>();
  const walk = (s: unknown): void => {
    if (s === null || typeof s !== 'object') return;
    for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
      if (k === 'RegexString' && typeof v === 'string') out.add(v);
      else walk(v);
    }
  };
  for (const g of managedRuleGroups.values()) walk(g.Rules);
  return [...out];
}

/** Whether the prefilter lets `input` through for `pattern` (every clause has a literal present). */
function passes(pattern: string, input: string): boolean {
  const cnf = requiredLiterals(pattern);
  if (cnf.length === 0) return true;
  const lits = [...new Set(cnf.flat())];
  const a = new LiteralAutomaton(lits);
  const n = a.scan(input);
  if (n < 0) return true;
  const found = new Set(Array.from(a.hits.subarray(0, n), (id) => lits[id]));
  return cnf.every((clause) => clause.some((l) => found.has(l)));
}

describe('requiredLiterals', () => {
  it('takes a plain literal, folded', () => {
    expect(requiredLiterals('java\\.lang\\.Runtime')).toEqual([['java.lang.runtime']]);
  });

  it('expands small alternations and optional parts into the literal', () => {
    expect(requiredLiterals('(?i)\\bsys(?:\\.|)(?:objects|columns)\\b')).toEqual([['sysobjects', 'syscolumns', 'sys.objects', 'sys.columns'].sort((a, b) => a.length - b.length || (a < b ? -1 : 1))]);
    expect(requiredLiterals('ab?c')).toEqual([['ac', 'abc']]);
  });

  it('keeps several clauses for separated requirements (CNF)', () => {
    const cnf = requiredLiterals('(?i)\\bunion\\b[\\s\\S]{0,40}\\bselect\\b');
    expect(cnf).toContainEqual(['union']);
    expect(cnf).toContainEqual(['select']);
  });

  it('gives up (always run) when a match can be empty or a branch has no literal', () => {
    expect(requiredLiterals('x*')).toEqual([]);
    expect(requiredLiterals('a|b*')).toEqual([]);
    expect(requiredLiterals('(?:abc)?')).toEqual([]);
    expect(requiredLiterals('(?:foo|\\d+)bar')).toEqual([['bar']]);
    expect(requiredLiterals('^\\s*$')).toEqual([]);
  });

  it('gives up on syntax it does not model', () => {
    expect(requiredLiterals('\\Qabc\\E')).toEqual([]);
    expect(requiredLiterals('abc\\1')).toEqual([]);
    expect(requiredLiterals('\\x{2028}abc')).toEqual([]);
    expect(requiredLiterals('ab{c')).toEqual([]);
    expect(requiredLiterals('(abc')).toEqual([]);
  });

  it('reads classes, escapes and flags', () => {
    expect(requiredLiterals('[/\\\\]etc[/\\\\]passwd')).toEqual([['/etc/passwd', '/etc\\passwd', '\\etc/passwd', '\\etc\\passwd']]);
    expect(requiredLiterals('\\x60id\\x{AC}')).toEqual([['`id\u00ac']]);
    expect(requiredLiterals('(?i:ABC)(?-i)def')).toEqual([['abcdef']]);
    expect(requiredLiterals('[^a]bc')).toEqual([['bc']]);
    // A repeated atom begins and ends its run: the literal extends into it, and resumes after it.
    expect(requiredLiterals('(?P<n>x)yz+')).toEqual([['xyz']]);
    expect(requiredLiterals('[/\\\\]\\.\\.+[/\\\\]')).toEqual([['/..', '\\..'], ['./', '.\\']]);
    expect(requiredLiterals('a(?:bc)+d')).toEqual([['abc'], ['bcd']]);
  });
});

describe('LiteralAutomaton', () => {
  it('finds overlapping literals case-insensitively, each once', () => {
    const lits = ['he', 'she', 'his', 'hers'];
    const a = new LiteralAutomaton(lits);
    const n = a.scan('USHERS and she');
    expect(Array.from(a.hits.subarray(0, n), (i) => lits[i]).sort()).toEqual(['he', 'hers', 'she']);
    expect(a.scan('nothing here? "h-e"')).toBe(1); // 'he' in "here"
    expect(a.scan('xyz')).toBe(0);
  });

  it('folds Latin-1 letters like RE2 (?i) does within bytes', () => {
    const a = new LiteralAutomaton(['\u00e9t\u00e9']);
    expect(a.scan('\u00c9T\u00c9')).toBe(1);
  });

  it('reports strings that are not byte strings', () => {
    expect(new LiteralAutomaton(['a']).scan('a\u2028')).toBe(-1);
  });
});

describe('the prefilter gives the regex answer', () => {
  const handmade = [
    '(?i)foo(?:bar|baz)?qux', 'ab?c', '(?i)\\bsel(?:ect)?\\s+\\w+', '(?:^|[;|&])\\s*(?:cat|ls)\\s', '\\$\\{(?:jndi|env):', '[a-c]{2}x',
    '(?i)(?:\\.\\./|\\.\\.\\\\)+', 'x(?:ab)+?y', '(?i:HeLLo)\\s*world', '\\bunion\\b[\\s\\S]{0,10}select',
  ];
  const patterns = [...handmade, ...managedPatterns()];

  it('on random inputs drawn from each pattern\'s literals', () => {
    let matched = 0;
    let skipped = 0;
    for (const pattern of patterns) {
      const re = new RE2(Buffer.from(pattern, 'utf8').toString('latin1'));
      const pieces = [...new Set(requiredLiterals(pattern).flat()), ' ', '/', '(', ';', '|', '..', '\\', '$', '{', ':', '0', '\n', 'a', '%'];
      const piece = fc.oneof(
        fc.constantFrom(...pieces).chain((p) => fc.array(fc.boolean(), { minLength: p.length, maxLength: p.length }).map((up) => [...p].map((ch, i) => (up[i] ? ch.toUpperCase() : ch)).join(''))),
        fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
      );
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
          const s = parts.join('');
          const m = re.test(s);
          if (m) {
            matched++;
            expect(passes(pattern, s), `${pattern} on ${JSON.stringify(s)}`).toBe(true);
          } else if (!passes(pattern, s)) skipped++;
        }),
        { numRuns: 60 },
      );
    }
    // Not vacuous: the inputs both match regexes and let the prefilter skip some.
    expect(matched).toBeGreaterThan(patterns.length);
    expect(skipped).toBeGreaterThan(patterns.length);
  });

  it('on known matches', () => {
    const samples: [string, string][] = [
      ['(?i)foo(?:bar|baz)?qux', 'xxFOOBAZQUX'], ['(?i)foo(?:bar|baz)?qux', 'fooqux'], ['ab?c', 'ac'], ['(?i)\\bsel(?:ect)?\\s+\\w+', 'SEL  x'],
      ['(?:^|[;|&])\\s*(?:cat|ls)\\s', ';ls '], ['\\$\\{(?:jndi|env):', '${env:'], ['[a-c]{2}x', 'cbx'], ['x(?:ab)+?y', 'xababy'], ['(?i:HeLLo)\\s*world', 'HELLOworld'],
    ];
    for (const [p, s] of samples) {
      expect(new RE2(p).test(s), `${p} ~ ${s}`).toBe(true);
      expect(passes(p, s), `${p} ~ ${s}`).toBe(true);
    }
  });
});

/** A rule blocking when `pattern` matches the URL-decoded query string. */
const rule = (name: string, priority: number, pattern: string) => ({
  Name: name,
  Priority: priority,
  Action: { Block: {} },
  VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: name },
  Statement: { RegexMatchStatement: { RegexString: pattern, FieldToMatch: { QueryString: {} }, TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }] } },
});
/** A web ACL of `rules`, allowing by default. */
const spec = (rules: unknown[]) => ({ Name: 'pf', DefaultAction: { Allow: {} }, VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: 'pf' }, Rules: rules });

describe('RegexMatchStatement with the prefilter', () => {
  const acl = (prefilter: boolean) => compileWebAcl(spec([rule('evil', 0, '(?i)evil\\d+'), rule('free', 1, '^\\d{3}$')]), deps({ regexPrefilter: prefilter }));
  const q = (query: string): InspectedRequest => request({ queryString: query });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never runs a regex whose literal is absent; runs a lone candidate; decides several with one RE2.Set pass', () => {
    const withPf = acl(true);
    const test = vi.spyOn(RE2.prototype, 'test');
    const setMatch = vi.spyOn(RE2.Set.prototype, 'match');
    expect(withPf.evaluate(q('hello=world')).action).toBe('ALLOW');
    // 'evil' is absent: only '^\d{3}$' (no literal) is a candidate, and runs alone.
    // (RE2 is given a byte string's UTF-8 encoding as a Buffer, made once per request and value.)
    expect(test.mock.calls.map((c) => String(c[0]))).toEqual(['hello=world']);
    expect(setMatch).not.toHaveBeenCalled();
    test.mockClear();
    // Both patterns are candidates on a short value: two regex runs cost less than a set pass.
    expect(withPf.evaluate(q('x=EVIL')).action).toBe('ALLOW');
    expect(test).toHaveBeenCalledTimes(2);
    expect(setMatch).not.toHaveBeenCalled();
    test.mockClear();
    // …on a long value one set pass decides both.
    const pad = `&pad=${'a'.repeat(300)}`;
    expect(withPf.evaluate(q(`x=EVIL${pad}`)).action).toBe('ALLOW');
    expect(withPf.evaluate(q(`x=%45vil42${pad}`)).terminatingRuleId).toBe('evil');
    expect(test).not.toHaveBeenCalled();
    expect(setMatch).toHaveBeenCalledTimes(2);
    expect(withPf.evaluate(q('x=%45vil42')).terminatingRuleId).toBe('evil');
    expect(withPf.evaluate(q('123')).terminatingRuleId).toBe('free');
  });

  it('falls back to each regex when the set fails on an input', () => {
    const withPf = acl(true);
    vi.spyOn(RE2.Set.prototype, 'match').mockImplementation(() => {
      throw new Error('RE2.Set matching failed: out of memory.');
    });
    const test = vi.spyOn(RE2.prototype, 'test');
    const pad = `&pad=${'a'.repeat(300)}`;
    expect(withPf.evaluate(q(`x=%45vil42${pad}`)).terminatingRuleId).toBe('evil');
    expect(withPf.evaluate(q(`x=EVIL${pad}`)).action).toBe('ALLOW');
    expect(test).toHaveBeenCalled();
  });

  it('without the prefilter every regex runs', () => {
    const without = acl(false);
    const spy = vi.spyOn(RE2.prototype, 'test');
    expect(without.evaluate(q('hello=world')).action).toBe('ALLOW');
    expect(spy).toHaveBeenCalledTimes(2);
  });
});

describe('PrefilterGroup scans reuse their arrays across requests', () => {
  const patterns = ['(?i)evil\\d+', '(?i)union\\s+select', 'foo|bar', '^\\d{3}$', '(?i)<script', 'a.*b.*c', '(?i)(?:sh|bash)\\s+-c', '(?i)caf\u00e9', '[\\x80-\\xff]{2}', '^.{3}$'];
  function setup(): { g: PrefilterGroup; pfs: ReturnType<PrefilterGroup['add']>[]; res: RE2[] } {
    const reg = new RegexPrefilters();
    const g = reg.group('k');
    const pfs = patterns.map((p) => g.add(p));
    reg.seal();
    return { g, pfs, res: patterns.map((p) => new RE2(p)) };
  }
  const newCtx = (): EvalContext => ({ prefilter: [] }) as unknown as EvalContext;
  /** Each pattern's verdict per value through the prefilter; possible() must agree with them. */
  function verdicts(g: PrefilterGroup, pfs: ReturnType<PrefilterGroup['add']>[], res: RE2[], ctx: EvalContext, values: string[]): boolean[][] {
    const scan = g.scan(ctx, values);
    return pfs.map((pf, i) => {
      const per = values.map((_, v) => g.test(scan, pf, values, v, res[i]!));
      if (!g.possible(scan, pf)) expect(per.every((x) => !x)).toBe(true);
      return per;
    });
  }
  const plain = (res: RE2[], values: string[]): boolean[][] => res.map((re) => values.map((x) => re.test(x)));
  const token = fc.constantFrom('evil', 'EVIL', '42', '123', 'union', ' ', 'select', 'foo', 'bar', '<SCRIPT', 'a', 'b', 'c', 'sh', 'bash', ' -c', 'x', '\u0100', 'caf', '\xe9', '\xc9', '\xff', '\x80', '\ud83d');
  const values = fc.array(fc.array(token, { maxLength: 12 }).map((a) => a.join('')), { maxLength: 9 });

  it('give each regex\'s verdicts for requests of any shape, one after another, through a stamp wrap-around', () => {
    const { g, pfs, res } = setup();
    let n = 0;
    fc.assert(fc.property(values, (vals) => {
      // Half-way, push the stamps to their limit so the arrays are cleared and stamps restart.
      if (++n === 500) {
        const inner = g as unknown as { pool: { stamp: number } | null; leftMark: number };
        if (inner.pool !== null) inner.pool.stamp = 0x3fffffff - 1;
        inner.leftMark = 0x3fffffff - 3;
      }
      expect(verdicts(g, pfs, res, newCtx(), vals)).toEqual(plain(res, vals));
    }), { numRuns: 1000 });
  });

  it('redo a scan that another evaluation\'s scan replaced, instead of misreading it', () => {
    const { g, pfs, res } = setup();
    const a = ['evil42 union select', '123', 'foo'];
    const b = ['bar', 'x', 'bash -c'];
    const big = ['bar', 'x', 'bash -c', '<script', 'abc', 'y', 'z', 'w', 'v', 'u'];
    const ctxA = newCtx();
    expect(verdicts(g, pfs, res, ctxA, a)).toEqual(plain(res, a));
    expect(verdicts(g, pfs, res, newCtx(), b)).toEqual(plain(res, b)); // same arrays, new stamp
    expect(verdicts(g, pfs, res, ctxA, a)).toEqual(plain(res, a));
    expect(verdicts(g, pfs, res, newCtx(), big)).toEqual(plain(res, big)); // grows the pool
    expect(verdicts(g, pfs, res, ctxA, a)).toEqual(plain(res, a));
  });

  it('clear their marks when the stamps restart (no clause of an old request counts)', () => {
    const { g, pfs } = setup();
    const first = g.scan(newCtx(), ['evil42']);
    expect(g.possible(first, pfs[0]!)).toBe(true);
    const inner = g as unknown as { pool: { stamp: number } };
    inner.pool.stamp = 0x3fffffff; // the next scan restarts at the first scan's stamp
    const next = g.scan(newCtx(), ['nothing here']);
    expect(next.stamp).toBe(first.stamp);
    expect(g.possible(next, pfs[0]!)).toBe(false);
    expect(Array.from(next.sat.subarray(0, g.clauseCount))).not.toContain(next.stamp);
    expect(g.possible(next, pfs[3]!)).toBe(true); // '^\d{3}$' has no literal: always a candidate
  });
});

describe('RE2 on a byte string\'s UTF-8 Buffer', () => {
  it('gives the same verdict as on the string, for every managed pattern', () => {
    const res = managedPatterns().map((p) => new RE2(Buffer.from(p, 'utf8').toString('latin1')));
    const bytes = fc.array(fc.oneof(fc.constantFrom(...'/etc/passwd <script> union select ${jndi: 1=1 -- ;cat /bin/sh \x00\xe9\xc3\xa9\xff'.split(' ')), fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a).toString('latin1'))), { maxLength: 8 }).map((a) => a.join(' '));
    fc.assert(fc.property(bytes, (s) => {
      const b = Buffer.from(s, 'utf8');
      for (const re of res) expect(re.test(b), `${re.source} on ${JSON.stringify(s)}`).toBe(re.test(s));
    }), { numRuns: 300 });
  });
});

describe('web ACLs compiled in one thread', () => {
  const A = [rule('evil', 0, '(?i)evil\\d+'), rule('free', 1, '^\\d{3}$'), rule('sel', 2, '(?i)union\\s+select')];
  // B shares two patterns and some literals with A, in another order, plus its own.
  const B = [rule('sel', 0, '(?i)union\\s+select'), rule('evil', 1, '(?i)evil\\d+'), rule('bash', 2, '(?i)(?:sh|bash)\\s+-c')];

  it('share compiled patterns, RE2.Sets and literal automata (a recompile builds none again), and each evaluates as if compiled alone', () => {
    const set = vi.spyOn(RE2, 'Set');
    const a = compileWebAcl(spec(A), deps());
    const b = compileWebAcl(spec(B), deps());
    const built = set.mock.calls.length;
    expect(built).toBe(2); // one set per web ACL: their pattern lists differ
    const a2 = compileWebAcl(spec(A), deps());
    const b2 = compileWebAcl(spec(B), deps());
    expect(set.mock.calls.length).toBe(built);
    set.mockRestore();
    const plainA = compileWebAcl(spec(A), deps({ regexPrefilter: false }));
    const plainB = compileWebAcl(spec(B), deps({ regexPrefilter: false }));
    const token = fc.constantFrom('evil', 'EVIL', '42', '123', 'union', ' ', '%20', 'select', 'sh', 'bash', ' -c', 'x', '&');
    fc.assert(fc.property(fc.array(token, { maxLength: 10 }).map((t) => t.join('')), (q) => {
      const req = request({ queryString: q });
      // Interleaved: each evaluation's scans use the shared automaton between the others'.
      const want = [plainA.evaluate(req).terminatingRuleId, plainB.evaluate(req).terminatingRuleId];
      expect([a.evaluate(req).terminatingRuleId, b.evaluate(req).terminatingRuleId]).toEqual(want);
      expect([b2.evaluate(req).terminatingRuleId, a2.evaluate(req).terminatingRuleId]).toEqual([want[1], want[0]]);
    }), { numRuns: 500 });
  });
});
