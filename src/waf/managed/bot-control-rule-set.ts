/**
 * AWSManagedRulesBotControlRuleSet (50 WCU), common inspection level: self-identifying bots by
 * user-agent signature (bot-signatures.ts), and the signals automated browser, known bot data centre
 * and non-browser user agent. Each request is classified once (cached per request object); the
 * rules ask the classification through ManagedSignalStatement.
 *
 * Labels follow AWS: a category rule that sees its category adds `bot:category:<c>`,
 * `bot:name:<n>` (named bots) and `bot:verified` or `bot:unverified`; it matches (Block, plus the
 * rule's own label) only for unverified bots. Verification (reverse + forward DNS on AWS) is a
 * pluggable `BotVerifier`, off by default: without one every bot is unverified and blocked, which
 * is stricter than AWS for real search engines. Verified bots get no `signal:` labels.
 */
import { promises as dnsPromises } from 'node:dns';
import { addLabel, registerManagedSignal, type EvalContext, type InspectedRequest } from '../engine/index.js';
import { BOT_CATEGORIES, BOT_SIGNATURES, MISC_BOT, type BotCategory, type BotSignature } from './bot-signatures.js';
import { ipListHas } from './ip-lists.js';
import type { Json } from './rule-builder.js';
import { defineGroup } from './types.js';

const NS = 'awswaf:managed:aws:bot-control:';

/** What a verifier is asked: the bot the user agent claims and the client IP. */
export interface BotClaim {
  readonly name: string;
  readonly category: BotCategory;
  /** Reverse-DNS suffixes the bot's operator documents (empty: not verifiable by DNS). */
  readonly domains: readonly string[];
  readonly ip: string;
}

/**
 * Decides whether a bot is what it claims. Called on the request path, so it must answer from
 * memory: true = verified; false or undefined = unverified (e.g. not looked up yet).
 */
export type BotVerifier = (claim: BotClaim) => boolean | undefined;

let verifier: BotVerifier | undefined;

/** Installs (or, with undefined, removes) the bot verifier. Off by default. */
export function setBotVerifier(v: BotVerifier | undefined): void {
  verifier = v;
}

/** DNS functions the reverse-DNS verifier uses (node:dns by default; tests pass fakes). */
export interface DnsLookups {
  reverse(ip: string): Promise<string[]>;
  forward(host: string): Promise<string[]>;
}

/**
 * A verifier doing what AWS and the search engines document: the IP's PTR name ends in one of the
 * bot's domains and that name resolves back to the IP. Lookups run in the background; until one
 * completes the bot is unverified. Results are cached for `ttlMs` (default 1 h), at most `max` IPs.
 */
export function reverseDnsBotVerifier(opts: { dns?: DnsLookups; ttlMs?: number; max?: number } = {}): BotVerifier & { pending(): Promise<void> } {
  const dns: DnsLookups = opts.dns ?? {
    reverse: (ip) => dnsPromises.reverse(ip),
    forward: async (host) => [...(await dnsPromises.resolve4(host).catch(() => [])), ...(await dnsPromises.resolve6(host).catch(() => []))],
  };
  const ttl = opts.ttlMs ?? 3_600_000;
  const max = opts.max ?? 10_000;
  const cache = new Map<string, { ok: boolean; until: number }>();
  const inflight = new Map<string, Promise<void>>();
  async function check(key: string, claim: BotClaim): Promise<void> {
    let ok = false;
    try {
      const names = await dns.reverse(claim.ip);
      for (const n of names) {
        const host = n.toLowerCase().replace(/\.$/, '');
        if (!claim.domains.some((d) => host.endsWith(d))) continue;
        if ((await dns.forward(host)).includes(claim.ip)) {
          ok = true;
          break;
        }
      }
    } catch {
      ok = false;
    }
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(key, { ok, until: Date.now() + ttl });
    inflight.delete(key);
  }
  const v = (claim: BotClaim): boolean | undefined => {
    if (claim.domains.length === 0) return false;
    const key = `${claim.name}\0${claim.ip}`;
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.ok;
    if (!inflight.has(key)) inflight.set(key, check(key, claim));
    return undefined;
  };
  return Object.assign(v, { pending: async () => void (await Promise.all(inflight.values())) });
}

/** One request's classification. */
interface BotClass {
  readonly bot: BotSignature | undefined;
  /** Miscellaneous self-declared automation without a name. */
  readonly misc: boolean;
  readonly verified: boolean;
  readonly automatedBrowser: boolean;
  readonly nonBrowserUa: boolean;
}

/**
 * Signatures indexed by their first three characters (lower case), longest token first: one pass
 * over the user agent finds the leftmost known token with a map lookup per position.
 */
const BY_PREFIX = new Map<number, BotSignature[]>();
for (const b of [...BOT_SIGNATURES].sort((x, y) => y.token.length - x.token.length)) {
  const k = (b.token.charCodeAt(0) << 16) | (b.token.charCodeAt(1) << 8) | b.token.charCodeAt(2);
  const l = BY_PREFIX.get(k);
  if (l) l.push(b);
  else BY_PREFIX.set(k, [b]);
}

