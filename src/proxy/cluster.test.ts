import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startDataPlane, type DataPlane, type DataPlaneMessage } from './cluster.js';

const FIXTURE = fileURLToPath(new URL('./testdata/cluster-worker.mjs', import.meta.url));

let plane: DataPlane | undefined;
afterEach(async () => {
  await plane?.stop();
  plane = undefined;
  delete process.env.BULWARK_TEST_SECRET;
});

async function until(fn: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('startDataPlane (node:cluster primary)', () => {
  it('runs setupWorker in this process when workers is 0, and its stop handlers at stop', async () => {
    const calls: string[] = [];
    plane = await startDataPlane({
      workers: 0,
      setupWorker: async (ctx) => {
        calls.push(`setup ${ctx.workerId} ${ctx.challengeSecret.length}`);
        ctx.onStop(() => void calls.push('stop'));
      },
    });
    expect(plane.role).toBe('single');
    await plane.stop();
    expect(calls).toEqual(['setup 0 32', 'stop']);
  });

  it('forks workers with init, strips environment, relays messages, restarts a crashed worker and stops them all', async () => {
    process.env.BULWARK_TEST_SECRET = 'do-not-leak';
    const got: [number, DataPlaneMessage][] = [];
    const exits: [number, number | null][] = [];
    let inits = 0;
    plane = await startDataPlane({
      workers: 2,
      exec: FIXTURE,
      env: { BULWARK_TEST_SECRET: undefined },
      init: () => ({ n: ++inits }),
      onMessage: (id, m) => got.push([id, m]),
      onWorkerExit: (id, code) => exits.push([id, code]),
      restartDelayMs: 50,
    });
    expect(plane.role).toBe('primary');
    const ids = plane.workerIds();
    expect(ids).toHaveLength(2);
    const envs = got.filter(([, m]) => m.bulwarkDataPlane === 'env').map(([, m]) => m);
    expect(envs.map((m) => m.secretSet)).toEqual([false, false]);
    expect(envs.map((m) => m.secretBytes)).toEqual([32, 32]);
    expect(envs.map((m) => (m.init as { n: number }).n).sort()).toEqual([1, 2]);

    plane.broadcast({ bulwarkDataPlane: 'ping', x: 1 });
    await until(() => got.filter(([, m]) => m.bulwarkDataPlane === 'echo').length === 2);
    expect(plane.send(ids[0] as number, { bulwarkDataPlane: 'crash' })).toBe(true);
    await until(() => exits.length === 1 && plane!.workerIds().length === 2 && !plane!.workerIds().includes(ids[0] as number));
    expect(exits[0]).toEqual([ids[0], 3]);
    expect(plane.restarts()).toBe(1);
    // The replacement got a fresh init.
    expect(inits).toBe(3);

    const p = plane;
    plane = undefined;
    await p.stop();
    expect(got.filter(([, m]) => m.bulwarkDataPlane === 'stopping')).toHaveLength(2);
    expect(exits.slice(1).map(([, c]) => c)).toEqual([0, 0]);
    expect(p.restarts()).toBe(1);
  });

  it('fails the start when a worker dies before it is ready', async () => {
    await expect(startDataPlane({ workers: 1, exec: fileURLToPath(new URL('./testdata/cluster-worker-fails.mjs', import.meta.url)) })).rejects.toThrow(/exited \(5\) before it was ready/);
  });
});
