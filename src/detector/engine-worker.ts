/**
 * Entry script of the threat detector's detection thread (GuardDuty with `engineThread`): parses
 * and analyses ingestion batches and live inputs with every detector's DetectionEngine while the
 * main thread serves HTTP, verifies signatures and keeps the findings (engine-host.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DetectionEngine } from './detections/index.js';
import { EngineHost, type HostRequest } from './engine-host.js';

/** What the main thread passes to the detection thread. */
export interface EngineThreadData {
  /** Extra signature rules for every engine (the detections' rule format). */
  readonly extraRules?: readonly unknown[];
  /** Largest records per ingestion batch. */
  readonly maxRecords: number;
}

const data = workerData as EngineThreadData;
const port = parentPort;
if (port) {
  const host = new EngineHost((ctx) => new DetectionEngine(ctx, data.extraRules ? { extraRules: data.extraRules } : {}), { maxRecords: data.maxRecords });
  port.on('message', (m: HostRequest) => {
    const reply = host.handle(m);
    if (!reply) return;
    // New dedup hashes go back transferred (the array is this batch's own copy).
    if (reply.t === 'ingested' && reply.pending) port.postMessage(reply, [reply.pending.buffer as ArrayBuffer]);
    else port.postMessage(reply);
  });
}
