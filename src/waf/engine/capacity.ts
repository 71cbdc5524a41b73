/**
 * Web ACL capacity units (WCU) as the AWS WAF developer guide documents them per statement type
 * (table and sources in docs/waf.md). Each statement's cost lives with the statement (registry
 * entry `capacity`); rules add nothing of their own; rule group references cost the group's
 * capacity, managed groups their published capacity plus any scope-down statement.
 */
import { statementCapacity } from './statements/index.js';
import type { CapacityContext, Json } from './statements/types.js';
import { isObject } from './statements/util.js';

/** Capacities of referenced groups (a group reference costs the group's Capacity). */
export type CapacityResolvers = Omit<CapacityContext, 'statement'>;

/** WCU of one rule. Throws WafConfigError for an unknown or malformed statement. */
export function ruleCapacity(rule: Json, resolvers: CapacityResolvers = {}): number {
  if (!isObject(rule)) return 0;
  return statementCapacity(rule['Statement'], resolvers);
}

/** WCU of a rule list (CheckCapacity, web ACL and rule group capacity). */
export function rulesCapacity(rules: readonly Json[], resolvers: CapacityResolvers = {}): number {
  let n = 0;
  for (const r of rules) n += ruleCapacity(r, resolvers);
  return n;
}
