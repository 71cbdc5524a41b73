// In-process cost of evaluating the full managed set (issue 6): Core (NoUserAgent_HEADER excluded),
// SQLi, KnownBadInputs, Linux, Unix, Windows and PHP, as bench/waf-detection.mjs compiles them, on
// the same benign browser GET with a query string and 1 KB urlencoded POST that its wrk runs send.
// Baseline in the same run: an empty web ACL (default Allow) evaluating the same requests. Also
// measured: the same managed set with the regex prefilter off (EngineDeps.regexPrefilter = false).
// Rounds alternate the variants so machine drift hits all alike; compile time is timed apart.
// Usage: npx tsc -p tsconfig.build.json && node bench/waf-managed-eval.mjs [--rounds 5] [--ms 600]
//   --only managed   evaluate only the managed set with the prefilter (for node --cpu-prof)
//   --request NAME   only this request ('GET' or 'POST'), so a profile shows one request's costs
//   --vary           cycle through 64 variants of each request (query, User-Agent, cookie and form
//                    values differ), so per-automaton memos of recent values do not hit every time
//   --against DIR    also evaluate the managed set as another build compiles it (DIR = its dist/src,
//                    e.g. a copy of dist made before a change), alternated with this one in the same
//                    rounds: an A/B comparison in one process
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { arg } from './lib.mjs';

const repo = resolve(fileURLToPath(import.meta.url), '..', '..');
const dist = resolve(process.env.BULWARK_DIST ?? join(repo, 'dist', 'src'));
async function loadBuild(dir) {
  const { compileWebAcl, MemoryRateCounter } = await import(pathToFileURL(join(dir, 'waf', 'engine', 'index.js')).href);
  const { resolveManagedRuleGroup } = await import(pathToFileURL(join(dir, 'waf', 'managed', 'index.js')).href);
  const { detectors } = await import(pathToFileURL(join(dir, 'waf', 'detect', 'index.js')).href);
  return { compileWebAcl, MemoryRateCounter, resolveManagedRuleGroup, detectors };
}
const build = await loadBuild(dist);
const againstDir = process.argv.includes('--against') ? resolve(process.argv[process.argv.indexOf('--against') + 1]) : undefined;
const against = againstDir === undefined ? undefined : await loadBuild(againstDir);

const GROUPS = ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesSQLiRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesLinuxRuleSet', 'AWSManagedRulesUnixRuleSet', 'AWSManagedRulesWindowsRuleSet', 'AWSManagedRulesPHPRuleSet'];
const vis = (n) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: n });

function compile(groups, extraDeps = {}, b = build) {
  const { compileWebAcl, MemoryRateCounter, resolveManagedRuleGroup, detectors } = b;
  return compileWebAcl(
    {
      Name: 'bench', Id: '1', ARN: 'arn:aws:wafv2:us-east-1:000000000000:regional/webacl/bench/1', DefaultAction: { Allow: {} }, VisibilityConfig: vis('bench'),
      Rules: groups.map((name, i) => ({
        Name: name, Priority: i, OverrideAction: { None: {} }, VisibilityConfig: vis(name),
        Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name, ...(i === 0 ? { ExcludedRules: [{ Name: 'NoUserAgent_HEADER' }] } : {}) } },
      })),
    },
    { resolveIpSet: () => undefined, resolveRegexPatternSet: () => undefined, resolveRuleGroup: () => undefined, resolveManagedRuleGroup, detectors, rateCounter: new MemoryRateCounter(), ...extraDeps },
  );
}

// The requests of bench/waf-detection.mjs's wrk runs, as the proxy presents them (byte strings).
const browser = [
  ['Host', 'shop.example.com'],
  ['User-Agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'],
  ['Accept-Language', 'en-GB,en;q=0.9'],
  ['Accept-Encoding', 'gzip, deflate, br'],
  ['Cookie', 'session=3f9a1c2e7b; theme=dark'],
  ['Referer', 'https://shop.example.com/'],
];
let form = 'name=Jane+O%27Connor&subject=Order+question&message=';
const filler = "I'd+like+to+change+the+delivery+address+on+my+order%3B+it's+going+to+my+old+flat+-+thanks.+";
while (form.length < 1000) form += filler;
form = (form.slice(0, 1010) + '&rating=5').slice(0, 1024);
const base = { uriFragment: '', httpVersion: 'HTTP/1.1', clientIp: '127.0.0.1', timeMs: Date.now() };
const body = Buffer.from(form, 'latin1');
const REQUESTS = {
  GET: { ...base, method: 'GET', uriPath: '/search', queryString: 'q=walking+boots+for+narrow+feet&page=2&sort=price_asc', headers: browser, body: Buffer.alloc(0), bodySize: 0, bodyOversize: false },
  'POST 1 KB': {
    ...base, method: 'POST', uriPath: '/contact', queryString: '', body, bodySize: body.length, bodyOversize: false,
    headers: [...browser, ['Content-Type', 'application/x-www-form-urlencoded'], ['Content-Length', String(body.length)]],
  },
};

