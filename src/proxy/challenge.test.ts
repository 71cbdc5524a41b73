import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ChallengeIssuer, TOKEN_COOKIE, VERIFY_PATH, solveChallenge } from './challenge.js';
import { SiteManager } from './sites.js';
import { ScriptedAcl, decision, startUpstream } from './testing.js';
import type { InspectedRequest } from '../waf/engine/types.js';

const IMMUNITY = 300;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const issuer = new ChallengeIssuer({ challengeBits: 8, captchaBits: 10, captchaMinSolveMs: 1000 });
const acl = new ScriptedAcl();
// A rule that challenges /app and CAPTCHAs /login unless a token younger than the immunity time is presented.
acl.script = (req: InspectedRequest) => {
  const now = req.timeMs / 1000;
  if (req.uriPath.startsWith('/login')) {
    if (req.captchaSolvedAt !== undefined && now - req.captchaSolvedAt <= IMMUNITY) return decision({ action: 'ALLOW', nonTerminatingMatchingRules: [{ ruleId: 'captcha', action: 'CAPTCHA' }] });
    return decision({ action: 'CAPTCHA', terminatingRuleId: 'captcha' });
  }
  if (req.challengeSolvedAt !== undefined && now - req.challengeSolvedAt <= IMMUNITY) return decision({ action: 'ALLOW', nonTerminatingMatchingRules: [{ ruleId: 'challenge', action: 'CHALLENGE' }] });
  return decision({ action: 'CHALLENGE', terminatingRuleId: 'challenge' });
};
const manager = new SiteManager({ region: 'us-east-1', accountId: '000000000000', acls: { forSite: () => ({ acl }) }, challenge: issuer });
let base = '';

beforeAll(async () => {
  upstream = await startUpstream();
  const s = await manager.add({ name: 'app', listen: 0, upstream: upstream.url });
  base = `http://127.0.0.1:${s.address.port}`;
});
afterAll(async () => {
  await manager.close();
  await upstream.close();
});

