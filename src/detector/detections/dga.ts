/**
 * dga: domains made by a domain-generation algorithm. Sees Resolver queries; scores the
 * registrable label of each name with a character model (share of letter pairs that are common in
 * English and in real domain names, character entropy, digit/letter alternation, consonant runs).
 * Malware with a DGA tries many such names in a row, most of them unregistered, so one instance
 * querying several DGA-looking domains within 10 minutes fires `Trojan:EC2/DGADomainRequest.B`.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { baseDomain, dnsCandidate, isInfrastructure, normName, querier } from './dns-util.js';
import { DistinctWindow, entropy, LruMap } from './util.js';

const NAME = 'dga';
/** Distinct DGA-looking domains from one instance within the window. */
export const DGA_DOMAINS = 3;
const WINDOW_MS = 10 * 60_000;

/** Letter pairs frequent in English text and in registered domain names. */
const COMMON = new Set((
  'th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec pr no ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va um pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr hr cc tw ft wn nu af hu nn eo vo rv nf xp gn sm fl iz ok nl my gl aw ju oa sy sl ps jo lf nv je nk kn gs dy hy ze ks xt bs ik dd cy rp sk oy ws dg wr ya za ka ix ax ox zo oh ah ae zi az oz ez'
).split(' '));
const VOWELS = /[aeiouy]/;

/** DGA score features of a label. */
export function dgaScore(label: string): { common: number; entropy: number; digitRuns: number; maxConsonants: number; length: number } {
  let pairs = 0;
  let common = 0;
  let digitRuns = 0;
  let cons = 0;
  let maxCons = 0;
  for (let i = 0; i < label.length; i++) {
    const c = label[i] as string;
    const isLetter = c >= 'a' && c <= 'z';
    if (isLetter && !VOWELS.test(c)) { cons++; if (cons > maxCons) maxCons = cons; } else cons = 0;
    if (i > 0) {
      const p = label[i - 1] as string;
      const pLetter = p >= 'a' && p <= 'z';
      if (pLetter && isLetter) { pairs++; if (COMMON.has(p + c)) common++; }
      const pDigit = p >= '0' && p <= '9';
      const cDigit = c >= '0' && c <= '9';
      if ((pDigit && isLetter) || (pLetter && cDigit)) digitRuns++;
    }
  }
  return { common: pairs === 0 ? 1 : common / pairs, entropy: entropy(label), digitRuns, maxConsonants: maxCons, length: label.length };
}

/** True when a registrable label looks machine-generated. */
export function looksGenerated(label: string): boolean {
  if (label.length < 10 || label.includes('-')) return false;
  const s = dgaScore(label);
  if (s.entropy < 3) return false;
  if (s.common < 0.5) return true;
  if (s.common < 0.65 && (s.maxConsonants >= 5 || s.digitRuns >= 3)) return true;
  return s.digitRuns >= 5;
}

class DgaInstance implements DetectionInstance {
  private readonly windows = new LruMap<string, DistinctWindow>(20_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'dns') return;
    const r = input.record;
    const name = normName(r.query_name);
    if (isInfrastructure(name)) return;
    const base = baseDomain(name);
    const label = base.split('.')[0] ?? '';
    if (!looksGenerated(label) || this.ctx.trustedDomain(base)) return;
    const who = querier(r);
    let w = this.windows.get(who);
    if (!w) { w = new DistinctWindow(WINDOW_MS, DGA_DOMAINS * 4); this.windows.set(who, w); }
    const n = w.add(base, Date.parse(r.query_timestamp.replace(' ', 'T')) || 0);
    if (n < DGA_DOMAINS) return;
    emit(dnsCandidate(this.ctx, r, {
      type: 'Trojan:EC2/DGADomainRequest.B',
      title: `${who} is querying algorithmically generated domains.`,
      description: `${who} queried ${n} domains that look machine-generated within 10 minutes (latest ${base}): malware locating its command server with a DGA.`,
      key: '',
      domain: name,
      detection: NAME,
      additionalInfo: { domains: n },
    }));
  }
}

/** The DGA module. */
export const dga: Detection = {
  name: NAME,
  description: `Resolver queries whose registrable label looks machine-generated (rare letter pairs, high entropy, digit/letter alternation); ${DGA_DOMAINS}+ distinct such domains from one instance in 10 minutes → Trojan:EC2/DGADomainRequest.B.`,
  inputs: ['dns'],
  findingTypes: ['Trojan:EC2/DGADomainRequest.B'],
  create: (ctx) => new DgaInstance(ctx),
};
