import { describe, expect, it } from 'vitest';
import type { ApiCallEvent } from '../events/index.js';
import { MemoryBackend } from '../storage/index.js';
import { PostureMonitor, POSTURE_EVENT_NAME, POSTURE_EVENT_SOURCE } from './monitor.js';
import type { ControlStatus, PostureReport } from './types.js';

function report(statuses: Record<string, ControlStatus>, at = '2026-11-29T12:00:00.000Z'): PostureReport {
  return {
    generatedAt: at,
    bulwarkVersion: '0.1.0',
    summary: { pass: 0, fail: 0, notApplicable: 0, error: 0, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } },
    controls: Object.entries(statuses).map(([id, status]) => ({
      id, title: `title ${id}`, description: 'd', responsibility: 'customer', service: 'kms', topic: 'data protection', severity: 'MEDIUM', nist: ['SC-12'], status, evidence: `evidence ${id}`,
    })),
  };
}

function monitor(kv = new MemoryBackend()): { m: PostureMonitor; events: ApiCallEvent[]; kv: MemoryBackend } {
  const events: ApiCallEvent[] = [];
  const m = new PostureMonitor({ run: async () => undefined, publish: async (e) => void events.push(e), kv, region: 'us-east-1', accountId: '000000000000' });
  return { m, events, kv };
}

describe('PostureMonitor', () => {
  it('records nothing on the first report, then one event per changed control', async () => {
    const { m, events } = monitor();
    expect(await m.observe(report({ 'KMS.4': 'PASS', 'IAM.1': 'PASS' }))).toEqual([]);
    expect(await m.observe(report({ 'KMS.4': 'FAIL', 'IAM.1': 'PASS' }))).toEqual([{ id: 'KMS.4', previous: 'PASS', current: 'FAIL' }]);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.eventSource).toBe(POSTURE_EVENT_SOURCE);
    expect(e.operation).toBe(POSTURE_EVENT_NAME);
    expect(e.requestParameters).toMatchObject({ controlId: 'KMS.4', previousStatus: 'PASS', status: 'FAIL', severity: 'MEDIUM' });
    expect(e.resources).toEqual([{ arn: 'arn:aws:bulwark:us-east-1:000000000000:posture-control/KMS.4', type: 'Bulwark::Posture::Control' }]);
    await m.observe(report({ 'KMS.4': 'FAIL', 'IAM.1': 'PASS' }));
    expect(events).toHaveLength(1);
    await m.observe(report({ 'KMS.4': 'PASS', 'IAM.1': 'PASS' }));
    expect(events.map((x) => x.requestParameters?.status)).toEqual(['FAIL', 'PASS']);
  });
  it('compares with the statuses kept in the store across restarts', async () => {
    const kv = new MemoryBackend();
    await monitor(kv).m.observe(report({ 'KMS.4': 'PASS' }));
    const second = monitor(kv);
    expect(await second.m.observe(report({ 'KMS.4': 'FAIL' }))).toEqual([{ id: 'KMS.4', previous: 'PASS', current: 'FAIL' }]);
  });
  it('runs periodically through tick and reports its state', async () => {
    const events: ApiCallEvent[] = [];
    let n = 0;
    const m = new PostureMonitor({
      run: async () => report({ 'KMS.4': n++ === 0 ? 'PASS' : 'FAIL' }),
      publish: async (e) => void events.push(e),
      kv: new MemoryBackend(),
      region: 'us-east-1',
      accountId: '000000000000',
      intervalMs: 60_000,
    });
    expect(m.state().lastRun).toBeUndefined();
    await m.tick();
    await m.tick();
    expect(events).toHaveLength(1);
    expect(m.state().lastRun).toBeInstanceOf(Date);
    expect(m.state().intervalMs).toBe(60_000);
    await m.stop();
  });
});
