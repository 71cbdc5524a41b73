/**
 * cloudtrail-rules: the single-event signature rules (rules/*.json and rules a user adds), run on
 * every CloudTrail record. Sees each API call; fires when a call matches a rule: root credential
 * use, a trail stopped/deleted/narrowed, the password policy changed, a pentest distribution in the
 * user agent, S3 Block Public Access disabled, a bucket or key policy opened to everyone, flow-log
 * and DNS query-log deletion, the attacker techniques of MITRE ATT&CK for cloud written as API
 * semantics (admin policy attached, a role trust opened to another account, a login profile set
 * for another user, a snapshot shared outside the account, SSH/RDP opened to the internet, ...),
 * and tampering with Bulwark's own defences. Threshold rules (mass secret reads) count per
 * principal in a sliding window.
 */
import type { CloudTrailRecord, Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { candidateRules, compileRules, type CompiledRule, type RuleIndex } from './rules.js';
import { isSigmaRule, sigmaToRule } from './sigma.js';
import bulwarkRules from './rules/bulwark.json' with { type: 'json' };
import guarddutyRules from './rules/guardduty.json' with { type: 'json' };
import techniqueRules from './rules/techniques.json' with { type: 'json' };
import { apiCandidate, CountWindow, DistinctWindow, factsOf, LruMap, pathValues } from './util.js';

/** The bundled rule sets, by file. */
export const bundledRuleSets: Readonly<Record<string, readonly unknown[]>> = {
  'guardduty.json': guarddutyRules as unknown[],
  'techniques.json': techniqueRules as unknown[],
  'bulwark.json': bulwarkRules as unknown[],
};

let bundledIndex: RuleIndex | undefined;
/** The bundled rules compiled once per process. */
export function bundledRules(): RuleIndex {
  bundledIndex ??= compileRules(Object.values(bundledRuleSets));
  return bundledIndex;
}

const NAME = 'cloudtrail-rules';
/** Principals × threshold rules remembered at once. */
const WINDOW_CAP = 20_000;

class CloudTrailRulesInstance implements DetectionInstance {
  private readonly scratch: CompiledRule[] = [];
  private readonly windows = new LruMap<string, CountWindow | DistinctWindow>(WINDOW_CAP);
  constructor(private readonly ctx: DetectionContext, private readonly index: RuleIndex) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'cloudtrail') return;
    const rec = input.record;
    const rules = candidateRules(this.index, rec.eventName, this.scratch);
    if (rules.length === 0) return;
    const serviceCaller = factsOf(rec).serviceCaller;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as CompiledRule;
      if (rule.ignoreServiceCallers && serviceCaller) continue;
      if (!rule.test(rec)) continue;
      if (rule.threshold && !this.overThreshold(rule, rec)) continue;
      emit(this.candidate(rule, rec));
    }
  }

  private overThreshold(rule: CompiledRule, rec: CloudTrailRecord): boolean {
    const t = rule.threshold;
    if (!t) return true;
    const f = factsOf(rec);
    const key = `${rule.id}|${f.principal}`;
    const now = f.time;
    let w = this.windows.get(key);
    if (rule.distinctPath) {
      if (!w) { w = new DistinctWindow(t.windowSeconds * 1000, Math.max(t.count * 2, 16)); this.windows.set(key, w); }
      let n = 0;
      for (const v of pathValues(rec, rule.distinctPath)) n = (w as DistinctWindow).add(String(v), now);
      return n >= t.count;
    }
    if (!w) { w = new CountWindow(t.windowSeconds * 1000, t.count); this.windows.set(key, w); }
    return (w as CountWindow).add(now) >= t.count;
  }

  private candidate(rule: CompiledRule, rec: CloudTrailRecord): FindingCandidate {
    const key = rule.keyPath ? pathValues(rec, rule.keyPath).map(String).join(',') : '';
    return apiCandidate(this.ctx, rec, {
      type: rule.findingType,
      ...(rule.severity !== undefined ? { severity: rule.severity } : {}),
      title: rule.title,
      description: `${rule.description} (rule ${rule.id}: ${rec.eventName} by ${rec.userIdentity?.arn ?? rec.userIdentity?.type ?? 'unknown'})`,
      key,
      detection: NAME,
      additionalInfo: { ruleId: rule.id },
    });
  }
}

/** The signature-rule module. `createWithRules` adds user rules; Sigma CloudTrail rules among them are converted (sigma.ts). */
export const cloudTrailRules: Detection & { createWithRules(ctx: DetectionContext, extra: readonly unknown[]): DetectionInstance } = {
  name: NAME,
  description:
    'Single-event signature rules over CloudTrail management events, kept as data (src/detector/detections/rules/*.json, extensible). ' +
    'Fires on root credential use, CloudTrail stopped/deleted/narrowed, password policy changes, Kali/Parrot/Pentoo user agents, S3 Block Public Access disabled, ' +
    'public bucket and key policies, flow-log and DNS-log deletion, MITRE ATT&CK cloud techniques expressed as API semantics, and tampering with Bulwark defences.',
  inputs: ['cloudtrail'],
  get findingTypes(): readonly string[] { return [...new Set(bundledRules().all.map((r) => r.findingType))]; },
  create(ctx) { return new CloudTrailRulesInstance(ctx, bundledRules()); },
  createWithRules(ctx, extra) {
    if (extra.length === 0) return new CloudTrailRulesInstance(ctx, bundledRules());
    return new CloudTrailRulesInstance(ctx, compileRules([...Object.values(bundledRuleSets), extra.map((r) => (isSigmaRule(r) ? sigmaToRule(r) : r))]));
  },
};
