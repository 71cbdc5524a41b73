/**
 * AWSManagedRulesAmazonIpReputationList (25 WCU): the client IP against reputation lists. AWS fills
 * them from Amazon threat intelligence (MadPot); Bulwark from the operator's files and from
 * runtime additions (see ip-lists.ts). Not versioned, as on AWS.
 */
import './ip-lists.js';
import type { Json } from './rule-builder.js';
import { defineGroup } from './types.js';

/** A rule that matches when the client IP is on the named list; AWS labels it with the rule name. */
export function ipListRule(name: string, priority: number, action: 'Block' | 'Count'): Json {
  return {
    Name: name,
    Priority: priority,
    Statement: { ManagedSignalStatement: { Signal: `ip-list:${name}` } },
    Action: { [action]: {} },
    RuleLabels: [{ Name: name }],
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name },
  };
}

/** AWSManagedRulesAmazonIpReputationList. */
export const amazonIpReputationList = defineGroup({
  Name: 'AWSManagedRulesAmazonIpReputationList',
  Description: 'This group contains rules that are based on Amazon threat intelligence. This is useful if you would like to block sources associated with bots or other threats.',
  Capacity: 25,
  LabelNamespace: 'awswaf:managed:aws:amazon-ip-list:',
  Versions: [],
  CurrentDefaultVersion: undefined,
  Rules: [
    ipListRule('AWSManagedIPReputationList', 0, 'Block'),
    ipListRule('AWSManagedReconnaissanceList', 1, 'Block'),
    // AWS ships the DDoS list in Count: it labels, a later rule decides.
    ipListRule('AWSManagedIPDDoSList', 2, 'Count'),
  ],
});
