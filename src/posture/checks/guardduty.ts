/** GuardDuty posture check: GuardDuty.1 (a detector is enabled). */
import type { Check } from '../types.js';
import { SERVICE_NOT_AVAILABLE, notApplicable } from './util.js';

/** GuardDuty.1: at least one detector exists and is enabled. */
export const guardDutyEnabled: Check = async ({ sources }) => {
  if (!sources.guardDutyDetectors) return notApplicable(SERVICE_NOT_AVAILABLE);
  const detectors = await sources.guardDutyDetectors();
  if (detectors.length === 0) return { status: 'FAIL', evidence: 'no detector exists', commands: ['aws guardduty create-detector --enable'] };
  const resources = detectors.map((d) => ({ id: d.id, status: d.status === 'ENABLED' ? ('PASS' as const) : ('FAIL' as const), detail: d.status }));
  if (detectors.some((d) => d.status === 'ENABLED')) return { status: 'PASS', evidence: `${resources.filter((r) => r.status === 'PASS').length} detector(s) enabled`, resources };
  return { status: 'FAIL', evidence: 'every detector is disabled', resources, commands: detectors.map((d) => `aws guardduty update-detector --detector-id ${d.id} --enable`) };
};
