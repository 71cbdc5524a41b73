/**
 * The managed rule group registry: our own implementations of AWS's managed rule groups under
 * AWS's vendor, names, rule names, labels and WCU, so ExcludedRules and RuleActionOverrides written
 * for AWS apply unchanged. One file per group; this index is the only public surface.
 */
import type { ManagedRuleGroup } from '../engine/index.js';
import type { Json } from './rule-builder.js';
import type { ManagedRuleGroupInfo } from '../api/index.js';
import { adminProtectionRuleSet } from './admin-protection-rule-set.js';
import { amazonIpReputationList } from './amazon-ip-reputation-list.js';
import { anonymousIpList } from './anonymous-ip-list.js';
import { botControlRuleSet } from './bot-control-rule-set.js';
import { commonRuleSet } from './common-rule-set.js';
import { knownBadInputsRuleSet } from './known-bad-inputs.js';
import { linuxRuleSet } from './linux-rule-set.js';
import { phpRuleSet } from './php-rule-set.js';
import { sqliRuleSet } from './sqli-rule-set.js';
import type { ManagedRuleGroupDefinition } from './types.js';
import { unixRuleSet } from './unix-rule-set.js';
import { windowsRuleSet } from './windows-rule-set.js';
import { wordpressRuleSet } from './wordpress-rule-set.js';

export type { ManagedRuleGroupDefinition, ManagedVersion } from './types.js';
export { addReputationIps, removeReputationIps, setIpList, resetIpLists, ipListSizes, configureIpLists, loadIpListsFrom, IP_LIST_NAMES } from './ip-lists.js';
export type { IpListName } from './ip-lists.js';
export { setBotVerifier, reverseDnsBotVerifier } from './bot-control-rule-set.js';
export type { BotVerifier, BotClaim, DnsLookups } from './bot-control-rule-set.js';

/** Every managed rule group, keyed 'Vendor:Name' (e.g. 'AWS:AWSManagedRulesCommonRuleSet'). */
export const managedRuleGroups: ReadonlyMap<string, ManagedRuleGroupDefinition> = new Map(
  [commonRuleSet, knownBadInputsRuleSet, sqliRuleSet, linuxRuleSet, unixRuleSet, windowsRuleSet, phpRuleSet, wordpressRuleSet, adminProtectionRuleSet, amazonIpReputationList, anonymousIpList, botControlRuleSet].map((g) => [`${g.VendorName}:${g.Name}`, g] as const),
);

/** AWS's managed group version names ('Version_1.0', 'Version_2.1'). */
const VERSION_NAME = /^Version_\d+(?:\.\d+)*$/;

/**
 * The group for a ManagedRuleGroupStatement, or undefined when there is none. Any well-formed AWS
 * version name resolves to the current rules (AWS web ACLs pin versions we do not ship separately);
 * anything else is unknown, and so is any version of a group AWS does not version (the IP
 * reputation groups). ManagedRuleGroupConfigs are accepted and ignored (none of these groups
 * takes configuration).
 */
export function resolveManagedRuleGroup(vendor: string, name: string, version?: string, configs?: readonly Json[]): ManagedRuleGroup | undefined {
  void configs;
  const g = managedRuleGroups.get(`${vendor}:${name}`);
  if (g === undefined) return undefined;
  if (version !== undefined && (!VERSION_NAME.test(version) || g.Versions.length === 0)) return undefined;
  return version === undefined ? g : { ...g, Version: version };
}

/** The groups as ListAvailableManagedRuleGroups / DescribeManagedRuleGroup report them. */
export function managedRuleGroupInfos(): ManagedRuleGroupInfo[] {
  return [...managedRuleGroups.values()].map((g) => ({
    VendorName: g.VendorName,
    Name: g.Name,
    Description: g.Description,
    Capacity: g.Capacity,
    LabelNamespace: g.LabelNamespace,
    Rules: g.Rules.map((r) => ({ Name: String(r['Name']), Action: r['Action'] as Record<string, unknown> })),
    AvailableLabels: [...new Set([...g.Rules.flatMap((r) => (r['RuleLabels'] as { Name: string }[]).map((l) => l.Name)), ...(g.ExtraLabels ?? [])])].map((l) => ({ Name: g.LabelNamespace + l })),
    Versions: g.Versions.map((v) => ({ Name: v.Name, ...(v.LastUpdateTimestamp ? { LastUpdateTimestamp: v.LastUpdateTimestamp } : {}) })),
    ...(g.CurrentDefaultVersion !== undefined ? { CurrentDefaultVersion: g.CurrentDefaultVersion } : {}),
  }));
}
