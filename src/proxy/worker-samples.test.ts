import { describe, expect, it } from 'vitest';
import { SampledRequests, type SampledHttpRequest } from './sampled.js';
import { ForwardingSampledRequests, reviveSamples } from './worker-samples.js';

const ACL = 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop/1';

function sample(ctx: { uri: string; t: number }): SampledHttpRequest {
  return {
    Request: { ClientIP: '192.0.2.1', Country: '', URI: ctx.uri, Method: 'GET', HTTPVersion: 'HTTP/1.1', Headers: [] },
    Weight: 1,
    Timestamp: new Date(ctx.t),
    Action: 'BLOCK',
  };
}

/** Drains a worker into the primary as the IPC path does (JSON and back). */
function ship(w: ForwardingSampledRequests, primary: SampledRequests, now: number): void {
  for (const it of JSON.parse(JSON.stringify(w.drain())) as { webAclArn: string; ruleMetricName: string; slotStart: number; population: number; samples: Record<string, unknown>[] }[]) {
    primary.absorb(it.webAclArn, it.ruleMetricName, it.slotStart, it.population, reviveSamples(it.samples), now);
  }
}

describe('ForwardingSampledRequests → SampledRequests.absorb', () => {
  it('merges the population and samples of two workers; builds samples only when kept', () => {
    const now = Date.now();
    const primary = new SampledRequests();
    const a = new ForwardingSampledRequests();
    const b = new ForwardingSampledRequests();
    let built = 0;
    const build = (ctx: { uri: string; t: number }): SampledHttpRequest => {
      built++;
      return sample(ctx);
    };
    for (let i = 0; i < 30; i++) a.offer(ACL, 'rule', now, build, { uri: `/a/${i}`, t: now - 1000 + i });
    for (let i = 0; i < 20; i++) b.offer(ACL, 'rule', now, build, { uri: `/b/${i}`, t: now - 1000 + i });
    ship(a, primary, now);
    ship(b, primary, now);
    const r = primary.get(ACL, 'rule', new Date(now - 60_000), new Date(now + 1000), 500, now);
    expect(r.PopulationSize).toBe(50);
    expect(r.SampledRequests).toHaveLength(50);
    expect(r.SampledRequests.filter((s) => s.Request.URI.startsWith('/a/'))).toHaveLength(30);
    expect(r.SampledRequests[0]?.Timestamp).toBeInstanceOf(Date);
    expect(built).toBe(50);
    // Draining again adds nothing.
    ship(a, primary, now);
    expect(primary.get(ACL, 'rule', new Date(now - 60_000), new Date(now + 1000), 500, now).PopulationSize).toBe(50);
  });

  it('keeps bounded reservoirs under a flood, with the full population and weights that add up', () => {
    const now = Date.now();
    const primary = new SampledRequests(100);
    const ws = [new ForwardingSampledRequests(100), new ForwardingSampledRequests(100)];
    let built = 0;
    const build = (ctx: { uri: string; t: number }): SampledHttpRequest => {
      built++;
      return sample(ctx);
    };
    for (let round = 0; round < 20; round++) {
      for (const w of ws) for (let i = 0; i < 500; i++) w.offer(ACL, 'rule', now, build, { uri: '/flood', t: now - 5000 + round });
      for (const w of ws) ship(w, primary, now);
    }
    const r = primary.get(ACL, 'rule', new Date(now - 60_000), new Date(now + 1000), 500, now);
    expect(r.PopulationSize).toBe(20_000);
    expect(r.SampledRequests.length).toBeLessThanOrEqual(100);
    expect(r.SampledRequests.length).toBeGreaterThan(50);
    // Weights: population / kept, so they sum to about the population.
    const weight = r.SampledRequests.reduce((s, x) => s + x.Weight, 0);
    expect(weight).toBeGreaterThan(15_000);
    expect(weight).toBeLessThan(25_000);
    // Far fewer samples were built than requests seen.
    expect(built).toBeLessThan(4000);
  });

  it('counts each 15-minute slot apart', () => {
    const slot = 15 * 60_000;
    const t0 = Math.floor(Date.now() / slot) * slot - slot;
    const now = t0 + slot + 1000;
    const primary = new SampledRequests();
    const w = new ForwardingSampledRequests();
    w.offer(ACL, 'rule', t0 + 10, sample, { uri: '/old', t: t0 + 10 });
    w.offer(ACL, 'rule', t0 + slot + 10, sample, { uri: '/new', t: t0 + slot + 10 });
    ship(w, primary, now);
    expect(primary.get(ACL, 'rule', new Date(t0), new Date(t0 + slot - 1), 100, now).PopulationSize).toBe(1);
    expect(primary.get(ACL, 'rule', new Date(t0), new Date(now), 100, now).PopulationSize).toBe(2);
  });
});
