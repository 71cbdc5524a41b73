/**
 * Detection off the main thread (engine-host.ts over a MessageChannel, as engine-worker.ts runs
 * it): the same ingestion results and findings as in process, live inputs through the same engine
 * state in order, lists, detector deletion and baselines across a reload reaching the engines.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../http/index.js';
import { MemoryBackend } from '../storage/index.js';
import { DetectionEngine, findingTypeInfo } from './detections/index.js';
import { EngineHost, type HostRequest } from './engine-host.js';
import { GuardDuty, type EngineLike } from './guardduty.js';
import { guardDutyService } from './service.js';
import { CountingEngine, code } from './testing.js';
import type { DetectionContext } from './types.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const STRATUS = join(import.meta.dirname, '../../../shared/data/cloudtrail/stratus');
const dir = mkdtempSync(join(tmpdir(), 'bulwark-gd-thread-'));
const ports: MessagePort[] = [];
afterAll(() => {
  for (const p of ports) p.close();
  rmSync(dir, { recursive: true, force: true });
});


type Factory = (ctx: DetectionContext) => EngineLike;

/** A GuardDuty whose detection runs on an EngineHost at the other end of a MessageChannel (or in process). */
function setup(factory: Factory, threaded: boolean, kv = new MemoryBackend()) {
  const errors: string[] = [];
  let engineThread: { port: MessagePort } | undefined;
  if (threaded) {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    const host = new EngineHost(factory, { maxRecords: 10_000 });
    port2.on('message', (m: HostRequest) => {
      const reply = host.handle(m);
      if (reply) port2.postMessage(reply);
    });
    engineThread = { port: port1 };
  }
  const now = (): Date => new Date('2026-03-01T00:00:00Z');
  const gd = new GuardDuty({
    kv, accountId: ACCOUNT, region: REGION, bucketsRoot: join(dir, 'buckets'), engine: factory, typeInfo: findingTypeInfo, now,
    ...(engineThread ? { engineThread } : {}), onError: (e, what) => errors.push(`${what}: ${(e as Error).message}`),
  });
  const svc = guardDutyService({ gd, accountId: ACCOUNT, region: REGION, now });
  const ctx = { accountId: ACCOUNT, region: REGION, addResource: () => {} } as unknown as RequestContext;
  const call = async (op: string, input: Record<string, unknown> = {}): Promise<Record<string, unknown>> => (await svc.operations[op]?.handler(input, ctx)) as Record<string, unknown>;
  /** Findings as comparable values (ids and times differ between runs). */
  const findings = async (DetectorId: string): Promise<string[]> => {
    const ids = (await call('ListFindings', { DetectorId, MaxResults: 50 })).FindingIds as string[];
    const all: string[] = [];
    for (let i = 0; i < ids.length; i += 50) {
      const fs = (await call('GetFindings', { DetectorId, FindingIds: ids.slice(i, i + 50) })).Findings as { Type: string; Severity: number; Title: string; Service: { Count: number; Archived: boolean } }[];
      for (const f of fs) all.push(`${f.Type} ${f.Severity} x${f.Service.Count}${f.Service.Archived ? ' archived' : ''}: ${f.Title}`);
    }
    return all.sort();
  };
  return { gd, call, findings, errors, kv };
}

