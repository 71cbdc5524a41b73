/**
 * Dev tool, not a conformance test: prints the SQLi detection rates, every missed CRS 942xxx case
 * with the fingerprints of its parts in each context, the benign-corpus false positives, and the
 * per-input cost. Skipped unless DETECT_REPORT is set:
 *
 *   DETECT_REPORT=1 npx vitest run src/waf/detect/report.test.ts
 *   DETECT_REPORT=misses-low (or misses-high) ...   also list the cases missed at that level, with fingerprints
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { detectSqli, detectXss, foldSql, tokenizeSql } from './index.js';
import { loadCrsCases } from './test-helpers.js';
import { BENIGN_CORPUS } from './benign-corpus.js';

const MODE = process.env.DETECT_REPORT;
const skipped = JSON.parse(readFileSync(new URL('./skipped.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>;
const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

function fingerprints(s: string): string {
  const fp = (q?: '\'' | '"', bs = true): string => foldSql(tokenizeSql(s, q, bs)).slice(0, 10).map((t) => t.type).join('');
  return `as-is:${fp()} sq:${fp('\'')} ansi:${fp('\'', false)} dq:${fp('"')}`;
}

describe.skipIf(MODE === undefined)('detector report', () => {
  const sqli = loadCrsCases('942');
  const xss = loadCrsCases('941');
  const skip = skipped.sqli ?? {};
  const counted = sqli.filter((c) => skip[String(c.ruleId)] === undefined && skip[c.id.replace(/\.\d+$/, '')] === undefined);

  it('SQLi rates and misses', () => {
    for (const level of ['LOW', 'HIGH'] as const) {
      let attacks = 0; let caught = 0; let neg = 0; let negFlagged = 0;
      const missed: string[] = []; const negHits: string[] = [];
      for (const c of counted) {
        const attack = c.expectIds.some((x) => String(x).startsWith('942'));
        const hit = c.parts.some((p) => detectSqli(p, level));
        if (attack) { attacks++; if (hit) caught++; else missed.push(c.id); }
        else if (c.noExpectIds.length > 0) {
          neg++;
          if (hit) { negFlagged++; negHits.push(`${c.id} ${JSON.stringify(c.parts.filter((p) => detectSqli(p, level)).map((p) => p.slice(0, 80)))}`); }
        }
      }
      const fp = BENIGN_CORPUS.filter((s) => detectSqli(bytes(s), level));
      console.log(`SQLi ${level}: ${caught}/${attacks} (${(100 * caught / attacks).toFixed(1)}%) attacks, ${negFlagged}/${neg} negatives, benign FP ${fp.length}/${BENIGN_CORPUS.length} ${JSON.stringify(fp)}`);
      console.log(`  "no rule expected" cases flagged: ${negHits.join('; ')}`);
      if (MODE === `misses-${level.toLowerCase()}`) {
        for (const c of counted) {
          if (!missed.includes(c.id)) continue;
          console.log(`--- ${c.id}`);
          for (const p of c.parts) console.log(`   ${JSON.stringify(p.slice(0, 160))}\n      ${fingerprints(p)}`);
        }
      }
    }
    const all = { low: 0, high: 0, n: 0 };
    for (const c of sqli) if (c.expectIds.some((x) => String(x).startsWith('942'))) {
      all.n++; if (c.parts.some((p) => detectSqli(p, 'LOW'))) all.low++; if (c.parts.some((p) => detectSqli(p, 'HIGH'))) all.high++;
    }
    console.log(`without the skip list: LOW ${all.low}/${all.n}, HIGH ${all.high}/${all.n}`);
  });

  it('cost per input', () => {
    const inputs = [...sqli, ...xss].flatMap((c) => c.parts).concat(BENIGN_CORPUS.map(bytes));
    const bytesTotal = inputs.reduce((a, s) => a + s.length, 0);
    const time = (f: (s: string) => unknown): number => {
      const t0 = process.hrtime.bigint();
      for (let r = 0; r < 20; r++) for (const s of inputs) f(s);
      return Number(process.hrtime.bigint() - t0) / 1000 / (20 * inputs.length);
    };
    // First pass in this worker: includes JIT warm-up, what a freshly started process pays.
    const c0 = process.hrtime.bigint();
    for (const s of inputs) detectSqli(s, 'HIGH');
    console.log(`first pass (cold): SQLi HIGH ${(Number(process.hrtime.bigint() - c0) / 1000 / inputs.length).toFixed(2)} µs/input`);
    for (let w = 0; w < 3; w++) { time((s) => detectSqli(s, 'HIGH')); time(detectXss); }
    const runs: Record<string, number[]> = { low: [], high: [], xss: [] };
    for (let r = 0; r < 9; r++) {
      runs.low?.push(time((s) => detectSqli(s, 'LOW')));
      runs.high?.push(time((s) => detectSqli(s, 'HIGH')));
      runs.xss?.push(time(detectXss));
    }
    const med = (a: number[]): string => { const b = [...a].sort((x, y) => x - y); return (b[b.length >> 1] ?? 0).toFixed(2); };
    console.log(`${inputs.length} inputs, ${(bytesTotal / inputs.length).toFixed(0)} bytes average; µs/input median of 9 runs: SQLi LOW ${med(runs.low ?? [])}, SQLi HIGH ${med(runs.high ?? [])}, XSS ${med(runs.xss ?? [])}`);
    const big = 'The quick brown fox jumps over the lazy dog. '.repeat(200).slice(0, 8192);
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < 50; r++) detectSqli(big, 'HIGH');
    console.log(`8 KB prose: SQLi HIGH ${(Number(process.hrtime.bigint() - t0) / 1e6 / 50).toFixed(3)} ms`);
  });
});
