/**
 * Runs the data plane over several cores with node:cluster. The primary keeps the control plane
 * (API, configuration store, audit) and forks N workers that each run their own SiteManager on the
 * same listen addresses (the cluster module shares the listening sockets). Workers that crash are
 * restarted (with a growing delay when they crash right after starting).
 *
 * The protocol between the primary and a worker is a handful of IPC messages tagged
 * `{ bulwarkDataPlane: <type> }`: the worker says `hello` once its message listener is attached,
 * the primary answers `init` (the challenge token secret, so a token issued by one worker is
 * honoured by all, and the caller's init payload), the worker runs its setup and says `ready`.
 * `stop` (or SIGTERM) makes the worker run its stop handlers and exit 0; SIGINT (Ctrl-C reaches the
 * whole process group) is left to the primary, which then sends `stop`; a worker whose primary goes
 * away is exited at once by node:cluster. Everything else tagged this way is the caller's (configuration, observations, metrics).
 *
 * Two ways to run a worker: `exec` names an entry script that calls {@link joinDataPlane} (what
 * `bulwark start --data-plane-workers N` does, so workers never parse the node's configuration or
 * environment), or, without `exec`, the same script runs again and {@link startDataPlane} calls
 * `setupWorker` in the worker (the benchmark does this).
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';

/** The tag of every data-plane IPC message. */
export const DATA_PLANE_TAG = 'bulwarkDataPlane';

/** A data-plane IPC message: `{ bulwarkDataPlane: type, ...fields }`. */
export interface DataPlaneMessage {
  readonly bulwarkDataPlane: string;
  readonly [field: string]: unknown;
}

/** True for a data-plane IPC message. */
export function isDataPlaneMessage(m: unknown): m is DataPlaneMessage {
  return typeof m === 'object' && m !== null && typeof (m as { bulwarkDataPlane?: unknown }).bulwarkDataPlane === 'string';
}

/** What a worker's setup gets. */
export interface WorkerContext {
  readonly challengeSecret: Buffer;
  /** The cluster worker id (0 in single-process mode). */
  readonly workerId: number;
  /** The primary's init payload (`DataPlaneOptions.init`), undefined in single-process mode. */
  readonly init: unknown;
  /** Sends a message to the primary (no-op in single-process mode). Returns false when it was dropped. */
  send(m: DataPlaneMessage, done?: (err: Error | null) => void): boolean;
  /** Receives the primary's data-plane messages (other than init/stop). */
  onMessage(fn: (m: DataPlaneMessage) => void): void;
  /** Runs at stop (in registration order) before the worker exits 0. */
  onStop(fn: () => Promise<void> | void): void;
}

/** Options of {@link startDataPlane}. */
export interface DataPlaneOptions {
  /** Number of worker processes; 0 runs the data plane in this process. */
  readonly workers: number;
  /** Same-script mode and single-process mode: starts the data plane (AclProvider, SiteManager). */
  readonly setupWorker?: (ctx: WorkerContext) => Promise<void>;
  /** Entry script of the workers (it calls {@link joinDataPlane}); without it the current script is re-run. */
  readonly exec?: string;
  /** Environment overrides of the workers; a key set to undefined is removed (strip secrets here). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The payload a new (or restarted) worker receives in `init`. */
  readonly init?: () => unknown;
  /** A data-plane message from a worker (primary only). */
  readonly onMessage?: (workerId: number, m: DataPlaneMessage) => void;
  /** A worker finished its setup (first start and every restart). */
  readonly onWorkerReady?: (workerId: number) => void;
  /** Called in the primary when a worker exits (it is restarted unless stopping). */
  readonly onWorkerExit?: (workerId: number, code: number | null, signal: string | null) => void;
  /** Delay before a crashed worker is restarted (default 200 ms; doubled up to 10 s while it keeps crashing within 10 s). */
  readonly restartDelayMs?: number;
  /** How long stop() waits for a worker to drain before SIGKILL (default 15 s). */
  readonly stopTimeoutMs?: number;
}

/** The handle the primary (or the single process) gets back. */
export interface DataPlane {
  readonly role: 'primary' | 'worker' | 'single';
  /** Ids of the workers that are ready (primary only). */
  readonly workerIds: () => number[];
  /** Sends a message to every ready worker; no-op outside the primary. */
  broadcast(message: DataPlaneMessage): void;
  /** Sends a message to one worker; false when it is not connected. */
  send(workerId: number, message: DataPlaneMessage): boolean;
  /** Workers restarted after a crash so far. */
  readonly restarts: () => number;
  /** Stops the workers (primary): they finish in-flight requests and exit. */
  stop(): Promise<void>;
}

const noop = (): undefined => undefined;

/** Starts the data plane in `workers` processes (see the module comment). */
export async function startDataPlane(o: DataPlaneOptions): Promise<DataPlane> {
  if (o.workers <= 0) {
    const stops: (() => Promise<void> | void)[] = [];
    await o.setupWorker?.({
      challengeSecret: randomBytes(32),
      workerId: 0,
      init: undefined,
      send: () => false,
      onMessage: noop,
      onStop: (fn) => void stops.push(fn),
    });
    return {
      role: 'single',
      workerIds: () => [],
      broadcast: noop,
      send: () => false,
      restarts: () => 0,
      stop: async () => {
        for (const fn of stops) await fn();
      },
    };
  }
  if (cluster.isWorker) {
    if (!o.setupWorker) throw new Error('startDataPlane in a worker needs setupWorker');
    await joinDataPlane(o.setupWorker);
    return { role: 'worker', workerIds: () => [], broadcast: noop, send: () => false, restarts: () => 0, stop: async () => undefined };
  }
  return startPrimary(o);
}