/**
 * CPU µs (user + system of this process) per evaluation of `req` by `acl`, running for about `ms`
 * milliseconds of wall time. CPU time, not wall time: the machine is shared, and time spent waiting
 * for a core is not the evaluation's cost.
 */
function measure(acl, req, ms) {
  let n = 0;
  const reqs = variantsOf(req);
  const c0 = process.cpuUsage();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) acl.evaluate(reqs[(n + i) % reqs.length]);
    n += 50;
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

const vary = process.argv.includes('--vary');
const variantCache = new Map();
/** The request itself, or with --vary 64 variants of it (same shape and sizes, different values). */
function variantsOf(req) {
  if (!vary) return [req];
  let v = variantCache.get(req);
  if (v === undefined) {
    v = Array.from({ length: 64 }, (_, i) => {
      const headers = req.headers.map(([k, x]) => [k, k === 'User-Agent' ? x.replace('124.0.0.0', `124.0.${i}.${(i * 7) % 100}`) : k === 'Cookie' ? x.replace('3f9a1c2e7b', (0x3f9a1c2e7b + i * 9973).toString(16).slice(0, 10)) : x]);
      const body = req.body.length === 0 ? req.body : Buffer.from(req.body.toString('latin1').replace('Jane', `J${String.fromCharCode(97 + (i % 26))}ne`).replace('rating=5', `rating=${i % 10}`), 'latin1');
      return { ...req, headers, body, queryString: req.queryString.replace('page=2', `page=${i + 2}`) };
    });
    variantCache.set(req, v);
  }
  return v;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rounds = arg('rounds', 5);
const ms = arg('ms', 600);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

let t = performance.now();
const managed = compile(GROUPS);
const compileMs = performance.now() - t;
t = performance.now();
const managedNoPrefilter = compile(GROUPS, { regexPrefilter: false });
const compileNoPfMs = performance.now() - t;
// A recompile, as after any change to the WAF's entities (an IP set updated by Shield or GuardDuty):
// the same web ACL compiled again in the same thread (median of 3).
const recompiles = [];
for (let i = 0; i < 3; i++) {
  t = performance.now();
  compile(GROUPS);
  recompiles.push(performance.now() - t);
}
const empty = compile([]);
console.log(`compile: managed set ${compileMs.toFixed(0)} ms with the prefilter, ${compileNoPfMs.toFixed(0)} ms without (${managed.capacity} WCU); compiled again ${median(recompiles).toFixed(0)} ms`);

const onlyRequest = process.argv.includes('--request') ? process.argv[process.argv.indexOf('--request') + 1] : undefined;
if (onlyRequest !== undefined) for (const k of Object.keys(REQUESTS)) if (!k.startsWith(onlyRequest)) delete REQUESTS[k];
const variants = only === 'managed' ? { managed } : { empty, managed, 'managed, no prefilter': managedNoPrefilter };
if (against !== undefined) variants['managed, --against build'] = compile(GROUPS, {}, against);
for (const [name, req] of Object.entries(REQUESTS)) {
  for (const acl of Object.values(variants)) {
    const d = acl.evaluate(req);
    if (d.action !== 'ALLOW') throw new Error(`${name} refused by ${acl.name}: ${d.terminatingRuleId}`);
    measure(acl, req, 150); // warm-up
  }
}
const results = {};
for (let r = 0; r < rounds; r++) {
  for (const [name, req] of Object.entries(REQUESTS)) {
    for (const [v, acl] of Object.entries(variants)) ((results[name] ??= {})[v] ??= []).push(measure(acl, req, ms));
  }
}
console.log(`\nCPU µs per evaluation, median of ${rounds} rounds of ~${ms} ms (node ${process.version}, load average ${os.loadavg()[0].toFixed(1)})`);
for (const [name, byVariant] of Object.entries(results)) {
  const m = Object.fromEntries(Object.entries(byVariant).map(([v, xs]) => [v, median(xs)]));
  const parts = Object.entries(m).map(([v, us]) => `${v} ${us.toFixed(1)} µs`);
  let extra = '';
  if (m.empty !== undefined) {
    extra = ` | managed set adds ${(m.managed - m.empty).toFixed(1)} µs`;
    if (m['managed, no prefilter'] !== undefined) extra += ` (${(m['managed, no prefilter'] - m.empty).toFixed(1)} µs without the prefilter: ${((m['managed, no prefilter'] - m.empty) / (m.managed - m.empty)).toFixed(1)}×)`;
  }
  if (m['managed, --against build'] !== undefined) extra += ` | this build / --against build: ${(m.managed / m['managed, --against build']).toFixed(2)}`;
  console.log(`${name.padEnd(9)} ${parts.join(' | ')}${extra}`);
}
