import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ConfigError, resolveConfig } from '../../../config/index.js';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRateCounter } from './memory.js';
import { RedisRateCounter, sharedRuleId } from './redis.js';

// The real Redis CI runs at 127.0.0.1:6379; every run uses its own key prefix and deletes it.
const URL = process.env.BULWARK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `bulwark-test:${randomUUID()}`;
const admin = new Redis(URL, { maxRetriesPerRequest: 1 });
const open: RedisRateCounter[] = [];
const RULE = 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop/11111111-2222-3333-4444-555555555555#rate-limit';
const RULE_OTHER_NODE = 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop/99999999-8888-7777-6666-555555555555#rate-limit';

function counter(o: { url?: string; logs?: string[] } = {}): RedisRateCounter {
  const c = new RedisRateCounter({
    url: o.url ?? URL,
    prefix: PREFIX,
    syncIntervalMs: 60_000, // the tests drive sync() themselves
    logger: { warn: (_o, m) => o.logs?.push(`warn ${m}`), info: (_o, m) => o.logs?.push(`info ${m}`) },
  });
  open.push(c);
  return c;
}

async function ready(c: RedisRateCounter): Promise<void> {
  const client = (c as unknown as { client: Redis }).client;
  for (let i = 0; i < 100 && client.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
  expect(client.status).toBe('ready');
}

afterAll(async () => {
  for (const c of open) await c.close();
  const keys = await admin.keys(`${PREFIX}:*`);
  if (keys.length > 0) await admin.del(...keys);
  expect(await admin.keys(`${PREFIX}:*`)).toEqual([]);
  await admin.quit();
});

describe('sharedRuleId', () => {
  it('drops the random id of the web ACL or rule group ARN and keeps everything else', () => {
    expect(sharedRuleId(RULE)).toBe('arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop#rate-limit');
    expect(sharedRuleId(RULE_OTHER_NODE)).toBe(sharedRuleId(RULE));
    expect(sharedRuleId('arn:aws:wafv2:us-east-1:000000000000:regional/rulegroup/g/abc#r')).toBe('arn:aws:wafv2:us-east-1:000000000000:regional/rulegroup/g#r');
    expect(sharedRuleId('plain#r')).toBe('plain#r');
  });
});

describe('RedisRateCounter (real Redis)', () => {
  it('counts exactly like the memory counter on one node', async () => {
    const c = counter();
    await ready(c);
    const m = new MemoryRateCounter();
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 200; i++) {
      const t = t0 + i * 900;
      expect(c.hit(RULE, '10.0.0.1', 60, t)).toBe(m.hit(RULE, '10.0.0.1', 60, t));
    }
    expect(c.keysOver(RULE, 10, 60, t0 + 199 * 900)).toEqual(['10.0.0.1']);
  });

  it('shares counts between two nodes within one sync, so the combined limit holds', async () => {
    const a = counter();
    const b = counter();
    await ready(a);
    await ready(b);
    const now = Date.now();
    for (let i = 0; i < 30; i++) a.hit(RULE, '192.0.2.7', 60, now);
    for (let i = 0; i < 20; i++) b.hit(RULE_OTHER_NODE, '192.0.2.7', 60, now);
    await a.sync();
    await b.sync();
    await a.sync();
    // Each node sees the other's hits plus its own.
    expect(a.hit(RULE, '192.0.2.7', 60, now)).toBe(51);
    expect(b.hit(RULE_OTHER_NODE, '192.0.2.7', 60, now)).toBe(51);
    expect(b.keysOver(RULE_OTHER_NODE, 50, 60, now)).toEqual(['192.0.2.7']);
    // Other keys and windows are separate.
    expect(a.hit(RULE, '192.0.2.8', 60, now)).toBe(1);
    expect(a.hit(RULE, '192.0.2.7', 120, now)).toBe(1);
    // The hash in Redis holds the cluster total of the bucket and expires after the window.
    const keys = await admin.keys(`${PREFIX}:*192.0.2.7`);
    expect(keys).toEqual([`${PREFIX}:arn:aws:wafv2:us-east-1:000000000000:regional/webacl/shop#rate-limit:60:192.0.2.7`]);
    const h = await admin.hgetall(keys[0]!);
    expect(Object.values(h).map(Number).reduce((x, y) => x + y, 0)).toBe(50);
    const ttl = await admin.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(62_000);
  });

  it('never blocks and degrades to local counting (logged once) when Redis is unreachable', async () => {
    const logs: string[] = [];
    const c = counter({ url: 'redis://127.0.0.1:1', logs });
    const now = Date.now();
    for (let i = 0; i < 5; i++) expect(c.hit(RULE, 'k', 60, now)).toBe(i + 1);
    for (let i = 0; i < 8; i++) {
      await c.sync();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(c.isDegraded).toBe(true);
    expect(logs.filter((l) => l.startsWith('warn'))).toHaveLength(1);
    expect(c.hit(RULE, 'k', 60, now)).toBe(6);
  });

  it('pushes the increments it kept while Redis was down once it is back', async () => {
    const logs: string[] = [];
    const a = counter({ logs });
    const b = counter();
    await ready(a);
    await ready(b);
    const client = (a as unknown as { client: Redis }).client;
    const now = Date.now();
    // Simulate an outage: the connection drops, hits keep counting locally.
    client.disconnect(true);
    for (let i = 0; i < 7; i++) a.hit(RULE, 'outage', 60, now);
    await a.sync();
    expect(a.isDegraded).toBe(true);
    // Reconnects on its own; the next successful sync pushes the kept increments.
    for (let i = 0; i < 100 && a.isDegraded; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await a.sync();
    }
    expect(a.isDegraded).toBe(false);
    expect(logs).toEqual([
      'warn redis unreachable: rate-based rules count locally on this node until it is back',
      'info redis reachable again: rate-based counts are shared across nodes',
    ]);
    b.hit(RULE, 'outage', 60, now);
    await b.sync();
    expect(b.hit(RULE, 'outage', 60, now)).toBe(9);
  });
});

describe('--redis configuration', () => {
  it('takes the flag over BULWARK_REDIS_URL over the config file, and refuses other URLs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-redis-cfg-'));
    try {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, 'redis: redis://file:6379\n');
      expect(resolveConfig({ config: file }, {}).redisUrl).toBe('redis://file:6379');
      expect(resolveConfig({ config: file }, { BULWARK_REDIS_URL: 'redis://env:6379' }).redisUrl).toBe('redis://env:6379');
      expect(resolveConfig({ config: file, redis: 'rediss://flag:6380/2' }, { BULWARK_REDIS_URL: 'redis://env:6379' }).redisUrl).toBe('rediss://flag:6380/2');
      expect(resolveConfig({}, {}).redisUrl).toBeUndefined();
      expect(() => resolveConfig({ redis: 'http://x:1' }, {})).toThrow(ConfigError);
      expect(() => resolveConfig({ redis: 'not a url' }, {})).toThrow(/--redis must be a redis:\/\/ or rediss:\/\/ URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
