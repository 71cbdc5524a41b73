/** Test helpers of the detector (not built into dist: tsconfig.build.json excludes testing.ts files). */
import { isAwsError } from '../errors/index.js';
import type { EngineLike } from './guardduty.js';
import type { DetectionContext, DetectorInput, FindingCandidate } from './types.js';

/**
 * A tiny detection engine for tests: one candidate per CloudTrail record, keyed by event name and
 * source IP, `.Custom` when the source IP is on a threat list; it counts what it saw (the count is
 * in each candidate's description and survives snapshot/restore).
 */
export class CountingEngine implements EngineLike {
  seen = 0;
  constructor(private readonly ctx: DetectionContext) {}
  observe(input: DetectorInput): FindingCandidate[] {
    if (input.kind !== 'cloudtrail') return [];
    this.seen++;
    const r = input.record;
    const ip = r.sourceIPAddress ?? '';
    return [{
      type: this.ctx.threatIp(ip) ? 'UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom' : `Test:IAMUser/${r.eventName}`,
      accountId: r.recipientAccountId ?? this.ctx.accountId,
      region: r.awsRegion,
      resource: { resourceType: 'AccessKey', accessKeyDetails: { accessKeyId: r.userIdentity?.accessKeyId ?? 'AKIA0', userName: 'u' } },
      action: { actionType: 'AWS_API_CALL', awsApiCallAction: { api: r.eventName, remoteIpDetails: { ipAddressV4: ip } } },
      title: 't', description: `seen ${this.seen}`, dedupKey: `${r.eventName}|${ip}`, eventTime: new Date(r.eventTime), remoteIp: ip, detection: 'counting',
    }];
  }
  snapshot(): unknown {
    return { seen: this.seen };
  }
  restore(s: unknown): void {
    this.seen = (s as { seen: number }).seen;
  }
}

/** The AWS error code a promise rejects with ('none' if it resolves; the message of another error). */
export async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (e) {
    return isAwsError(e) ? e.code : String(e);
  }
}
