// Design measurement for the regex prefilter (issue 6): for each (Body, transformation chain) group
// of the managed set's RegexMatchStatements, the cost per request of deciding every pattern on the
// benign 1 KB form body of bench/waf-detection.mjs, three ways in the same run:
//   each   — every RE2 regex on its own (the engine before the prefilter);
//   set    — one RE2.Set of the group's patterns, .match() once (re2 1.24.0);
//   prefilter — the engine's literal automaton scan, then only the candidate regexes.
// Usage: npx tsc -p tsconfig.build.json && node bench/waf-regex-set.mjs [--ms 300]
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import RE2 from 're2';
import { arg } from './lib.mjs';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..');
const dist = resolve(process.env.BULWARK_DIST ?? join(repo, 'dist', 'src'));
const imp = (p) => import(pathToFileURL(join(dist, p)).href);
const { managedRuleGroups } = await imp('waf/managed/index.js');
const { compileChain } = await imp('waf/engine/transforms/index.js');
const { requiredLiterals } = await imp('waf/engine/statements/regex-literals.js');
const { LiteralAutomaton } = await imp('waf/engine/statements/regex-prefilter.js');
const { utf8ToByteString } = await imp('waf/engine/statements/util.js');

const GROUPS = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesSQLiRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesLinuxRuleSet', 'AWSManagedRulesUnixRuleSet', 'AWSManagedRulesWindowsRuleSet', 'AWSManagedRulesPHPRuleSet'];
const byChain = new Map();
const walk = (s) => {
  if (s === null || typeof s !== 'object') return;
  const r = s.RegexMatchStatement;
  if (r && r.FieldToMatch.Body) {
    const chain = r.TextTransformations.filter((t) => t.Type !== 'NONE').map((t) => t.Type).join(',');
    (byChain.get(chain) ?? byChain.set(chain, []).get(chain)).push(utf8ToByteString(r.RegexString));
    return;
  }
  for (const v of Object.values(s)) walk(v);
};
for (const g of GROUPS) walk(managedRuleGroups.get(`AWS:${g}`).Rules);

let form = 'name=Jane+O%27Connor&subject=Order+question&message=';
const filler = "I'd+like+to+change+the+delivery+address+on+my+order%3B+it's+going+to+my+old+flat+-+thanks.+";
while (form.length < 1000) form += filler;
form = (form.slice(0, 1010) + '&rating=5').slice(0, 1024);

function time(fn, ms) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    t = performance.now();
  }
  return ((t - t0) * 1000) / n;
}

const ms = arg('ms', 300);
let totals = { each: 0, set: 0, prefilter: 0 };
console.log('Body chain | patterns | each µs | RE2.Set µs | prefilter µs | regexes run after the prefilter');
for (const [chain, patterns] of byChain) {
  const value = compileChain(chain === '' ? [] : chain.split(',').map((Type, Priority) => ({ Priority, Type }))).apply(form);
  const res = patterns.map((p) => new RE2(p));
  const set = new RE2.Set(patterns);
  const cnfs = patterns.map((p) => requiredLiterals(p));
  const lits = [...new Set(cnfs.flat(2))];
  const ids = new Map(lits.map((l, i) => [l, i]));
  const auto = new LiteralAutomaton(lits);
  const found = new Uint8Array(lits.length);
  let ran = 0;
  const prefilter = () => {
    const n = auto.scan(value);
    for (let j = 0; j < n; j++) found[auto.hits[j]] = 1;
    let any = false;
    ran = 0;
    for (let k = 0; k < res.length; k++) {
      const cnf = cnfs[k];
      if (n >= 0 && !cnf.every((c) => c.some((l) => found[ids.get(l)] === 1))) continue;
      ran++;
      if (res[k].test(value)) any = true;
    }
    for (let j = 0; j < n; j++) found[auto.hits[j]] = 0;
    return any;
  };
  const each = () => res.map((r) => r.test(value));
  const expectEach = each();
  const viaSet = new Set(set.match(value));
  if (expectEach.some((m, k) => m !== viaSet.has(k))) throw new Error(`RE2.Set disagrees on ${chain}`);
  const r = { each: time(each, ms), set: time(() => set.match(value), ms), prefilter: time(prefilter, ms) };
  for (const k of Object.keys(totals)) totals[k] += r[k];
  console.log(`${chain.padEnd(52)} | ${String(patterns.length).padStart(3)} | ${r.each.toFixed(1).padStart(6)} | ${r.set.toFixed(1).padStart(6)} | ${r.prefilter.toFixed(1).padStart(6)} | ${ran}`);
}
console.log(`${'all Body groups'.padEnd(52)} |     | ${totals.each.toFixed(1).padStart(6)} | ${totals.set.toFixed(1).padStart(6)} | ${totals.prefilter.toFixed(1).padStart(6)} |`);
