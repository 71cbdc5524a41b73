// GuardDuty detection benchmark (issue 8), run from the built dist/ with a fake context (no threat
// lists, no geo unless stated):
//   1. Stratus Red Team technique logs (../shared/data/cloudtrail/stratus): per technique, a fresh
//      engine fed the file's records in time order; which produced a finding, and which types.
//   2. Panther labelled tests (panther-labelled-tests.jsonl): per rule mapped to finding types in
//      src/detector/detections/conformance-map.json, fired when expected / silent when not; for
//      unmapped rules, whether anything fired at all (informational).
//   3. The OTRF intrusion (ec2_proxy_s3_exfiltration): findings raised.
//   4. A generated benign week (bench/guardduty-benign-week.mjs): findings by severity and type.
// Usage: npx tsc -p tsconfig.build.json && node bench/guardduty-detection.mjs
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benignWeek, GEO } from './guardduty-benign-week.mjs';
import { fakeContext, loadDetections, repo, shared } from './guardduty-lib.mjs';

const { DetectionEngine, findingTypeInfo } = await loadDetections();
const CT = join(shared, 'data', 'cloudtrail');
const sevOf = (c) => c.severity ?? findingTypeInfo(c.type)?.severity ?? 5;
const level = (s) => (s >= 7 ? 'High' : s >= 4 ? 'Medium' : 'Low');
const byTime = (a, b) => String(a.eventTime).localeCompare(String(b.eventTime));

function runRecords(records, ctx = fakeContext()) {
  const engine = new DetectionEngine(ctx);
  const found = [];
  for (const record of records) for (const c of engine.observe({ kind: 'cloudtrail', record, source: 'ingest' })) found.push(c);
  return { found, errors: engine.errors };
}
/** Distinct findings (the service merges candidates with the same dedup key). */
function distinct(found) {
  const m = new Map();
  for (const c of found) { const p = m.get(c.dedupKey); m.set(c.dedupKey, { c, n: (p?.n ?? 0) + 1 }); }
  return [...m.values()];
}

// 1. Stratus.
const sdir = join(CT, 'stratus');
const files = existsSync(sdir) ? readdirSync(sdir).filter((f) => f.endsWith('.json')).sort() : [];
let caught = 0;
console.log(`\n== Stratus Red Team: ${files.length} techniques`);
for (const f of files) {
  const recs = JSON.parse(readFileSync(join(sdir, f), 'utf8')).sort(byTime);
  const { found } = runRecords(recs);
  const d = distinct(found);
  if (d.length > 0) caught++;
  const types = [...new Set(d.map(({ c }) => `${c.type} (${level(sevOf(c))})`))];
  console.log(`${d.length ? 'FOUND ' : 'missed'}  ${f.replace(/^aws\./, '').replace(/\.json$/, '').padEnd(52)} ${types.join(', ')}`);
}
console.log(`techniques with a finding: ${caught}/${files.length} (${((100 * caught) / Math.max(1, files.length)).toFixed(0)}%)`);

// 2. Panther.
const pfile = join(CT, 'panther-labelled-tests.jsonl');
if (existsSync(pfile)) {
  const map = JSON.parse(readFileSync(join(repo, 'src', 'detector', 'detections', 'conformance-map.json'), 'utf8'));
  const cases = readFileSync(pfile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const per = new Map();
  for (const c of cases) {
    const lt = c.log_types[0];
    if (lt !== 'AWS.CloudTrail' && lt !== 'AWS.VPCDns') continue;
    const engine = new DetectionEngine(fakeContext());
    const out = engine.observe(lt === 'AWS.VPCDns' ? { kind: 'dns', record: c.log } : { kind: 'cloudtrail', record: c.log, source: 'ingest' });
    const want = map[c.rule_id];
    const fired = want ? out.some((x) => want.includes(x.type)) : out.length > 0;
    const s = per.get(c.rule_id) ?? { mapped: !!want, tp: 0, fn: 0, tn: 0, fp: 0 };
    if (c.expected && fired) s.tp++;
    else if (c.expected) s.fn++;
    else if (fired) s.fp++;
    else s.tn++;
    per.set(c.rule_id, s);
  }
  const tot = (m) => [...per.values()].filter((s) => s.mapped === m).reduce((a, s) => ({ tp: a.tp + s.tp, fn: a.fn + s.fn, tn: a.tn + s.tn, fp: a.fp + s.fp, rules: a.rules + 1 }), { tp: 0, fn: 0, tn: 0, fp: 0, rules: 0 });
  console.log(`\n== Panther labelled tests (CloudTrail + Resolver DNS, one event per case)`);
  for (const [id, s] of [...per].sort()) if (s.mapped) console.log(`${(s.fn === 0 && s.fp === 0 ? 'ok  ' : 'diff')}  ${id.padEnd(50)} fired-when-expected ${s.tp}/${s.tp + s.fn}, silent-when-not ${s.tn}/${s.tn + s.fp}`);
  const m = tot(true);
  const u = tot(false);
  console.log(`mapped rules (${m.rules}): fired when expected ${m.tp}/${m.tp + m.fn}, silent when not ${m.tn}/${m.tn + m.fp}`);
  console.log(`unmapped rules (${u.rules}, audit-style or multi-event; any finding counts): fired on expected ${u.tp}/${u.tp + u.fn}, fired on not-expected ${u.fp}/${u.tn + u.fp}`);
}

// 3. OTRF.
const odir = join(CT, 'otrf');
for (const f of existsSync(odir) ? readdirSync(odir).sort() : []) {
  const text = readFileSync(join(odir, f), 'utf8').trim();
  let recs;
  try { const j = JSON.parse(text); recs = Array.isArray(j) ? j : j.Records ?? [j]; } catch { recs = text.split('\n').filter(Boolean).map((l) => JSON.parse(l)); }
  recs = recs.map((r) => ({ ...r, eventTime: r.eventTime ?? r['@timestamp'] })).sort(byTime);
  const { found } = runRecords(recs);
  console.log(`\n== OTRF ${f}: ${recs.length} records`);
  for (const { c, n } of distinct(found)) console.log(`  ${c.type} (${level(sevOf(c))}) x${n}: ${c.title}`);
  if (found.length === 0) console.log('  no findings');
}

// 4. Benign week.
const t = performance.now();
const { records, behaviours } = benignWeek();
const { found, errors } = runRecords(records, fakeContext({ geo: GEO }));
const d = distinct(found);
console.log(`\n== Benign week: ${records.length} records (${(performance.now() - t).toFixed(0)} ms), engine errors ${errors}`);
console.log('new-but-legitimate behaviours:\n' + behaviours.map((b) => `  - ${b}`).join('\n'));
const bySev = { High: 0, Medium: 0, Low: 0 };
for (const { c } of d) bySev[level(sevOf(c))]++;
console.log(`findings: ${d.length} (High ${bySev.High}, Medium ${bySev.Medium}, Low ${bySev.Low})`);
for (const { c, n } of d) console.log(`  ${c.type} severity ${sevOf(c)} x${n}: ${c.description.slice(0, 140)}`);
