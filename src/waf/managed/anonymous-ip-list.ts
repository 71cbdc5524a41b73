/**
 * AWSManagedRulesAnonymousIpList (50 WCU): the client IP against lists of anonymizing services (Tor
 * exit nodes, VPNs, proxies) and hosting/cloud providers (AWS's own ranges excluded, as on AWS).
 * The lists are the operator's files (see ip-lists.ts, scripts/update-ip-lists.mjs). Not versioned.
 */
import { ipListRule } from './amazon-ip-reputation-list.js';
import { defineGroup } from './types.js';

/** AWSManagedRulesAnonymousIpList. */
export const anonymousIpList = defineGroup({
  Name: 'AWSManagedRulesAnonymousIpList',
  Description: 'This group contains rules that allow you to block requests from services that allow obfuscation of viewer identity. This can include request originating from VPN, proxies, Tor nodes, and hosting providers. This is useful if you want to filter out viewers that may be trying to hide their identity from your application.',
  Capacity: 50,
  LabelNamespace: 'awswaf:managed:aws:anonymous-ip-list:',
  Versions: [],
  CurrentDefaultVersion: undefined,
  Rules: [ipListRule('AnonymousIPList', 0, 'Block'), ipListRule('HostingProviderIPList', 1, 'Block')],
});
