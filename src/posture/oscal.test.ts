import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_FILES, loadCatalogue } from './catalogue.js';
import { CHECKS } from './checks/index.js';
import { runPosture } from './engine.js';
import { NIST_800_53_R5_FAMILIES, NIST_800_53_R5_IDS, oscalControlId } from './nist.js';
import { assessmentResults, componentDefinition, COMPONENT_UUID, uuidV5 } from './oscal.js';
import { fakeSources, NOW, passingState } from './testing.js';

// The official OSCAL 1.2.1 schemas, read from ../shared beside the repository (not copied in).
const OSCAL_DIR = fileURLToPath(new URL('../../../shared/reference/oscal/', import.meta.url));
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function validator(file: string): (doc: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(join(OSCAL_DIR, file), 'utf8')) as object);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`));
}

const catalogue = loadCatalogue(CATALOGUE_FILES, CHECKS);

async function report(): Promise<Awaited<ReturnType<typeof runPosture>>> {
  const s = passingState();
  s.kmsKeys[0] = { ...s.kmsKeys[0]!, rotationEnabled: false };
  delete s.guardDuty;
  // A route that answers 403 is not needed: without an endpoint BULWARK.3 reports ERROR, which the export must carry too.
  return runPosture({ catalogue, checks: CHECKS, sources: fakeSources(s), version: '0.1.0', now: NOW });
}

/** Every value of `key` anywhere in `v`. */
function collect(v: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(v)) for (const x of v) collect(x, key, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === key) out.push(x);
      collect(x, key, out);
    }
  }
  return out;
}

describe('OSCAL component definition', () => {
  const doc = componentDefinition(catalogue, '0.1.0', '2026-11-29T12:00:00Z');
  it('validates against the official 1.2.1 schema', () => {
    expect(validator('oscal_component_schema.json')(doc)).toEqual([]);
  });
  it('has one implemented requirement per catalogue control and 800-53 id, with the responsible roles of its side(s)', () => {
    const reqs = collect(doc, 'implemented-requirements')[0] as { 'control-id': string; props: { name: string; value: string }[]; 'responsible-roles': { 'role-id': string }[] }[];
    expect(reqs).toHaveLength(catalogue.reduce((n, c) => n + c.nist.length, 0));
    const kms4 = reqs.filter((r) => r.props.some((p) => p.name === 'bulwark-control-id' && p.value === 'KMS.4'));
    expect(kms4.map((r) => r['control-id'])).toEqual(['sc-12', 'sc-12.2', 'sc-28.3']);
    expect(kms4[0]!['responsible-roles'].map((r) => r['role-id'])).toEqual(['provider', 'customer']);
    const iam1 = reqs.find((r) => r.props.some((p) => p.value === 'IAM.1'))!;
    expect(iam1['responsible-roles'].map((r) => r['role-id'])).toEqual(['customer']);
  });
  it('the validator refuses a document the schema does not allow', () => {
    const bad = structuredClone(doc) as { 'component-definition': { components: { type: string; uuid: string }[] } };
    bad['component-definition'].components[0]!.uuid = 'not-a-uuid';
    expect(validator('oscal_component_schema.json')(bad).join('\n')).toMatch(/components\/0\/uuid must match pattern/);
  });
  it('is deterministic', () => {
    expect(componentDefinition(catalogue, '0.1.0', '2026-11-29T12:00:00Z')).toEqual(doc);
  });
  it('only references defined roles, real 800-53 ids and unique uuids', () => {
    const roles = new Set(((doc['component-definition'] as { metadata: { roles: { id: string }[] } }).metadata.roles).map((r) => r.id));
    for (const r of collect(doc, 'role-id')) expect(roles.has(r as string)).toBe(true);
    const uuids = collect(doc, 'uuid') as string[];
    expect(new Set(uuids).size).toBe(uuids.length);
    for (const id of collect(doc, 'control-id') as string[]) expect(realControlId(id)).toBe(true);
  });
});

/** Control ids in OSCAL form ("sc-28.1") that map back to a listed rev5 id. */
const REAL = new Set([...NIST_800_53_R5_IDS].map(oscalControlId));
function realControlId(id: string): boolean {
  return REAL.has(id) && NIST_800_53_R5_FAMILIES.has(id.slice(0, 2).toUpperCase());
}

describe('OSCAL assessment results', () => {
  it('validates against the official 1.2.1 schema', async () => {
    const doc = assessmentResults(await report());
    expect(validator('oscal_assessment-results_schema.json')(doc)).toEqual([]);
  });
  it('has one finding and one observation per control with the right state', async () => {
    const r = await report();
    const doc = assessmentResults(r);
    const result = (doc['assessment-results'] as { results: { findings: { title: string; target: { status: { state: string; reason: string } } }[]; observations: unknown[] }[] }).results[0]!;
    expect(result.findings).toHaveLength(r.controls.length);
    expect(result.observations).toHaveLength(r.controls.length);
    const kms4 = result.findings.find((f) => f.title.startsWith('KMS.4:'))!;
    expect(kms4.target.status).toEqual({ state: 'not-satisfied', reason: 'fail' });
    const kms3 = result.findings.find((f) => f.title.startsWith('KMS.3:'))!;
    expect(kms3.target.status).toEqual({ state: 'satisfied', reason: 'pass' });
    const gd = result.findings.find((f) => f.title.startsWith('GuardDuty.1:'))!;
    expect(gd.target.status).toEqual({ state: 'satisfied', reason: 'other' });
    const b3 = result.findings.find((f) => f.title.startsWith('BULWARK.3:'))!;
    expect(b3.target.status).toEqual({ state: 'not-satisfied', reason: 'other' });
  });
  it('cross-references resolve: observations, actors, subjects, the plan resource; targets are real control statements', async () => {
    const doc = assessmentResults(await report());
    const ar = doc['assessment-results'] as {
      'import-ap': { href: string };
      'back-matter': { resources: { uuid: string }[] };
      results: { 'local-definitions': { components: { uuid: string }[] }; observations: { uuid: string }[]; findings: { target: { 'target-id': string } }[] }[];
    };
    const result = ar.results[0]!;
    const observations = new Set(result.observations.map((o) => o.uuid));
    const components = new Set(result['local-definitions'].components.map((c) => c.uuid));
    expect(components.has(COMPONENT_UUID)).toBe(true);
    for (const u of collect(doc, 'observation-uuid')) expect(observations.has(u as string)).toBe(true);
    for (const u of collect(doc, 'actor-uuid')) expect(components.has(u as string)).toBe(true);
    for (const u of collect(doc, 'subject-uuid')) expect(components.has(u as string)).toBe(true);
    expect(ar['back-matter'].resources.map((r) => `#${r.uuid}`)).toContain(ar['import-ap'].href);
    for (const f of result.findings) {
      const m = /^(.+)_smt$/.exec(f.target['target-id']);
      expect(m && realControlId(m[1]!)).toBe(true);
    }
    for (const id of collect(doc, 'control-id') as string[]) expect(realControlId(id)).toBe(true);
    const uuids = collect(doc, 'uuid') as string[];
    // Components appear once per document section that defines them; every other uuid is unique.
    expect(new Set(uuids).size).toBe(uuids.length);
  });
});

describe('uuidV5', () => {
  it('is a stable RFC 4122 version 5 uuid', () => {
    expect(uuidV5('x')).toBe(uuidV5('x'));
    expect(uuidV5('x')).not.toBe(uuidV5('y'));
    expect(uuidV5('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
