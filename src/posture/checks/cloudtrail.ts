/** CloudTrail posture checks: CloudTrail.1/2/4/5 equivalents over the node's trails. */
import type { Check, ResourceResult } from '../types.js';
import { fromResources, sh } from './util.js';

/** CloudTrail.1: at least one trail logs read and write management events. */
export const cloudtrailLogging: Check = async ({ sources }) => {
  const trails = await sources.trails();
  const cfg = await sources.config();
  if (trails.length === 0) {
    const dir = `${cfg.bucketsRoot}/audit`;
    return {
      status: 'FAIL',
      evidence: 'no trail exists: calls are kept only in the 90-day event history',
      commands: [
        `mkdir -p -m 700 ${sh(dir)}`,
        'aws cloudtrail create-trail --name main --s3-bucket-name audit --enable-log-file-validation',
        'aws cloudtrail start-logging --name main',
      ],
    };
  }
  const resources: ResourceResult[] = trails.map((t) => ({
    id: t.arn,
    status: t.isLogging && t.managementReadWrite ? 'PASS' : 'FAIL',
    detail: `${t.isLogging ? 'logging' : 'not logging'}${t.managementReadWrite ? '' : ', does not select all management events'}`,
  }));
  if (resources.some((r) => r.status === 'PASS')) {
    return { status: 'PASS', evidence: `${resources.filter((r) => r.status === 'PASS').length} of ${trails.length} trails log read and write management events`, resources };
  }
  const commands: string[] = [];
  for (const t of trails) {
    if (!t.managementReadWrite) commands.push(`aws cloudtrail put-event-selectors --trail-name ${sh(t.name)} --event-selectors '[{"ReadWriteType":"All","IncludeManagementEvents":true}]'`);
    if (!t.isLogging) commands.push(`aws cloudtrail start-logging --name ${sh(t.name)}`);
  }
  return { status: 'FAIL', evidence: `none of ${trails.length} trails logs read and write management events`, resources, commands };
};

/** CloudTrail.2 equivalent: bucket directories are private to the Bulwark user. */
export const cloudtrailBucketPrivate: Check = async ({ sources }) => {
  const trails = await sources.trails();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const t of trails) {
    if (t.bucketMode === undefined) {
      resources.push({ id: t.arn, status: 'FAIL', detail: `bucket directory ${t.bucketPath} does not exist` });
      commands.push(`mkdir -p -m 700 ${sh(t.bucketPath)}`);
    } else if ((t.bucketMode & 0o077) !== 0) {
      resources.push({ id: t.arn, status: 'FAIL', detail: `bucket directory ${t.bucketPath} is mode ${(t.bucketMode & 0o777).toString(8)}` });
      commands.push(`chmod -R go-rwx ${sh(t.bucketPath)}`);
    } else {
      resources.push({ id: t.arn, status: 'PASS', detail: `mode ${(t.bucketMode & 0o777).toString(8)}` });
    }
  }
  return fromResources('trails', resources, commands);
};

/** CloudTrail.4: every trail has log file validation on. */
export const cloudtrailLogFileValidation: Check = async ({ sources }) => {
  const trails = await sources.trails();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const t of trails) {
    resources.push({ id: t.arn, status: t.logFileValidationEnabled ? 'PASS' : 'FAIL' });
    if (!t.logFileValidationEnabled) commands.push(`aws cloudtrail update-trail --name ${sh(t.name)} --enable-log-file-validation`);
  }
  return fromResources('trails', resources, commands);
};

/** CloudTrail.5 equivalent: logging trails' latest deliveries succeeded. */
export const cloudtrailDeliveryHealthy: Check = async ({ sources }) => {
  const trails = (await sources.trails()).filter((t) => t.isLogging);
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const t of trails) {
    const error = t.latestDeliveryError ?? t.latestDigestDeliveryError;
    if (!error) {
      resources.push({ id: t.arn, status: 'PASS' });
      continue;
    }
    resources.push({ id: t.arn, status: 'FAIL', detail: error });
    commands.push(`mkdir -p -m 700 ${sh(t.bucketPath)}`, `bulwark trail flush --trail ${sh(t.name)}`);
  }
  return fromResources('logging trails', resources, commands);
};
