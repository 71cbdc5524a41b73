import { describe, expect, it } from 'vitest';
import { failsAt, runPosture } from './engine.js';
import { fakeSources, NOW, passingState } from './testing.js';
import type { CatalogueControl, Check } from './types.js';

function control(id: string, check: string, severity: CatalogueControl['severity'] = 'HIGH'): CatalogueControl {
  return { id, title: `control ${id}`, description: 'd', nist: ['SC-12'], service: 'kms', topic: 'data protection', responsibility: 'customer', severity, check, customerPart: 'do it', remediation: 'fix it' };
}

const checks = new Map<string, Check>([
  ['t.pass', async () => ({ status: 'PASS', evidence: 'ok', resources: [{ id: 'r1', status: 'PASS' }] })],
  ['t.fail', async () => ({ status: 'FAIL', evidence: 'bad', commands: ['aws kms enable-key-rotation --key-id k'] })],
  ['t.throw', async () => { throw new Error('boom'); }],
  ['t.hang', () => new Promise(() => undefined)],
]);

describe('runPosture', () => {
  it('reports each control with the report shape, errors for throwing and hanging checks, and the summary', async () => {
    const r = await runPosture({
      catalogue: [control('A.1', 't.pass'), control('A.2', 't.fail', 'MEDIUM'), control('A.3', 't.throw', 'LOW'), control('A.4', 't.hang'), control('A.5', 't.none')],
      checks,
      sources: fakeSources(passingState()),
      version: '0.1.0',
      now: NOW,
      timeoutMs: 50,
    });
    expect(r.generatedAt).toBe('2026-11-29T12:00:00.000Z');
    expect(r.controls.map((c) => [c.id, c.status, c.evidence])).toEqual([
      ['A.1', 'PASS', 'ok'],
      ['A.2', 'FAIL', 'bad'],
      ['A.3', 'ERROR', 'the check failed: boom'],
      ['A.4', 'ERROR', 'the check did not finish within 0.05 s'],
      ['A.5', 'ERROR', 'unknown check t.none'],
    ]);
    expect(r.controls[0]).toEqual({
      id: 'A.1', title: 'control A.1', description: 'd', responsibility: 'customer', service: 'kms', topic: 'data protection', severity: 'HIGH', nist: ['SC-12'],
      status: 'PASS', evidence: 'ok', customerPart: 'do it', resources: [{ id: 'r1', status: 'PASS' }],
    });
    expect(r.controls[1]).toMatchObject({ remediation: 'fix it', commands: ['aws kms enable-key-rotation --key-id k'] });
    expect(r.summary).toEqual({ pass: 1, fail: 1, notApplicable: 0, error: 3, bySeverity: { LOW: 0, MEDIUM: 1, HIGH: 0, CRITICAL: 0 } });
  });
});

describe('failsAt', () => {
  const controls = [{ severity: 'MEDIUM' as const, status: 'FAIL' }, { severity: 'CRITICAL' as const, status: 'PASS' }, { severity: 'LOW' as const, status: 'ERROR' }];
  it('gates on failing or erroring controls at or above the threshold', () => {
    expect(failsAt(controls, 'HIGH')).toBe(false);
    expect(failsAt(controls, 'MEDIUM')).toBe(true);
    expect(failsAt([{ severity: 'LOW', status: 'ERROR' }], 'LOW')).toBe(true);
    expect(failsAt(controls, 'NONE')).toBe(false);
  });
});
