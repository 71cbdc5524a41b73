/**
 * Runs the data plane over several cores with node:cluster. The primary keeps the control plane
 * (API, configuration store, audit) and forks N workers that each run their own SiteManager on the
 * same listen addresses (the cluster module shares the listening sockets). Workers that crash are
 * restarted. The challenge token secret is generated in the primary and handed to the workers so a
 * token issued by one worker is honoured by all.
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';

const SECRET_ENV = 'BULWARK_DATA_PLANE_TOKEN_SECRET';

/** Options of {@link startDataPlane}. */
export interface DataPlaneOptions {
  /** Number of worker processes; 0 runs the data plane in this process. */
  readonly workers: number;
  /** Starts the data plane in a worker (build the AclProvider and SiteManager here). */
  readonly setupWorker: (ctx: { readonly challengeSecret: Buffer; readonly workerId: number }) => Promise<void>;
  /** Called in the primary when a worker exits (it is restarted unless stopping). */
  readonly onWorkerExit?: (workerId: number, code: number | null, signal: string | null) => void;
}

/** The handle the primary (or the single process) gets back. */
export interface DataPlane {
  readonly role: 'primary' | 'worker' | 'single';
  /** Worker ids (primary only). */
  readonly workerIds: () => number[];
  /** Sends a message to every worker (e.g. "configuration changed"); no-op outside the primary. */
  broadcast(message: unknown): void;
  /** Stops the workers (primary) or does nothing (worker; the primary stops it). */
  stop(): Promise<void>;
}

/** Starts the data plane in `workers` processes (see the module comment). */
export async function startDataPlane(o: DataPlaneOptions): Promise<DataPlane> {
  if (o.workers <= 0) {
    await o.setupWorker({ challengeSecret: randomBytes(32), workerId: 0 });
    return { role: 'single', workerIds: () => [], broadcast: () => undefined, stop: async () => undefined };
  }
  if (cluster.isWorker) {
    const secret = Buffer.from(process.env[SECRET_ENV] ?? '', 'base64');
    delete process.env[SECRET_ENV];
    await o.setupWorker({ challengeSecret: secret, workerId: cluster.worker?.id ?? 0 });
    process.send?.({ bulwarkDataPlane: 'ready' });
    return { role: 'worker', workerIds: () => [], broadcast: () => undefined, stop: async () => undefined };
  }
  const secret = randomBytes(32).toString('base64');
  let stopping = false;
  const fork = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork({ [SECRET_ENV]: secret });
      const onMsg = (m: unknown): void => {
        if ((m as { bulwarkDataPlane?: string })?.bulwarkDataPlane === 'ready') {
          w.off('message', onMsg);
          resolve();
        }
      };
      w.on('message', onMsg);
      w.once('exit', (code, signal) => {
        o.onWorkerExit?.(w.id, code, signal);
        reject(new Error(`data plane worker ${w.id} exited (${code ?? signal}) before it was ready`));
        if (!stopping) setTimeout(() => void fork().catch(() => undefined), 1000).unref();
      });
    });
  await Promise.all(Array.from({ length: o.workers }, fork));
  return {
    role: 'primary',
    workerIds: () => Object.keys(cluster.workers ?? {}).map(Number),
    broadcast(message) {
      for (const w of Object.values(cluster.workers ?? {})) w?.send(message as object);
    },
    async stop() {
      stopping = true;
      await Promise.all(
        Object.values(cluster.workers ?? {}).map(
          (w) =>
            new Promise<void>((resolve) => {
              if (!w || w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
