// Discrete-event simulation of the flood benchmark's upstream side (issue 7), driving the real
// compiled UpstreamGate on a simulated clock, so that the effect of the priority of established
// clients can be seen apart from the CPU contention of a shared machine. Same shape as
// bench/flood/run.mjs: legitimate clients browse with 1–5 s think time and a 5 s timeout (each seen
// during the baseline), an open-loop flood from `bots` new addresses, an upstream that serves one
// request at a time (`service-ms` of CPU each), the site's default limits (128 upstream slots,
// queue 1,024, queue timeout 10 s), and Shield's mitigation blocking the flood at the WAF after
// `mitigate-s` seconds. The proxy's own CPU is not modelled (it is the part the real run measures).
// Prints, with and without the priority (maxEstablishedSources 0) and the adaptive in-flight limit
// (adaptiveConcurrency false), the legitimate success share and latency during the flood (and the p99
// of the baseline phase), how the flood's requests ended, and the gate's limit during the flood.
// Usage: npx tsc -p tsconfig.build.json && node bench/flood/gate-sim.mjs [--clients 300] [--bots 1024]
//        [--flood-rps 1000] [--service-ms 2] [--baseline-s 25] [--flood-s 20] [--mitigate-s 2.7] [--seed 1]
//        [--min-in-flight 8] [--newcomer-share 0.5 (limits.newcomerShare; 1: no reserve)]
//        [--no-recheck (flood requests queued before the mitigation still go upstream after it, as
//         before the proxy re-checked queued requests against a changed web ACL)]
// BULWARK_DIST=<compiled tree> runs another build (default dist/src), e.g. a copy of the previous one.
// `legitSlowByTime` counts the legitimate requests slower than 2× the baseline p99 by when they
// started (flood seconds: 0–0.5, 0.5–1, 1–2, 2 until the mitigation, after it).
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rng } from '../rng.mjs';

const here = fileURLToPath(import.meta.url);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const o = {
  clients: arg('clients', 300), bots: arg('bots', 1024), floodRps: arg('flood-rps', 1000), serviceMs: arg('service-ms', 2),
  baselineS: arg('baseline-s', 25), floodS: arg('flood-s', 20), mitigateS: arg('mitigate-s', 2.7), seed: arg('seed', 1),
  minInFlight: arg('min-in-flight', 8), newcomerShare: arg('newcomer-share', undefined),
  recheck: !process.argv.includes('--no-recheck'),
};
const dist = process.env.BULWARK_DIST ?? join(here, '..', '..', '..', 'dist', 'src');
const { upstreamGate, siteLimitsSchema } = await import(pathToFileURL(join(dist, 'proxy', 'limits.js')).href);


