/**
 * Prometheus metrics of the WAF, named as AWS WAF's CloudWatch metrics:
 * `bulwark_waf_requests_total{webacl, rule, action}` where webacl and rule are VisibilityConfig
 * metric names (rule 'ALL' is the web ACL total) and action is AllowedRequests, BlockedRequests,
 * CountedRequests, CaptchaRequests or ChallengeRequests. Label children are cached so an increment
 * on the hot path is a map lookup.
 */
import { Counter, type Registry } from 'prom-client';
import type { WafAction } from '../waf/index.js';

/** AWS's CloudWatch metric name of an action. */
export const ACTION_METRIC: Readonly<Record<WafAction, string>> = {
  ALLOW: 'AllowedRequests',
  BLOCK: 'BlockedRequests',
  COUNT: 'CountedRequests',
  CAPTCHA: 'CaptchaRequests',
  CHALLENGE: 'ChallengeRequests',
};

const NAME = 'bulwark_waf_requests_total';

/** The WAF request counters of one registry. */
export class WafMetrics {
  private readonly counter: Counter<'webacl' | 'rule' | 'action'>;
  private readonly children = new Map<string, { inc(): void }>();

  constructor(registry: Registry) {
    const existing = registry.getSingleMetric(NAME) as Counter<'webacl' | 'rule' | 'action'> | undefined;
    this.counter =
      existing ??
      new Counter({ name: NAME, help: 'Requests inspected by AWS WAF web ACLs, by web ACL and rule metric name and action', labelNames: ['webacl', 'rule', 'action'], registers: [registry] });
  }

  /** Counts one request for a web ACL (metric name) and rule (metric name, 'ALL' for the total). */
  inc(webacl: string, rule: string, action: WafAction): void {
    const key = `${webacl}\0${rule}\0${action}`;
    let c = this.children.get(key);
    if (c === undefined) {
      c = this.counter.labels(webacl, rule, ACTION_METRIC[action]);
      this.children.set(key, c);
    }
    c.inc();
  }
}
