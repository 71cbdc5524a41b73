/**
 * The main thread's end of the detection thread (engine-host.ts, engine-worker.ts): posts state
 * changes and work in order and matches replies to requests. The thread is unref'd while no request
 * is outstanding, so an idle detector does not keep the process alive.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { HostReply, HostRequest } from './engine-host.js';
import type { EngineThreadData } from './engine-worker.js';

/** A message port to an EngineHost (a Worker, or a MessagePort in tests). */
export interface EnginePort {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
  ref?(): void;
  unref?(): void;
}

type Pending = { resolve: (r: HostReply) => void; reject: (e: Error) => void };
/** A request that has a reply, without its sequence number (added here). */
type Request = Extract<HostRequest, { seq: number }> extends infer R ? (R extends unknown ? Omit<R, 'seq'> : never) : never;

/** What {@link RemoteEngines.supervised} needs of a thread: a port that can fail and be stopped. */
export interface EngineThread extends EnginePort {
  on(event: 'message', listener: (value: unknown) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<unknown>;
}

/** Restarts of a lost thread allowed within {@link RESTART_WINDOW_MS}; beyond, detection stays stopped. */
export const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/** The detection thread as the main thread sees it. */
export class RemoteEngines {
  private seq = 0;
  private readonly waiting = new Map<number, Pending>();
  private failed: Error | undefined;
  private thread: EngineThread | undefined;
  private stopping = false;
  private restarts: number[] = [];

  constructor(
    private port: EnginePort,
    private readonly onLog: (what: string, message: string) => void,
    /** Starts a new thread after one was lost (supervised threads only). */
    private readonly spawn?: () => EngineThread,
    /** Called once a new thread replaced a lost one, before anything else is posted: re-send the state. */
    private readonly onRestart?: () => void,
  ) {
    this.attach(port);
  }

  /**
   * Starts engine-worker.js on a thread of its own; undefined when there is no compiled script
   * beside this module (run from the TypeScript sources: detection then stays on the calling thread).
   */
  static thread(data: EngineThreadData, onLog: (what: string, message: string) => void, onRestart?: () => void): RemoteEngines | undefined {
    const script = new URL('./engine-worker.js', import.meta.url);
    if (!existsSync(script)) return undefined;
    return RemoteEngines.supervised(() => new Worker(script, { workerData: data }), onLog, onRestart);
  }

  /**
   * Runs the threads `spawn` starts: a thread that fails or exits is replaced by a new one (its
   * outstanding requests fail; `onRestart` re-sends the state), at most {@link MAX_RESTARTS} times a
   * minute, after which requests fail until the process restarts.
   */
  static supervised(spawn: () => EngineThread, onLog: (what: string, message: string) => void, onRestart?: () => void): RemoteEngines {
    const r = new RemoteEngines(spawn(), onLog, spawn, onRestart);
    r.watch(r.port as EngineThread);
    return r;
  }

  /** Posts a message that has no reply (state changes). */
  send(m: Exclude<HostRequest, { seq: number }>): void {
    if (this.failed) return;
    this.port.postMessage(m);
  }

  /** Posts a request and resolves with its reply; `transfer` lists buffers moved, not copied. */
  request(m: Request, transfer?: readonly ArrayBuffer[]): Promise<HostReply> {
    if (this.failed) return Promise.reject(this.failed);
    const seq = ++this.seq;
    return new Promise<HostReply>((resolve, reject) => {
      if (this.waiting.size === 0) this.port.ref?.();
      this.waiting.set(seq, { resolve, reject });
      this.port.postMessage({ ...m, seq }, transfer);
    });
  }

  /** Stops the thread (requests still outstanding fail). */
  async close(): Promise<void> {
    this.stopping = true;
    this.fail(new Error('the detection thread was stopped'));
    if (this.thread) await this.thread.terminate();
  }

  private attach(port: EnginePort): void {
    this.port = port;
    port.on('message', (v) => {
      if (this.port === port) this.onReply(v as HostReply);
    });
    port.unref?.();
  }

  private watch(t: EngineThread): void {
    this.thread = t;
    t.on('error', (e: Error) => this.lost(t, e));
    t.on('exit', (code: number) => this.lost(t, new Error(`the detection thread exited (code ${code})`)));
  }

  /** A thread failed or exited: its requests fail, and a new thread takes over unless stopping or failing too often. */
  private lost(t: EngineThread, e: Error): void {
    // An error is followed by the same thread's exit: one loss.
    if (t !== this.thread) return;
    this.fail(e);
    if (this.stopping || !this.spawn) return;
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < RESTART_WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      this.thread = undefined;
      this.onLog('detection thread', `lost ${MAX_RESTARTS + 1} times within a minute: not restarted, detection is stopped until Bulwark restarts`);
      return;
    }
    this.restarts.push(now);
    const next = this.spawn();
    this.attach(next);
    this.watch(next);
    this.failed = undefined;
    this.onLog('detection thread', 'restarted');
    this.onRestart?.();
  }

  private onReply(r: HostReply): void {
    if (r.t === 'log') {
      this.onLog(r.what, r.message);
      return;
    }
    const p = this.waiting.get(r.seq);
    if (!p) return;
    this.waiting.delete(r.seq);
    if (this.waiting.size === 0) this.port.unref?.();
    if (r.t === 'failed') p.reject(new Error(r.message));
    else p.resolve(r);
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    if (!this.stopping) this.onLog('detection thread', e.message);
    const all = [...this.waiting.values()];
    this.waiting.clear();
    this.port.unref?.();
    for (const p of all) p.reject(e);
  }
}
