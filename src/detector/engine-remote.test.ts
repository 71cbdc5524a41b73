/**
 * Supervision of the detection thread: a lost thread fails its outstanding requests, a new one
 * takes over and gets the state re-sent before anything else, and a thread lost too often is not
 * restarted.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { HostRequest } from './engine-host.js';
import { MAX_RESTARTS, RemoteEngines, type EngineThread } from './engine-remote.js';

/** A fake thread: records what is posted and answers snapshot requests unless told to stay silent. */
class FakeThread extends EventEmitter implements EngineThread {
  readonly posted: HostRequest[] = [];
  silent = false;
  terminated = false;
  constructor(readonly n: number) {
    super();
  }
  postMessage(value: unknown): void {
    const m = value as HostRequest;
    this.posted.push(m);
    if (m.t === 'snapshot' && !this.silent) queueMicrotask(() => this.emit('message', { t: 'snapshots', seq: m.seq, states: [[`from-${this.n}`, {}]], errors: [] }));
  }
  terminate(): Promise<number> {
    this.terminated = true;
    return Promise.resolve(0);
  }
  crash(): void {
    this.emit('error', new Error('boom'));
    this.emit('exit', 1);
  }
}

function supervised(): { r: RemoteEngines; threads: FakeThread[]; logs: string[]; restarts: number[] } {
  const threads: FakeThread[] = [];
  const logs: string[] = [];
  const restarts: number[] = [];
  const r = RemoteEngines.supervised(
    () => {
      const t = new FakeThread(threads.length);
      threads.push(t);
      return t;
    },
    (what, message) => logs.push(`${what}: ${message}`),
    () => {
      restarts.push(threads.length);
      r.send({ t: 'reset' });
    },
  );
  return { r, threads, logs, restarts };
}

describe('RemoteEngines supervision', () => {
  it('replaces a lost thread: outstanding requests fail, the state is re-sent first, later requests reach the new thread', async () => {
    const { r, threads, logs, restarts } = supervised();
    expect((await r.request({ t: 'snapshot', ids: [] })).t).toBe('snapshots');
    threads[0]!.silent = true;
    const pending = r.request({ t: 'snapshot', ids: [] });
    threads[0]!.crash();
    await expect(pending).rejects.toThrow('boom');
    expect(threads).toHaveLength(2);
    expect(restarts).toEqual([2]);
    // The error and the exit of one thread are one loss.
    expect(logs).toEqual(['detection thread: boom', 'detection thread: restarted']);
    // The re-sent state is the first thing the new thread gets.
    expect(threads[1]!.posted[0]).toEqual({ t: 'reset' });
    const reply = await r.request({ t: 'snapshot', ids: [] });
    expect(reply.t === 'snapshots' && reply.states[0]![0]).toBe('from-1');
    // A late message of the old thread is ignored.
    threads[0]!.emit('message', { t: 'snapshots', seq: 99, states: [], errors: [] });
  });

  it(`stops restarting after ${MAX_RESTARTS} restarts within a minute: requests then fail`, async () => {
    const { r, threads, logs } = supervised();
    for (let i = 0; i <= MAX_RESTARTS; i++) threads.at(-1)!.crash();
    expect(threads).toHaveLength(MAX_RESTARTS + 1);
    expect(logs.at(-1)).toMatch(/not restarted/);
    await expect(r.request({ t: 'snapshot', ids: [] })).rejects.toThrow('boom');
    r.send({ t: 'reset' });
    expect(threads.at(-1)!.posted.filter((m) => m.t === 'reset')).toHaveLength(1);
  });

  it('does not restart a thread it stopped', async () => {
    const { r, threads, restarts } = supervised();
    await r.close();
    expect(threads[0]!.terminated).toBe(true);
    threads[0]!.emit('exit', 0);
    expect(threads).toHaveLength(1);
    expect(restarts).toEqual([]);
    await expect(r.request({ t: 'snapshot', ids: [] })).rejects.toThrow('stopped');
  });
});