async function startPrimary(o: DataPlaneOptions): Promise<DataPlane> {
  const secret = randomBytes(32).toString('base64');
  if (o.exec) cluster.setupPrimary({ exec: o.exec, args: [] });
  const ready = new Set<number>();
  const live = new Map<number, Worker>();
  let stopping = false;
  let started = false;
  let restarts = 0;
  let delay = o.restartDelayMs ?? 200;
  const baseDelay = delay;

  const fork = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const bornAt = Date.now();
      const w = cluster.fork(o.env ?? {});
      live.set(w.id, w);
      let isReady = false;
      w.on('message', (m: unknown) => {
        if (!isDataPlaneMessage(m)) return;
        switch (m.bulwarkDataPlane) {
          case 'hello':
            w.send({ bulwarkDataPlane: 'init', secret, workerId: w.id, init: o.init?.() });
            return;
          case 'ready':
            isReady = true;
            ready.add(w.id);
            o.onWorkerReady?.(w.id);
            resolve();
            return;
          default:
            o.onMessage?.(w.id, m);
        }
      });
      // An IPC write to a worker that just died fails asynchronously; the exit handler deals with it.
      w.on('error', noop);
      w.once('exit', (code, signal) => {
        live.delete(w.id);
        ready.delete(w.id);
        o.onWorkerExit?.(w.id, code, signal);
        if (!isReady) reject(new Error(`data plane worker ${w.id} exited (${code ?? signal}) before it was ready`));
        if (stopping || !started) return;
        // A worker that dies soon after starting backs off; one that ran a while restarts at once.
        delay = Date.now() - bornAt < 10_000 ? Math.min(delay * 2, 10_000) : baseDelay;
        restarts++;
        setTimeout(() => {
          if (!stopping) void fork().catch(noop);
        }, delay).unref();
      });
    });

  try {
    await Promise.all(Array.from({ length: o.workers }, fork));
  } catch (e) {
    stopping = true;
    await stopAll(live, o.stopTimeoutMs ?? 15_000);
    throw e;
  }
  started = true;
  return {
    role: 'primary',
    workerIds: () => [...ready].sort((a, b) => a - b),
    broadcast(message) {
      for (const id of ready) {
        const w = live.get(id);
        if (w?.isConnected()) w.send(message);
      }
    },
    send(workerId, message) {
      const w = live.get(workerId);
      if (!w?.isConnected()) return false;
      w.send(message);
      return true;
    },
    restarts: () => restarts,
    async stop() {
      stopping = true;
      await stopAll(live, o.stopTimeoutMs ?? 15_000);
    },
  };
}

/** Asks every worker to stop and waits; SIGKILL after `timeoutMs`. */
async function stopAll(live: Map<number, Worker>, timeoutMs: number): Promise<void> {
  await Promise.all(
    [...live.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          const timer = setTimeout(() => w.process.kill('SIGKILL'), timeoutMs);
          w.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          if (w.isConnected()) w.send({ bulwarkDataPlane: 'stop' });
          else w.process.kill('SIGTERM');
        }),
    ),
  );
}

/**
 * The worker's half of the protocol: says hello, waits for init, runs `setup`, says ready, and
 * stops (stop handlers, then exit 0) on `stop` or SIGTERM.
 */
export async function joinDataPlane(setup: (ctx: WorkerContext) => Promise<void>): Promise<void> {
  if (!cluster.isWorker || !process.send) throw new Error('joinDataPlane runs only in a cluster worker');
  const listeners: ((m: DataPlaneMessage) => void)[] = [];
  const stops: (() => Promise<void> | void)[] = [];
  let stopping = false;
  let ready = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      let code = 0;
      for (const fn of stops) {
        try {
          await fn();
        } catch (e) {
          process.stderr.write(`bulwark data plane worker: stop failed: ${(e as Error).message}\n`);
          code = 1;
        }
      }
      process.exit(code);
    })();
  };
  const init = await new Promise<DataPlaneMessage>((resolve) => {
    process.on('message', (m: unknown) => {
      if (!isDataPlaneMessage(m)) return;
      if (m.bulwarkDataPlane === 'init') resolve(m);
      else if (m.bulwarkDataPlane === 'stop') stop();
      else for (const fn of listeners) fn(m);
    });
    process.send?.({ bulwarkDataPlane: 'hello' });
  });
  process.on('SIGTERM', stop);
  // Ctrl-C reaches the whole process group: the primary coordinates that stop (it sends `stop`).
  process.on('SIGINT', noop);
  // If the primary goes away, node:cluster itself exits the worker at once (no drain possible).
  const secret = Buffer.from(String(init.secret ?? ''), 'base64');
  const send = (m: DataPlaneMessage, done?: (err: Error | null) => void): boolean => {
    if (!process.connected || !process.send) {
      done?.(new Error('not connected'));
      return false;
    }
    return process.send(m, undefined, undefined, (err: Error | null) => done?.(err));
  };
  await setup({
    challengeSecret: secret,
    workerId: Number(init.workerId ?? cluster.worker?.id ?? 0),
    init: init.init,
    send,
    onMessage: (fn) => void listeners.push(fn),
    onStop: (fn) => void stops.push(fn),
  });
  if (!ready && !stopping) {
    ready = true;
    process.send?.({ bulwarkDataPlane: 'ready' });
  }
}
