/** Shield posture check: every site has a Shield protection (BULWARK.9). */
import type { Check, ResourceResult } from '../types.js';
import { SERVICE_NOT_AVAILABLE, fromResources, notApplicable, sh } from './util.js';

/** BULWARK.9: each site's ARN is a protected resource. */
export const shieldSiteProtection: Check = async ({ sources }) => {
  if (!sources.shieldProtections) return notApplicable(SERVICE_NOT_AVAILABLE);
  const protectedArns = new Set(await sources.shieldProtections());
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const s of await sources.sites()) {
    const ok = protectedArns.has(s.arn);
    resources.push({ id: s.arn, status: ok ? 'PASS' : 'FAIL', ...(ok ? {} : { detail: 'no Shield protection' }) });
    if (!ok) commands.push(`aws shield create-protection --name ${sh(s.name)} --resource-arn ${s.arn}`);
  }
  return fromResources('sites', resources, commands);
};
