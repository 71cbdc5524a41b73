/**
 * dns-threat-intel: queries for listed domains. Sees every Route 53 Resolver query; fires when the
 * name (or a parent domain) is on a threat list and not trusted. The list's threat name picks the
 * type: C&C → `Backdoor:EC2/C&CActivity.B!DNS`, mining → `CryptoCurrency:EC2/BitcoinTool.B!DNS`,
 * phishing → `Trojan:EC2/PhishingDomainRequest!DNS`, drive-by → `Trojan:EC2/DriveBySourceTraffic!DNS`,
 * drop point → `Trojan:EC2/DropPoint!DNS`, sinkhole → `Trojan:EC2/BlackholeTraffic!DNS`, DGA →
 * `Trojan:EC2/DGADomainRequest.C!DNS`; a customer list → `Impact:EC2/MaliciousDomainRequest.Custom`.
 * A small built-in feed recognises mining-pool names (a pool word next to a coin or pool-operator
 * word) and GuardDuty's C&C test domain.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate, ListMatch } from '../types.js';
import { dnsCandidate, isInfrastructure, normName } from './dns-util.js';

const NAME = 'dns-threat-intel';
const MINING = /(^|[.-])(xmr|monero|nicehash|minergate|nanopool|2miners|f2pool|ethermine|supportxmr|hashvault|moneroocean|c3pool|minexmr|antpool|slushpool|viabtc|poolin|zpool|miningpoolhub|herominers|unmineable|hashcity|kryptex|mining-?pool|cryptopool|coinhive|coin-?hive|crypto-?loot)|(monero|xmr|btc|eth|ltc|zec|rvn|etc|coin)[-_]?pool|pool[-_]?(xmr|monero|btc|eth)/;
const BUILTIN_CC: ReadonlySet<string> = new Set(['guarddutyc2activityb.com']);

/** The built-in feed's verdict on a name. */
export function builtinMatch(name: string): ListMatch | undefined {
  if (MINING.test(name)) return { listName: 'Bulwark mining pools', custom: false, threatName: 'CryptoCurrency mining pool' };
  for (const d of BUILTIN_CC) if (name === d || name.endsWith(`.${d}`)) return { listName: 'Bulwark C&C', custom: false, threatName: 'C&C' };
  return undefined;
}

/** The DNS finding type for a domain threat-list match. */
export function dnsThreatType(m: ListMatch): string {
  if (m.custom) return 'Impact:EC2/MaliciousDomainRequest.Custom';
  const n = (m.threatName ?? '').toLowerCase();
  if (/bitcoin|crypto|mining|miner|coin/.test(n)) return 'CryptoCurrency:EC2/BitcoinTool.B!DNS';
  if (/phish/.test(n)) return 'Trojan:EC2/PhishingDomainRequest!DNS';
  if (/drive-?by/.test(n)) return 'Trojan:EC2/DriveBySourceTraffic!DNS';
  if (/drop ?point/.test(n)) return 'Trojan:EC2/DropPoint!DNS';
  if (/blackhole|sinkhole/.test(n)) return 'Trojan:EC2/BlackholeTraffic!DNS';
  if (/\bdga\b/.test(n)) return 'Trojan:EC2/DGADomainRequest.C!DNS';
  if (/c&c|c2|command/.test(n)) return 'Backdoor:EC2/C&CActivity.B!DNS';
  return 'Impact:EC2/MaliciousDomainRequest.Reputation';
}

class DnsThreatIntelInstance implements DetectionInstance {
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'dns') return;
    const r = input.record;
    const name = normName(r.query_name);
    if (isInfrastructure(name) || this.ctx.trustedDomain(name)) return;
    const m = this.ctx.threatDomain(name) ?? builtinMatch(name);
    if (!m) return;
    const type = dnsThreatType(m);
    emit(dnsCandidate(this.ctx, r, {
      type,
      title: `${r.srcids?.instance ?? r.srcaddr ?? 'An instance'} is querying ${name}, a domain on ${m.custom ? 'a custom threat list' : 'a threat list'}.`,
      description: `${name} is listed in ${m.listName}${m.threatName ? ` as ${m.threatName}` : ''}.`,
      key: name,
      domain: name,
      detection: NAME,
      evidence: { threatIntelligenceDetails: [{ threatListName: m.listName, threatNames: m.threatName ? [m.threatName] : [] }] },
      additionalInfo: { threatListName: m.listName },
    }));
  }
}

/** The DNS threat-list module. */
export const dnsThreatIntel: Detection = {
  name: NAME,
  description: 'Resolver queries for a domain (or parent) on a threat list, trusted domains excepted; the threat name picks C&C/mining/phishing/drive-by/drop point/sinkhole/DGA types, customer lists → MaliciousDomainRequest.Custom. Built-in: mining-pool names, GuardDuty\'s C&C test domain.',
  inputs: ['dns'],
  findingTypes: [
    'Backdoor:EC2/C&CActivity.B!DNS', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', 'Trojan:EC2/PhishingDomainRequest!DNS', 'Trojan:EC2/DriveBySourceTraffic!DNS',
    'Trojan:EC2/DropPoint!DNS', 'Trojan:EC2/BlackholeTraffic!DNS', 'Trojan:EC2/DGADomainRequest.C!DNS', 'Impact:EC2/MaliciousDomainRequest.Custom', 'Impact:EC2/MaliciousDomainRequest.Reputation',
  ],
  create: (ctx) => new DnsThreatIntelInstance(ctx),
};
