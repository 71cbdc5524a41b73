/**
 * Automated response to findings, configured under `guardduty.response` in the config file: rules
 * match a finding type prefix and a minimum severity and run one action: `block-ip` (the finding's
 * remote IP as /32 or /128 into a named wafv2 IP set; web ACLs referencing it block on the next
 * request), `deactivate-access-key` (opt-in; never the root user's key), `webhook` (an
 * EventBridge-shaped "GuardDuty Finding" event POSTed with a timeout and bounded retries) and
 * `publish` (export to the publishing destinations now). Every action is audited as a CloudTrail
 * record made by the AWSService guardduty.amazonaws.com.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { eventIdAt } from '../events/index.js';
import type { IamStore } from '../iam/index.js';
import type { Finding } from './findings.js';
import type { FindingEvent, GuardDuty } from './guardduty.js';

const common = {
  /** Finding type prefixes (e.g. 'UnauthorizedAccess:', 'Recon:EC2/'); omitted = every type. */
  types: z.array(z.string().min(1)).optional(),
  minSeverity: z.number().min(1).max(10).optional(),
  /** Also act on updates of an existing finding (default: only new findings). */
  onUpdate: z.boolean().optional(),
};

const ruleSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('block-ip'), ipSet: z.string().min(1), scope: z.enum(['REGIONAL', 'CLOUDFRONT']).optional(), ...common }).strict(),
  z.object({ action: z.literal('deactivate-access-key'), ...common }).strict(),
  z.object({ action: z.literal('webhook'), url: z.string().url(), timeoutMs: z.number().int().min(100).max(60_000).optional(), retries: z.number().int().min(0).max(10).optional(), headers: z.record(z.string(), z.string()).optional(), ...common }).strict(),
  z.object({ action: z.literal('publish'), ...common }).strict(),
]);

/** The `guardduty:` section of the config file. */
export const guardDutyConfigSchema = z
  .object({
    response: z.array(ruleSchema).max(100).optional(),
    /** How often findings are exported to publishing destinations (default 60 s). */
    publishIntervalSeconds: z.number().int().min(1).max(21_600).optional(),
    /** Findings retention (default 90 days). */
    retentionDays: z.number().int().min(1).max(3650).optional(),
    /** Extra signature rules for the detection engine (the detections' rule format). */
    rules: z.array(z.unknown()).optional(),
  })
  .strict();

/** The parsed `guardduty:` section. */
export type GuardDutyConfig = z.infer<typeof guardDutyConfigSchema>;
/** One response rule. */
export type ResponseRule = z.infer<typeof ruleSchema>;

