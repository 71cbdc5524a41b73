/** WAF posture checks: WAF.10/11/12 and every site has a web ACL (BULWARK.10). */
import type { Check, PostureWebAcl, ResourceResult } from '../types.js';
import { fromResources, sh } from './util.js';

/** The rule the remediation adds: Bulwark's implementation of AWSManagedRulesCommonRuleSet. */
const COMMON_RULE_SET = JSON.stringify([
  {
    Name: 'AWS-AWSManagedRulesCommonRuleSet',
    Priority: 0,
    Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
    OverrideAction: { None: {} },
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: 'AWSManagedRulesCommonRuleSet' },
  },
]);

function lockToken(a: PostureWebAcl): string {
  return `"$(aws wafv2 get-web-acl --name ${sh(a.name)} --scope REGIONAL --id ${a.id} --query LockToken --output text)"`;
}

function metricName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '') || 'webAcl';
}

/** WAF.10: every web ACL has at least one rule. */
export const wafAclHasRules: Check = async ({ sources }) => {
  const acls = await sources.webAcls();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const a of acls) {
    if (a.ruleNames.length > 0) {
      resources.push({ id: a.arn, status: 'PASS', detail: `${a.ruleNames.length} rule(s)` });
      continue;
    }
    resources.push({ id: a.arn, status: 'FAIL', detail: 'no rules' });
    commands.push(
      `aws wafv2 update-web-acl --name ${sh(a.name)} --scope REGIONAL --id ${a.id} --lock-token ${lockToken(a)} --default-action ${a.defaultAction}={} ` +
        `--visibility-config SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName=${metricName(a.name)} --rules ${sh(COMMON_RULE_SET)}`,
    );
  }
  return fromResources('web ACLs', resources, commands);
};

/** The log bucket name the remediation uses for a web ACL. */
export function wafLogBucket(aclName: string): string {
  return `aws-waf-logs-${aclName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
}

/** WAF.11: every web ACL has a logging configuration. */
export const wafAclLogging: Check = async ({ sources }) => {
  const acls = await sources.webAcls();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const a of acls) {
    resources.push({ id: a.arn, status: a.loggingEnabled ? 'PASS' : 'FAIL', ...(a.loggingEnabled ? {} : { detail: 'no logging configuration' }) });
    if (!a.loggingEnabled) {
      commands.push(`aws wafv2 put-logging-configuration --logging-configuration ResourceArn=${a.arn},LogDestinationConfigs=arn:aws:s3:::${wafLogBucket(a.name)}`);
    }
  }
  return fromResources('web ACLs', resources, commands);
};

/** WAF.12: every web ACL and rule has CloudWatch metrics enabled. */
export const wafRuleMetrics: Check = async ({ sources }) => {
  const acls = await sources.webAcls();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const a of acls) {
    const off = [...(a.aclMetricsEnabled ? [] : ['(web ACL)']), ...a.rulesWithoutMetrics];
    if (off.length === 0) {
      resources.push({ id: a.arn, status: 'PASS' });
      continue;
    }
    resources.push({ id: a.arn, status: 'FAIL', detail: `metrics disabled: ${off.join(', ')}` });
    const file = `${metricName(a.name)}-rules.json`;
    commands.push(
      `aws wafv2 get-web-acl --name ${sh(a.name)} --scope REGIONAL --id ${a.id} --query WebACL.Rules > ${file}`,
      `sed -i 's/"CloudWatchMetricsEnabled": false/"CloudWatchMetricsEnabled": true/' ${file}`,
      `aws wafv2 update-web-acl --name ${sh(a.name)} --scope REGIONAL --id ${a.id} --lock-token ${lockToken(a)} --default-action ${a.defaultAction}={} ` +
        `--visibility-config SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName=${metricName(a.name)} --rules file://${file}`,
    );
  }
  return fromResources('web ACLs', resources, commands);
};

/** BULWARK.10: every site has an associated web ACL. */
export const wafSiteHasAcl: Check = async ({ sources }) => {
  const sites = await sources.sites();
  const acls = await sources.webAcls();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const s of sites) {
    if (s.webAclArn) {
      resources.push({ id: s.arn, status: 'PASS', detail: s.webAclArn });
      continue;
    }
    resources.push({ id: s.arn, status: 'FAIL', detail: 'no web ACL associated' });
    let acl: string;
    if (acls.length === 1) acl = acls[0]!.arn;
    else {
      const name = `${s.name}-acl`;
      if (!acls.some((a) => a.name === name)) {
        commands.push(
          `aws wafv2 create-web-acl --name ${sh(name)} --scope REGIONAL --default-action Allow={} ` +
            `--visibility-config SampledRequestsEnabled=true,CloudWatchMetricsEnabled=true,MetricName=${metricName(name)} --rules ${sh(COMMON_RULE_SET)}`,
        );
      }
      acl = `"$(aws wafv2 list-web-acls --scope REGIONAL --query "WebACLs[?Name=='${name}'].ARN" --output text)"`;
    }
    commands.push(`aws wafv2 associate-web-acl --web-acl-arn ${acl} --resource-arn ${s.arn}`);
  }
  return fromResources('sites', resources, commands);
};
