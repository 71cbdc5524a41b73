/** The shape of one entry of the managed rule group registry (one file per group). */
import type { ManagedRuleGroup } from '../engine/index.js';

/** One version of a managed group as ListAvailableManagedRuleGroupVersions reports it. */
export interface ManagedVersion {
  readonly Name: string;
  readonly LastUpdateTimestamp?: Date;
}

/** A managed rule group: the rules the engine compiles plus what the describe APIs report. */
export interface ManagedRuleGroupDefinition extends ManagedRuleGroup {
  readonly LabelNamespace: string;
  readonly Description: string;
  /** Versions, newest first; empty for groups AWS does not version (the IP reputation groups). */
  readonly Versions: readonly ManagedVersion[];
  /** Undefined for unversioned groups. */
  readonly CurrentDefaultVersion: string | undefined;
  /** Labels the group adds besides its rules' RuleLabels (relative to LabelNamespace), for AvailableLabels. */
  readonly ExtraLabels?: readonly string[];
}

/** The version every group currently ships (one rule set; older AWS version names resolve to it). */
export const CURRENT_VERSION: ManagedVersion = Object.freeze({ Name: 'Version_1.0', LastUpdateTimestamp: new Date('2025-01-01T00:00:00Z') });

/** Freezes a group definition (rules included) so the registry is immutable. */
export function defineGroup(g: Omit<ManagedRuleGroupDefinition, 'VendorName' | 'Versions' | 'CurrentDefaultVersion'> & Partial<Pick<ManagedRuleGroupDefinition, 'Versions' | 'CurrentDefaultVersion'>>): ManagedRuleGroupDefinition {
  return deepFreeze({ VendorName: 'AWS', Versions: [CURRENT_VERSION], CurrentDefaultVersion: CURRENT_VERSION.Name, ...g });
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o) && !(o instanceof Date)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