function findBot(ua: string): BotSignature | undefined {
  const lower = ua.toLowerCase();
  for (let i = 0; i + 2 < lower.length; i++) {
    const l = BY_PREFIX.get((lower.charCodeAt(i) << 16) | (lower.charCodeAt(i + 1) << 8) | lower.charCodeAt(i + 2));
    if (l === undefined) continue;
    for (let j = 0; j < l.length; j++) if (lower.startsWith(l[j]!.token, i)) return l[j];
  }
  return undefined;
}
/** Headless and automation-framework markers in the user agent. */
const AUTOMATED_UA = /headlesschrome|phantomjs|slimerjs|puppeteer|playwright|selenium|webdriver|htmlunit|nightmarejs|electron\/\S+ .*headless|zombie\.js|cypress|splash|lightpanda/i;
/** Headers automation tools add. */
const AUTOMATION_HEADERS = new Set(['x-devtools-emulate-network-conditions-client-id', 'x-puppeteer', 'x-playwright', 'x-selenium']);
/** A browser's user agent: Mozilla/5.0 (platform) and a rendering engine token, or legacy Opera. */
const BROWSER_UA = /^mozilla\/5\.0 \([^)]+\) (?:applewebkit\/|gecko\/|.*\btrident\/)|^mozilla\/5\.0 \(windows nt [^)]*trident|^opera\/9\.80 \(/i;

/**
 * The last request classified and its class: the group's rules ask for the same request one after
 * another within one synchronous evaluation. (A WeakMap keyed by every request kept its dead entries
 * until a full GC, a cost per request of its own.)
 */
let lastReq: InspectedRequest | undefined;
let lastClass: BotClass | undefined;

function classify(req: InspectedRequest): BotClass {
  if (req === lastReq && lastClass !== undefined) return lastClass;
  let ua: string | undefined;
  let automationHeader = false;
  const h = req.headers;
  for (let i = 0; i < h.length; i++) {
    const name = h[i]![0].toLowerCase();
    if (name === 'user-agent') ua ??= h[i]![1];
    else if (AUTOMATION_HEADERS.has(name)) automationHeader = true;
    else if (name === 'sec-ch-ua' && /headless/i.test(h[i]![1])) automationHeader = true;
  }
  const text = ua?.trim() ?? '';
  const bot = text.length > 0 ? findBot(text) : undefined;
  const misc = bot === undefined && text.length > 0 && MISC_BOT.test(text);
  let verified = false;
  if (bot !== undefined && bot.verify !== undefined && verifier !== undefined) {
    verified = verifier({ name: bot.name, category: bot.category, domains: bot.verify, ip: req.clientIp }) === true;
  }
  const c: BotClass = {
    bot,
    misc,
    verified,
    automatedBrowser: automationHeader || AUTOMATED_UA.test(text),
    nonBrowserUa: text.length === 0 || !BROWSER_UA.test(text),
  };
  lastReq = req;
  lastClass = c;
  return c;
}

function categorySignal(category: BotCategory): (ctx: EvalContext) => boolean {
  return (ctx) => {
    const c = classify(ctx.req);
    const cat = c.bot?.category ?? (c.misc ? 'miscellaneous' : undefined);
    if (cat !== category) return false;
    addLabel(ctx, `${NS}bot:category:${category}`);
    if (c.bot !== undefined) addLabel(ctx, `${NS}bot:name:${c.bot.name}`);
    addLabel(ctx, c.verified ? `${NS}bot:verified` : `${NS}bot:unverified`);
    return !c.verified;
  };
}

for (const cat of Object.keys(BOT_CATEGORIES) as BotCategory[]) registerManagedSignal(`bot-control:category:${cat}`, categorySignal(cat));
registerManagedSignal('bot-control:signal:automated_browser', (ctx) => {
  const c = classify(ctx.req);
  return !c.verified && c.automatedBrowser;
});
registerManagedSignal('bot-control:signal:known_bot_data_center', (ctx) => {
  const c = classify(ctx.req);
  return !c.verified && (ipListHas('HostingProviderIPList', ctx.req.clientIp) || ipListHas('BotDataCenterList', ctx.req.clientIp));
});
registerManagedSignal('bot-control:signal:non_browser_user_agent', (ctx) => {
  const c = classify(ctx.req);
  return !c.verified && c.nonBrowserUa;
});

function botRule(name: string, priority: number, signal: string, labels: readonly string[]): Json {
  return {
    Name: name,
    Priority: priority,
    Statement: { ManagedSignalStatement: { Signal: signal } },
    Action: { Block: {} },
    RuleLabels: labels.map((Name) => ({ Name })),
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name },
  };
}

let p = 0;
/** AWSManagedRulesBotControlRuleSet (common level). */
export const botControlRuleSet = defineGroup({
  Name: 'AWSManagedRulesBotControlRuleSet',
  Description: 'Provides protection against automated bots that can consume excess resources, skew business metrics, cause downtime, or perform malicious activities. Bot Control provides additional visibility through Amazon CloudWatch and generates labels that you can use to control bot traffic to your applications.',
  Capacity: 50,
  LabelNamespace: NS,
  ExtraLabels: ['bot:verified', 'bot:unverified', ...new Set(BOT_SIGNATURES.map((b) => `bot:name:${b.name}`))],
  Rules: [
    ...(Object.entries(BOT_CATEGORIES) as [BotCategory, string][]).map(([cat, rule]) => botRule(rule, p++, `bot-control:category:${cat}`, [`bot:category:${cat}`, rule])),
    botRule('SignalAutomatedBrowser', p++, 'bot-control:signal:automated_browser', ['signal:automated_browser', 'SignalAutomatedBrowser']),
    botRule('SignalKnownBotDataCenter', p++, 'bot-control:signal:known_bot_data_center', ['signal:known_bot_data_center', 'SignalKnownBotDataCenter']),
    botRule('SignalNonBrowserUserAgent', p++, 'bot-control:signal:non_browser_user_agent', ['signal:non_browser_user_agent', 'SignalNonBrowserUserAgent']),
  ],
});
