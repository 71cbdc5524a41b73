/**
 * The detection engine of the threat detector: the registry of detection modules (one file each),
 * the finding-type table, and DetectionEngine, which runs every enabled module that takes an
 * input's kind and returns the finding candidates. The detector service (src/detector/) owns
 * findings, dedup, filters and lists; this folder only decides.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, DetectorInputKind, FindingCandidate } from '../types.js';
import { anomalousBehavior } from './anomalous-behavior.js';
import { cloudTrailRules } from './cloudtrail-rules.js';
import { consoleLogin } from './console-login.js';
import { dga } from './dga.js';
import { dnsExfiltration } from './dns-exfiltration.js';
import { dnsRebind } from './dns-rebind.js';
import { dnsThreatIntel } from './dns-threat-intel.js';
import { flowThreatIntel } from './flow-threat-intel.js';
import { instanceCredentialExfiltration } from './instance-credential-exfiltration.js';
import { kmsAnomalousDecrypt } from './kms-anomalous-decrypt.js';
import { maliciousIpCaller } from './malicious-ip-caller.js';
import { outboundDos } from './outbound-dos.js';
import { portScan } from './port-scan.js';
import { portSweep } from './port-sweep.js';
import { sshRdpBruteForce } from './ssh-rdp-brute-force.js';
import { unusualTraffic } from './unusual-traffic.js';
import { wafAttackSources } from './waf-attack-sources.js';
import { findingTypeInfo as typeInfo } from './finding-types.js';

export { DetectionRuleError, compileRule, compileRules } from './rules.js';
export type { RuleSpec, MatchSpec, ConditionSpec } from './rules.js';
export { findingTypes } from './finding-types.js';
export { isSigmaRule, sigmaToRule } from './sigma.js';

/** The registry: module name → module. */
export const detections: ReadonlyMap<string, Detection> = new Map(
  [
    cloudTrailRules,
    anomalousBehavior,
    maliciousIpCaller,
    instanceCredentialExfiltration,
    consoleLogin,
    kmsAnomalousDecrypt,
    sshRdpBruteForce,
    portScan,
    portSweep,
    outboundDos,
    flowThreatIntel,
    unusualTraffic,
    dnsThreatIntel,
    dga,
    dnsExfiltration,
    dnsRebind,
    wafAttackSources,
  ].map((d): [string, Detection] => [d.name, d]),
);

/** Default severity (Low 2, Medium 5, High 8 unless the type's doc says otherwise) and GuardDuty resourceType of a finding type. */
export function findingTypeInfo(type: string): { severity: number; resourceType: string } | undefined {
  const i = typeInfo(type);
  return i ? { severity: i.severity, resourceType: i.resourceType } : undefined;
}

const KINDS: readonly DetectorInputKind[] = ['cloudtrail', 'vpcflow', 'dns', 'waf', 'shield'];
const NONE: FindingCandidate[] = [];
Object.freeze(NONE);

/** Options of a DetectionEngine. */
export interface DetectionEngineOptions {
  /** Module names to run (default: all). Unknown names throw. */
  readonly only?: readonly string[];
  /** Extra signature rules (the rule format of rules.ts, or SigmaHQ CloudTrail rules) for cloudtrail-rules. Bad rules throw DetectionRuleError. */
  readonly extraRules?: readonly unknown[];
}

/** One detector's running modules: dispatches each input to the modules that take its kind. */
export class DetectionEngine {
  private readonly instances = new Map<string, DetectionInstance>();
  private readonly byKind = new Map<DetectorInputKind, { name: string; inst: DetectionInstance }[]>();
  private readonly out: FindingCandidate[] = [];
  private readonly emit = (c: FindingCandidate): void => { this.out.push(c); };
  /** Inputs a module threw on (a malformed record); the input is skipped for that module only. */
  errors = 0;

  constructor(ctx: DetectionContext, opts: DetectionEngineOptions = {}) {
    const names = opts.only ?? [...detections.keys()];
    for (const k of KINDS) this.byKind.set(k, []);
    for (const name of names) {
      const d = detections.get(name);
      if (!d) throw new Error(`unknown detection module ${JSON.stringify(name)}`);
      const inst = d === cloudTrailRules ? cloudTrailRules.createWithRules(ctx, opts.extraRules ?? []) : d.create(ctx);
      this.instances.set(name, inst);
      for (const k of d.inputs) this.byKind.get(k)?.push({ name, inst });
    }
  }

  /** Runs every module that takes input.kind; returns the candidates (usually none). */
  observe(input: DetectorInput): FindingCandidate[] {
    const mods = this.byKind.get(input.kind);
    if (!mods || mods.length === 0) return NONE;
    // The required fields modules index on; a record without them is not a CloudTrail event.
    if (input.kind === 'cloudtrail' && (typeof input.record.eventName !== 'string' || typeof input.record.eventSource !== 'string')) return NONE;
    for (let i = 0; i < mods.length; i++) {
      try { (mods[i] as { inst: DetectionInstance }).inst.observe(input, this.emit); } catch { this.errors++; }
    }
    if (this.out.length === 0) return NONE;
    const res = this.out.slice();
    this.out.length = 0;
    return res;
  }

  /** Compact JSON-able state of all modules' baselines. */
  snapshot(): unknown {
    const modules: Record<string, unknown> = {};
    for (const [name, inst] of this.instances) if (inst.snapshot) modules[name] = inst.snapshot();
    return { v: 1, modules };
  }

  /** Restores a snapshot taken by snapshot(); unknown modules and malformed parts are ignored. */
  restore(state: unknown): void {
    if (typeof state !== 'object' || state === null) return;
    const modules = (state as { modules?: unknown }).modules;
    if (typeof modules !== 'object' || modules === null) return;
    for (const [name, s] of Object.entries(modules as Record<string, unknown>)) {
      const inst = this.instances.get(name);
      if (inst?.restore) { try { inst.restore(s); } catch { /* a malformed module state starts that module from scratch */ } }
    }
  }
}