const body = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const rec = (eventID: string, eventName: string, ip = '198.51.100.1'): Record<string, unknown> => ({
  eventID, eventName, eventTime: '2026-02-28T00:00:00Z', eventSource: 'iam.amazonaws.com', awsRegion: 'eu-west-1', sourceIPAddress: ip, recipientAccountId: '111122223333',
});
const until = async (cond: () => boolean | Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 5));
};
describe('detection thread', () => {
  it('gives the same ingestion results and findings as in process (all modules, the Stratus files)', async () => {
    const files = readdirSync(STRATUS).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(10);
    const results: unknown[][] = [[], []];
    const found: string[][] = [];
    for (const threaded of [false, true]) {
      const s = setup((ctx) => new DetectionEngine(ctx), threaded);
      const { DetectorId } = await s.call('CreateDetector', { Enable: true });
      // Every file twice: the second time every record is a duplicate.
      for (const f of [...files, ...files]) {
        // The files are JSON arrays of records; sent as a delivered document.
        const raw = body({ Records: JSON.parse(readFileSync(join(STRATUS, f), 'utf8')) as unknown });
        results[threaded ? 1 : 0]?.push(await s.gd.ingestRaw('cloudtrail', raw, ACCOUNT, REGION));
      }
      found.push(await s.findings(DetectorId as string));
      expect(s.errors).toEqual([]);
    }
    expect(results[1]).toEqual(results[0]);
    expect(found[0]?.length).toBeGreaterThan(10);
    expect(found[1]).toEqual(found[0]);
  });

  it('answers bad bodies and batches with the in-process codes', async () => {
    for (const threaded of [false, true]) {
      const s = setup((ctx) => new CountingEngine(ctx), threaded);
      expect(await code(s.gd.ingestRaw('cloudtrail', body({ records: [] }), ACCOUNT, REGION))).toBe('BadRequestException');
      // A bad body is a SerializationException even without a detector.
      expect(await code(s.gd.ingestRaw('cloudtrail', Buffer.from('{"records": ['), ACCOUNT, REGION))).toBe('SerializationException');
      await s.call('CreateDetector', { Enable: true });
      expect(await code(s.gd.ingestRaw('cloudtrail', Buffer.from('{"records": ['), ACCOUNT, REGION))).toBe('SerializationException');
      expect(await code(s.gd.ingestRaw('cloudtrail', body([rec('a', 'B')]), ACCOUNT, REGION))).toBe('SerializationException');
      expect(await code(s.gd.ingestRaw('cloudtrail', body({ records: {} }), ACCOUNT, REGION))).toBe('BadRequestException');
      expect(await code(s.gd.ingestRaw('cloudtrail', body({ records: Array(10_001).fill(1) }), ACCOUNT, REGION))).toBe('BadRequestException');
      const r = await s.gd.ingestRaw('cloudtrail', Buffer.concat([Buffer.from('xx'), body({ Records: [rec('e1', 'ListUsers'), { eventID: 'x' }, 'nope', rec('e1', 'ListUsers')] })]).subarray(2), ACCOUNT, REGION);
      expect(r).toEqual({ accepted: 1, duplicates: 1, skipped: [{ index: 1, reason: 'missing eventTime' }, { index: 2, reason: 'not a JSON object' }], findingsCreated: 1, findingsUpdated: 0 });
    }
  });

  it('analyses live inputs with the same engine state, in order, and reaches ListFindings', async () => {
    const s = setup((ctx) => new CountingEngine(ctx), true);
    const { DetectorId } = await s.call('CreateDetector', { Enable: true });
    await s.gd.ingestRaw('cloudtrail', body({ records: [rec('i1', 'ListUsers'), rec('i2', 'ListUsers')] }), ACCOUNT, REGION);
    s.gd.live({ kind: 'cloudtrail', record: rec('l1', 'ListUsers') as never, source: 'live' }, ACCOUNT, REGION);
    s.gd.live({ kind: 'cloudtrail', record: rec('l2', 'GetUser') as never, source: 'live' }, ACCOUNT, REGION);
    await until(async () => (await s.findings(DetectorId as string)).length === 2);
    // GetUser was the engine's fourth record: it saw the ingested ones first (a repeat keeps the first description).
    const ids = (await s.call('ListFindings', { DetectorId })).FindingIds as string[];
    const fs = (await s.call('GetFindings', { DetectorId, FindingIds: ids })).Findings as { Type: string; Description: string; Service: { Count: number } }[];
    expect(fs.map((f) => `${f.Type} ${f.Service.Count} ${f.Description}`).sort()).toEqual(['Test:IAMUser/GetUser 1 seen 4', 'Test:IAMUser/ListUsers 3 seen 1']);
    // A disabled detector sees nothing live.
    await s.call('UpdateDetector', { DetectorId, Enable: false });
    s.gd.live({ kind: 'cloudtrail', record: rec('l3', 'DeleteUser') as never, source: 'live' }, ACCOUNT, REGION);
    await s.gd.ingestRaw('cloudtrail', body({ records: [] }), ACCOUNT, REGION).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(await s.findings(DetectorId as string)).toHaveLength(2);
  });

  it('threat lists reach the engines; deleting a detector drops its engine and dedup memory', async () => {
    const s = setup((ctx) => new CountingEngine(ctx), true);
    const first = await s.call('CreateDetector', { Enable: true });
    const threats = join(dir, 'threats.txt');
    writeFileSync(threats, '203.0.113.0/24\n');
    await s.call('CreateThreatIntelSet', { DetectorId: first.DetectorId, Name: 't', Format: 'TXT', Location: threats, Activate: true });
    await s.gd.ingestRaw('cloudtrail', body({ records: [rec('t1', 'ListUsers', '203.0.113.5')] }), ACCOUNT, REGION);
    expect(await s.findings(first.DetectorId as string)).toEqual([expect.stringMatching(/^UnauthorizedAccess:IAMUser\/MaliciousIPCaller\.Custom /)]);
    await s.call('DeleteDetector', { DetectorId: first.DetectorId });
    const second = await s.call('CreateDetector', { Enable: true });
    const r = await s.gd.ingestRaw('cloudtrail', body({ records: [rec('t1', 'ListUsers', '203.0.113.5')] }), ACCOUNT, REGION);
    expect([r.accepted, r.duplicates, r.findingsCreated]).toEqual([1, 0, 1]);
    expect(await s.findings(second.DetectorId as string)).toEqual([expect.stringMatching(/^Test:IAMUser\/ListUsers /)]);
  });

  it('an engine that cannot be built fails each record as in process, and the thread goes on', async () => {
    const s = setup(() => {
      throw new Error('bad rule');
    }, true);
    await s.call('CreateDetector', { Enable: true });
    const r = await s.gd.ingestRaw('cloudtrail', body({ records: [rec('b1', 'ListUsers'), rec('b2', 'ListUsers')] }), ACCOUNT, REGION);
    expect([r.accepted, r.findingsCreated]).toEqual([2, 0]);
    expect(s.errors).toEqual(['detection: bad rule', 'detection: bad rule']);
    expect((await s.gd.ingestRaw('cloudtrail', body({ records: [rec('b1', 'ListUsers')] }), ACCOUNT, REGION)).duplicates).toBe(1);
  });

  it('stays on the calling thread when there is no compiled worker script (run from the sources)', () => {
    const gd = new GuardDuty({ kv: new MemoryBackend(), accountId: ACCOUNT, region: REGION, bucketsRoot: join(dir, 'buckets'), engine: (ctx) => new CountingEngine(ctx), engineThread: {} });
    expect(gd.threaded).toBe(false);
  });

  it('keeps baselines and dedup memory across an unload and load', async () => {
    const a = setup((ctx) => new CountingEngine(ctx), true);
    await a.gd.load();
    const { DetectorId } = await a.call('CreateDetector', { Enable: true });
    await a.gd.ingestRaw('cloudtrail', body({ records: [rec('p1', 'ListUsers'), rec('p2', 'ListRoles')] }), ACCOUNT, REGION);
    await a.gd.unload();
    const b = setup((ctx) => new CountingEngine(ctx), true, a.kv);
    await b.gd.load();
    const r = await b.gd.ingestRaw('cloudtrail', body({ records: [rec('p1', 'ListUsers'), rec('p3', 'GetUser')] }), ACCOUNT, REGION);
    expect([r.accepted, r.duplicates]).toEqual([1, 1]);
    const ids = (await b.call('ListFindings', { DetectorId, FindingCriteria: { Criterion: { type: { Eq: ['Test:IAMUser/GetUser'] } } } })).FindingIds as string[];
    const f = ((await b.call('GetFindings', { DetectorId, FindingIds: ids })).Findings as { Description: string }[])[0];
    expect(f?.Description).toBe('seen 3');
    await b.gd.close();
  });
});