/** Parses the `guardduty:` section; throws an Error naming the bad field. */
export function parseGuardDutyConfig(raw: unknown): GuardDutyConfig {
  if (raw === undefined || raw === null) return {};
  const r = guardDutyConfigSchema.safeParse(raw);
  if (!r.success) throw new Error(`guardduty: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** A CloudTrail record of an action GuardDuty took (written to the audit trail). */
export interface ActionRecord {
  readonly eventVersion: string;
  readonly userIdentity: { readonly type: 'AWSService'; readonly invokedBy: string };
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: Record<string, unknown> | null;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  readonly resources?: readonly { readonly ARN: string; readonly accountId: string; readonly type?: string }[];
  readonly eventType: 'AwsServiceEvent' | 'AwsApiCall';
  readonly managementEvent: boolean;
  readonly recipientAccountId: string;
  readonly eventCategory: 'Management';
}

/** An IP set record as the wafv2 configuration store keeps it. */
interface IpSetRecord {
  readonly entity: { readonly Name: string; readonly Id: string; readonly ARN: string; readonly IPAddressVersion?: 'IPV4' | 'IPV6'; readonly Addresses?: readonly string[] };
  readonly lockToken: string;
}

/** What the responder uses of the wafv2 configuration store (src/waf/api WafConfigStore). */
export interface WafIpSetWriter {
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  list(type: 'ipset', scope: 'REGIONAL' | 'CLOUDFRONT'): readonly IpSetRecord[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  putEntity(r: any): Promise<unknown>;
}

/** What the responder needs. */
export interface ResponderDeps {
  readonly gd: GuardDuty;
  readonly rules: readonly ResponseRule[];
  readonly accountId: string;
  readonly region: string;
  readonly waf?: WafIpSetWriter;
  readonly iam?: IamStore;
  /** Writes an audit record (the audit trail's event history). */
  readonly audit: (r: ActionRecord) => Promise<void>;
  readonly onError?: (e: unknown, what: string) => void;
  readonly now?: () => Date;
}

/** The EventBridge event GuardDuty emits for a finding. */
export function eventBridgeEvent(f: Finding): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: f.accountId,
    time: f.updatedAt.replace(/\.\d{3}Z$/, 'Z'),
    region: f.region,
    resources: [],
    detail: f,
  };
}

/** The remote IP a finding is about (the candidate's, else the action's remoteIpDetails). */
export function remoteIpOf(f: Finding, hint?: string): string | undefined {
  if (hint) return hint;
  const a = f.service.action;
  for (const k of ['awsApiCallAction', 'networkConnectionAction', 'kubernetesApiCallAction', 'rdsLoginAttemptAction']) {
    const ip = ((a[k] as { remoteIpDetails?: { ipAddressV4?: string; ipAddressV6?: string } } | undefined)?.remoteIpDetails);
    if (ip?.ipAddressV4) return ip.ipAddressV4;
    if (ip?.ipAddressV6) return ip.ipAddressV6;
  }
  const probe = (a.portProbeAction as { portProbeDetails?: { remoteIpDetails?: { ipAddressV4?: string } }[] } | undefined)?.portProbeDetails?.[0]?.remoteIpDetails?.ipAddressV4;
  return probe;
}

/** Runs the configured response rules on findings. */
export class Responder {
  private readonly now: () => Date;
  private inflight = new Set<Promise<void>>();
  private stop: (() => void) | undefined;

  constructor(private readonly deps: ResponderDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Subscribes to the detector's findings. */
  start(): void {
    if (this.stop || this.deps.rules.length === 0) return;
    this.stop = this.deps.gd.onFinding((e) => this.handle(e));
  }

  /** Unsubscribes and waits for running actions. */
  async close(): Promise<void> {
    this.stop?.();
    this.stop = undefined;
    await Promise.allSettled([...this.inflight]);
  }

  /** Waits for the actions started so far (tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private handle(e: FindingEvent): void {
    for (const rule of this.deps.rules) {
      if (!e.created && !rule.onUpdate) continue;
      if (rule.minSeverity !== undefined && e.finding.severity < rule.minSeverity) continue;
      if (rule.types && !rule.types.some((p) => e.finding.type.startsWith(p))) continue;
      const p = this.run(rule, e).catch((err: unknown) => this.deps.onError?.(err, `response ${rule.action}`));
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  private async run(rule: ResponseRule, e: FindingEvent): Promise<void> {
    switch (rule.action) {
      case 'block-ip':
        return this.blockIp(rule.ipSet, rule.scope ?? 'REGIONAL', e);
      case 'deactivate-access-key':
        return this.deactivateKey(e);
      case 'webhook':
        return this.webhook(rule, e);
      case 'publish':
        return this.publish(e);
    }
  }

  private record(eventSource: string, eventName: string, req: Record<string, unknown>, resp: Record<string, unknown> | null, resources: { ARN: string; type?: string }[], error?: { code: string; message: string }): Promise<void> {
    const t = this.now();
    const r: ActionRecord = {
      eventVersion: '1.11',
      userIdentity: { type: 'AWSService', invokedBy: 'guardduty.amazonaws.com' },
      eventTime: t.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventSource,
      eventName,
      awsRegion: this.deps.region,
      sourceIPAddress: 'guardduty.amazonaws.com',
      userAgent: 'guardduty.amazonaws.com',
      requestParameters: req,
      responseElements: resp,
      ...(error ? { errorCode: error.code, errorMessage: error.message } : {}),
      requestID: randomUUID(),
      eventID: eventIdAt(Math.floor(t.getTime() / 1000) * 1000), // eventTime has whole seconds
      readOnly: false,
      ...(resources.length ? { resources: resources.map((x) => ({ ...x, accountId: this.deps.accountId })) } : {}),
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: this.deps.accountId,
      eventCategory: 'Management',
    };
    return this.deps.audit(r);
  }

  /** Adds the finding's remote IP to the named wafv2 IP set (idempotent; within the WAF's 10,000-address limit). */
  private async blockIp(name: string, scope: 'REGIONAL' | 'CLOUDFRONT', e: FindingEvent): Promise<void> {
    const waf = this.deps.waf;
    const ip = remoteIpOf(e.finding, e.remoteIp);
    if (!waf || !ip) return;
    const v = isIP(ip);
    if (v === 0) return;
    const cidr = v === 4 ? `${ip}/32` : `${ip.toLowerCase()}/128`;
    await waf.exclusive(async () => {
      const rec = waf.list('ipset', scope).find((r) => r.entity.Name === name);
      if (!rec) throw new Error(`response block-ip: no ${scope} IP set named ${name}`);
      const set = rec.entity;
      const current = set.Addresses ?? [];
      if ((set.IPAddressVersion === 'IPV4') !== (v === 4)) return;
      if (current.includes(cidr)) return;
      if (current.length >= 10_000) throw new Error(`response block-ip: IP set ${name} is full`);
      const Addresses = [...current, cidr];
      await waf.putEntity({ ...rec, entity: { ...set, Addresses }, lockToken: randomUUID() });
      await this.record('wafv2.amazonaws.com', 'UpdateIPSet', { name, scope, id: set.Id, addresses: Addresses, findingId: e.finding.id, findingType: e.finding.type }, null, [{ ARN: set.ARN, type: 'AWS::WAFv2::IPSet' }]);
    });
  }

  private async deactivateKey(e: FindingEvent): Promise<void> {
    const iam = this.deps.iam;
    const id = e.accessKeyId;
    if (!iam || !id) return;
    const k = iam.getAccessKey(id);
    if (!k || k.userId === 'root' || k.status === 'Inactive') return;
    await iam.updateAccessKey(k.userId, id, 'Inactive');
    await this.record('iam.amazonaws.com', 'UpdateAccessKey', { accessKeyId: id, status: 'Inactive', findingId: e.finding.id, findingType: e.finding.type }, null, []);
  }

  private async webhook(rule: Extract<ResponseRule, { action: 'webhook' }>, e: FindingEvent): Promise<void> {
    const body = JSON.stringify(eventBridgeEvent(e.finding));
    const retries = rule.retries ?? 3;
    let last: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const res = await fetch(rule.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(rule.headers ?? {}) },
          body,
          signal: AbortSignal.timeout(rule.timeoutMs ?? 5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          await this.record('events.amazonaws.com', 'PutEvents', { endpoint: new URL(rule.url).origin, detailType: 'GuardDuty Finding', findingId: e.finding.id, findingType: e.finding.type }, { status: res.status }, []);
          return;
        }
        last = new Error(`HTTP ${res.status}`);
        if (res.status < 500 && res.status !== 429) break;
      } catch (err) {
        last = err;
      }
      if (attempt < retries) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    await this.record('events.amazonaws.com', 'PutEvents', { endpoint: new URL(rule.url).origin, detailType: 'GuardDuty Finding', findingId: e.finding.id }, null, [], { code: 'DeliveryFailed', message: String((last as Error | undefined)?.message ?? last) });
  }

  private async publish(e: FindingEvent): Promise<void> {
    const gd = this.deps.gd;
    gd.exportAll();
    await this.record('guardduty.amazonaws.com', 'PublishFindings', { findingId: e.finding.id, findingType: e.finding.type }, null, []);
  }
}