/** What a browser does with the interstitial: read the constants the script uses, solve, post. */
async function passInterstitial(path: string, cookie?: string): Promise<{ status: number; setCookie: string | undefined }> {
  const r = await request(`${base}${path}`, { headers: cookie ? { cookie } : {} });
  const html = await r.body.text();
  const c = /var C = ("[^"]+"), BITS = (\d+), PATH = ("[^"]+")/.exec(html);
  if (!c) throw new Error(`no interstitial (status ${r.statusCode})`);
  const challenge = JSON.parse(c[1]!) as string;
  expect(JSON.parse(c[3]!)).toBe(VERIFY_PATH);
  expect(html).toContain("crypto.subtle.digest('SHA-256'");
  const nonce = solveChallenge(challenge, Number(c[2]));
  if (html.includes('id="go"')) await new Promise((res) => setTimeout(res, 1100)); // the human clicks
  const v = await request(`${base}${VERIFY_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ challenge, nonce }) });
  await v.body.text();
  const sc = v.headers['set-cookie'];
  return { status: v.statusCode, setCookie: Array.isArray(sc) ? sc[0] : sc };
}

describe('challenge and CAPTCHA', () => {
  it('serves the challenge interstitial with 202 to a client without a token, never forwarding', async () => {
    const r = await request(`${base}/app`);
    expect(r.statusCode).toBe(202);
    expect(r.headers['x-amzn-waf-action']).toBe('challenge');
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(await r.body.text()).toContain('<script>');
    expect(upstream.seen).toHaveLength(0);
  });

  it('a browser that runs the proof of work gets the token and passes; a script without it does not', async () => {
    const { status, setCookie } = await passInterstitial('/app');
    expect(status).toBe(200);
    expect(setCookie).toMatch(new RegExp(`^${TOKEN_COOKIE}=[^;]+; Path=/; Max-Age=\\d+; SameSite=Lax$`));
    const cookie = setCookie!.split(';')[0]!;
    const ok = await request(`${base}/app`, { headers: { cookie: `theme=dark; ${cookie}` } });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
    expect(upstream.seen.map((s) => s.url)).toEqual(['/app']);
    expect(acl.seen.at(-1)!.challengeSolvedAt).toBeGreaterThan(Date.now() / 1000 - 10);
    const curl = await request(`${base}/app`);
    expect(curl.statusCode).toBe(202);
    await curl.body.text();
  });

  it('refuses a wrong proof, a forged challenge and a challenge issued to another client', async () => {
    const r = await request(`${base}/app`);
    const challenge = JSON.parse(/var C = ("[^"]+")/.exec(await r.body.text())![1]!) as string;
    const post = async (c: string, nonce: string) => {
      const v = await request(`${base}${VERIFY_PATH}`, { method: 'POST', body: JSON.stringify({ challenge: c, nonce }) });
      return { status: v.statusCode, body: (await v.body.json()) as { reason?: string }, cookie: v.headers['set-cookie'] };
    };
    let bad = '0';
    while (true) {
      const { createHash } = await import('node:crypto');
      const d = createHash('sha256').update(challenge + bad).digest();
      if (d[0] !== 0) break;
      bad = String(Number(bad) + 1);
    }
    expect(await post(challenge, bad)).toMatchObject({ status: 403, body: { reason: 'BAD_PROOF' }, cookie: undefined });
    const parts = challenge.split('.');
    parts[2] = '0'; // claim zero difficulty
    expect((await post(parts.join('.'), '0')).body.reason).toBe('BAD_SIGNATURE');
    const other = issuer.issue('challenge', '198.51.100.1', Date.now());
    expect((await post(other, solveChallenge(other, issuer.challengeBits))).body.reason).toBe('WRONG_CLIENT');
    const old = issuer.issue('challenge', '127.0.0.1', Date.now() - 3_600_000);
    expect((await post(old, solveChallenge(old, issuer.challengeBits))).body.reason).toBe('EXPIRED');
  });

  it('rejects tampered, foreign and expired tokens', async () => {
    const now = Date.now();
    const good = issuer.token({ challengeAt: Math.floor(now / 1000), captchaAt: 0 }, '127.0.0.1');
    expect(issuer.verifyToken(good, '127.0.0.1', now)).toEqual({ challengeAt: Math.floor(now / 1000), captchaAt: 0 });
    const [body, mac] = good.split('.') as [string, string];
    const forgedBody = Buffer.from(Buffer.from(body, 'base64url').toString().replace(/^1:\d+/, '1:9999999999')).toString('base64url');
    expect(issuer.verifyToken(`${forgedBody}.${mac}`, '127.0.0.1', now)).toBeUndefined();
    expect(issuer.verifyToken(`${body}.${mac.slice(0, -2)}AA`, '127.0.0.1', now)).toBeUndefined();
    expect(issuer.verifyToken(good, '10.0.0.1', now)).toBeUndefined();
    expect(new ChallengeIssuer().verifyToken(good, '127.0.0.1', now)).toBeUndefined();
    const stale = issuer.token({ challengeAt: Math.floor(now / 1000) - 4 * 86400, captchaAt: 0 }, '127.0.0.1');
    expect(issuer.verifyToken(stale, '127.0.0.1', now)).toBeUndefined();
    // Through the proxy: a token past the rule's immunity time is challenged again.
    const expired = issuer.token({ challengeAt: Math.floor(now / 1000) - IMMUNITY - 60, captchaAt: 0 }, '127.0.0.1');
    const r = await request(`${base}/app`, { headers: { cookie: `${TOKEN_COOKIE}=${expired}` } });
    expect(r.statusCode).toBe(202);
    await r.body.text();
    const t = await request(`${base}/app`, { headers: { cookie: `${TOKEN_COOKIE}=${forgedBody}.${mac}` } });
    expect(t.statusCode).toBe(202);
    await t.body.text();
  });

  it('CAPTCHA answers 405 with a click-to-verify page, refuses instant solutions, and then passes', async () => {
    const r = await request(`${base}/login`);
    expect(r.statusCode).toBe(405);
    expect(r.headers['x-amzn-waf-action']).toBe('captcha');
    const html = await r.body.text();
    expect(html).toContain('I am human');
    const challenge = JSON.parse(/var C = ("[^"]+")/.exec(html)![1]!) as string;
    const fast = await request(`${base}${VERIFY_PATH}`, { method: 'POST', body: JSON.stringify({ challenge, nonce: solveChallenge(challenge, issuer.captchaBits) }) });
    expect(((await fast.body.json()) as { reason: string }).reason).toBe('TOO_FAST');
    const { status, setCookie } = await passInterstitial('/login');
    expect(status).toBe(200);
    const ok = await request(`${base}/login`, { headers: { cookie: setCookie!.split(';')[0]! } });
    expect(ok.statusCode).toBe(200);
    await ok.body.text();
    // A CAPTCHA solve also counts as a challenge solve.
    const app = await request(`${base}/app`, { headers: { cookie: setCookie!.split(';')[0]! } });
    expect(app.statusCode).toBe(200);
    await app.body.text();
  });

  it('answers only POST on the verify path and never forwards it', async () => {
    const before = upstream.seen.length;
    const r = await request(`${base}${VERIFY_PATH}`);
    expect(r.statusCode).toBe(405);
    await r.body.text();
    expect(upstream.seen.length).toBe(before);
  });
});
