/**
 * Conformance: the Panther labelled CloudTrail/DNS rule tests (../shared/data/cloudtrail, never
 * copied here), each fed as a single event to a fresh DetectionEngine with no threat lists. For
 * every Panther rule mapped below to the GuardDuty/Bulwark finding types that express the same
 * threat: a case labelled true must raise one of those types, a case labelled false must raise none.
 * Every rule or case not covered is listed with its reason in conformance-skipped.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DetectorInput } from '../types.js';
import expectMap from './conformance-map.json' with { type: 'json' };
import skipped from './conformance-skipped.json' with { type: 'json' };
import { DetectionEngine } from './index.js';
import { fakeContext } from './testing.js';

const FILE = join(import.meta.dirname, '../../../../shared/data/cloudtrail/panther-labelled-tests.jsonl');

/** Panther rule id → the finding types that express it. */
/** Panther rule id → the finding types that express it (shared with bench/guardduty-detection.mjs). */
const EXPECT: Readonly<Record<string, readonly string[]>> = expectMap;

interface Case { rule_id: string; test_name: string; expected: boolean; log_types: string[]; log: Record<string, unknown> }
const skipRules = skipped.rules as Record<string, string>;
const skipCases = skipped.cases as Record<string, string>;

function input(c: Case): DetectorInput {
  if (c.log_types[0] === 'AWS.VPCDns') return { kind: 'dns', record: c.log as never };
  return { kind: 'cloudtrail', record: c.log as never, source: 'ingest' };
}

const cases: Case[] = existsSync(FILE) ? readFileSync(FILE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Case) : [];

describe.skipIf(cases.length === 0)('Panther labelled tests', () => {
  it('every rule is mapped or skipped with a reason, and every skip names a real rule or case', () => {
    const rules = new Set(cases.map((c) => c.rule_id));
    for (const r of rules) expect(EXPECT[r] !== undefined || skipRules[r] !== undefined, r).toBe(true);
    for (const r of Object.keys(skipRules)) expect(rules.has(r), r).toBe(true);
    const names = new Set(cases.map((c) => `${c.rule_id} / ${c.test_name}`));
    for (const k of Object.keys(skipCases)) expect(names.has(k), k).toBe(true);
  });

  const mapped = cases.filter((c) => EXPECT[c.rule_id] && !skipCases[`${c.rule_id} / ${c.test_name}`]);
  it.each(mapped.map((c) => [`${c.rule_id} / ${c.test_name}`, c] as const))('%s', (_name, c) => {
    const engine = new DetectionEngine(fakeContext());
    const types = engine.observe(input(c)).map((f) => f.type);
    const want = EXPECT[c.rule_id] as readonly string[];
    const hit = types.some((t) => want.includes(t));
    expect(engine.errors).toBe(0);
    expect(hit, `raised ${JSON.stringify(types)}`).toBe(c.expected);
  });

  it('covers most of the mapped rules\' cases', () => {
    const all = cases.filter((c) => EXPECT[c.rule_id]).length;
    expect(mapped.length / all).toBeGreaterThan(0.75);
  });
});