/** A binary min-heap of [time, seq, fn, arg]. */
class Events {
  h = [];
  seq = 0;
  push(t, fn, a) {
    const h = this.h;
    h.push([t, this.seq++, fn, a]);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }
  pop() {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}
function less(a, b) {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

function simulate(priority, adaptive) {
  const rnd = rng(o.seed);
  const limits = siteLimitsSchema.parse({ ...(priority ? {} : { maxEstablishedSources: 0 }), adaptiveConcurrency: adaptive, minInFlight: o.minInFlight, ...(o.newcomerShare !== undefined ? { newcomerShare: o.newcomerShare } : {}) });
  const gate = upstreamGate('sim', limits, undefined, 128);
  const ev = new Events();
  const floodStart = 5000 + o.baselineS * 1000;
  const floodEnd = floodStart + o.floodS * 1000;
  const mitigatedAt = floodStart + o.mitigateS * 1000;
  const stats = { legit: { n: 0, ok: 0, s503: 0, timeout: 0, lat: [], at: [] }, attack: { n: 0, ok: 0, s503: 0, timeout: 0, blocked: 0 } };
  const baseLat = [];
  let limitMin = Infinity;
  let limitAtEnd = 0;
  let now = 0;
  // The upstream: one request at a time, in arrival order.
  const upq = [];
  let busy = false;
  const startNext = () => {
    if (busy || upq.length === 0) return;
    busy = true;
    ev.push(now + o.serviceMs, upstreamDone, upq.shift());
  };
  function upstreamDone(r) {
    busy = false;
    r.upstreamDone = true;
    // A client that already left aborted its request: no success to learn from.
    const ok = !r.answered;
    if (ok) finish(r, 200);
    gate.release(now, ok ? r.ip : undefined);
    startNext();
  }
  const toUpstream = (r) => {
    upq.push(r);
    startNext();
  };
  const finish = (r, status) => {
    r.answered = true;
    const inFlood = r.t0 >= floodStart && r.t0 < floodEnd;
    if (!inFlood) {
      if (r.legit && status === 200 && r.t0 >= 5000 && r.t0 < floodStart) baseLat.push(now - r.t0);
      return void (r.legit && ev.push(now + 1000 + rnd() * 4000, legitSend, r.client));
    }
    const s = r.legit ? stats.legit : stats.attack;
    s.n++;
    if (status === 200) {
      s.ok++;
      if (r.legit) {
        s.lat.push(now - r.t0);
        s.at.push([r.t0 - floodStart, now - r.t0]);
      }
    } else if (status === 503) s.s503++;
    else s.timeout++;
    if (r.legit) ev.push(now + 1000 + rnd() * 4000, legitSend, r.client);
  };
  function request(ip, legit, client) {
    const r = { ip, legit, client, t0: now, answered: false, upstreamDone: false, cancelled: false, clientIp: ip };
    r.grant = () => {
      r.cancelled = true;
      toUpstream(r);
    };
    r.timeout = () => {
      r.cancelled = true;
      if (!r.answered) finish(r, 503);
    };
    // As the proxy does since the web ACL re-check at the gate: a flood request still queued when the
    // mitigation is in place is blocked by it instead of taking the slot (--no-recheck: as before;
    // a tree whose gate does not ask recheck() ignores it).
    if (o.recheck) {
      r.recheck = () => {
        if (legit || now < mitigatedAt) return true;
        r.cancelled = true;
        stats.attack.n++;
        stats.attack.blocked++;
        r.answered = true;
        return false;
      };
    }
    const res = gate.acquire(r, now);
    if (res === 'go') {
      r.cancelled = true;
      toUpstream(r);
    } else if (res === 'full') finish(r, 503);
    ev.push(now + 5000, clientTimeout, r);
  }
  function clientTimeout(r) {
    if (r.answered) return;
    if (!r.cancelled) {
      // Still queued: the client leaves and its place is withdrawn.
      r.cancelled = true;
      gate.withdraw();
    }
    finish(r, 0);
  }
  function legitSend(c) {
    request(`127.10.${c % 250}.${1 + Math.floor(c / 250)}`, true, c);
  }
  let bot = 0;
  // Requests owed to the offered rate (any rate, not only multiples of 1,000/s).
  let owed = 0;
  function attackTick() {
    if (now >= floodEnd) return;
    owed += o.floodRps / 1000;
    const n = Math.floor(owed);
    owed -= n;
    for (let i = 0; i < n; i++) {
      const ip = `127.200.${bot % 8}.${1 + Math.floor(bot / 8)}`;
      bot = (bot + 1) % o.bots;
      if (now >= mitigatedAt) {
        // Blocked by the mitigation rule at the WAF: never reaches the gate.
        if (now < floodEnd) {
          stats.attack.n++;
          stats.attack.blocked++;
        }
        continue;
      }
      request(ip, false, -1);
    }
    ev.push(now + 1, attackTick);
  }
  function expireTick() {
    gate.expire(now);
    if (now >= floodStart && now < floodEnd) limitMin = Math.min(limitMin, gate.limit);
    if (now <= floodEnd) limitAtEnd = gate.limit;
    if (now < floodEnd + 15_000) ev.push(now + 1000, expireTick);
  }
  for (let c = 0; c < o.clients; c++) ev.push(rnd() * 3000, legitSend, c);
  ev.push(floodStart, attackTick);
  ev.push(1000, expireTick);
  while (ev.h.length > 0) {
    const [t, , fn, a] = ev.pop();
    if (t > floodEnd + 15_000) break;
    now = t;
    fn(a);
  }
  const lat = stats.legit.lat.sort((x, y) => x - y);
  const q = (p, l = lat) => (l.length ? l[Math.min(l.length - 1, Math.floor(p * l.length))] : 0);
  baseLat.sort((x, y) => x - y);
  const slow = 2 * q(0.99, baseLat);
  const edges = [...new Set([0, 500, 1000, 2000, o.mitigateS * 1000, Infinity])].sort((x, y) => x - y);
  const byTime = {};
  for (let k = 0; k + 1 < edges.length; k++) {
    const inB = stats.legit.at.filter(([t]) => t >= edges[k] && t < edges[k + 1]);
    byTime[`${edges[k] / 1000}-${edges[k + 1] / 1000}s`] = `${inB.filter(([, l]) => l > slow).length}/${inB.length}`;
  }
  return {
    priority,
    adaptive,
    legitBaselineP99Ms: q(0.99, baseLat),
    legitFlood: `${stats.legit.ok}/${stats.legit.n} ok (${((100 * stats.legit.ok) / Math.max(1, stats.legit.n)).toFixed(2)} %), 503 ${stats.legit.s503}, timeout ${stats.legit.timeout}`,
    legitLatencyMs: `p50 ${q(0.5).toFixed(1)}, p99 ${q(0.99).toFixed(1)}, p99.9 ${q(0.999).toFixed(1)}; over 2× baseline p99: ${lat.filter((x) => x > 2 * q(0.99, baseLat)).length}`,
    legitSlowByTime: byTime,
    attack: `${stats.attack.n} sent: ${stats.attack.ok} served, 503 ${stats.attack.s503}, timeout ${stats.attack.timeout}, blocked ${stats.attack.blocked}`,
    historySources: gate.history ? gate.history.size : 0,
    gateLimit: `min ${limitMin} in the flood (sampled each second), ${limitAtEnd} at its end, ${gate.limit} after the recovery; no-load RTT ${gate.minRttMs.toFixed(2)} ms`,
  };
}

console.log(JSON.stringify({ options: o, runs: [simulate(false, false), simulate(true, false), simulate(false, true), simulate(true, true)] }, null, 2));
