/** KMS posture checks: KMS.3 (no unintended deletion), KMS.4 (rotation), KMS.5 (key policy not public). */
import type { Check, ResourceResult } from '../types.js';
import { fromResources, hasStar, sh, statementsOf } from './util.js';

/** KMS.3: keys scheduled for deletion fail. */
export const kmsNotPendingDeletion: Check = async ({ sources }) => {
  const keys = await sources.kmsKeys();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const k of keys) {
    if (k.state === 'PendingDeletion') {
      resources.push({ id: k.arn, status: 'FAIL', detail: `scheduled for deletion on ${k.deletionDate ?? 'an unknown date'}` });
      commands.push(`aws kms cancel-key-deletion --key-id ${k.keyId}`, `aws kms enable-key --key-id ${k.keyId}`);
    } else {
      resources.push({ id: k.arn, status: 'PASS', detail: k.state });
    }
  }
  return fromResources('KMS keys', resources, commands);
};

/** KMS.4: enabled symmetric encryption keys with Bulwark-generated material must rotate. */
export const kmsRotationEnabled: Check = async ({ sources }) => {
  const keys = await sources.kmsKeys();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const k of keys) {
    // Rotation applies to symmetric encryption keys whose material Bulwark generated (as in AWS).
    if (k.keySpec !== 'SYMMETRIC_DEFAULT' || k.keyUsage !== 'ENCRYPT_DECRYPT' || k.origin !== 'AWS_KMS') continue;
    if (k.state !== 'Enabled' && k.state !== 'Disabled') continue;
    if (k.rotationEnabled) resources.push({ id: k.arn, status: 'PASS', detail: 'automatic rotation enabled' });
    else {
      resources.push({ id: k.arn, status: 'FAIL', detail: 'automatic rotation disabled' });
      commands.push(`aws kms enable-key-rotation --key-id ${k.keyId}`);
    }
  }
  return fromResources('symmetric encryption keys', resources, commands);
};

/** True when a statement allows any principal without a condition. */
function publicAllow(s: { Effect?: unknown; Principal?: unknown; Condition?: unknown }): boolean {
  if (s.Effect !== 'Allow') return false;
  const p = s.Principal;
  const any = p === '*' || (typeof p === 'object' && p !== null && hasStar((p as { AWS?: unknown }).AWS));
  const conditioned = typeof s.Condition === 'object' && s.Condition !== null && Object.keys(s.Condition).length > 0;
  return any && !conditioned;
}

/** KMS.5: key policies must not allow "*" without a condition. */
export const kmsPolicyNotPublic: Check = async ({ sources }) => {
  const keys = await sources.kmsKeys();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const k of keys) {
    if (k.state === 'PendingDeletion') continue;
    const open = statementsOf(k.policy).some(publicAllow);
    if (!open) {
      resources.push({ id: k.arn, status: 'PASS' });
      continue;
    }
    const account = k.arn.split(':')[4] ?? '';
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
    });
    resources.push({ id: k.arn, status: 'FAIL', detail: 'key policy allows Principal "*" without a condition' });
    commands.push(`aws kms put-key-policy --key-id ${k.keyId} --policy-name default --policy ${sh(policy)}`);
  }
  return fromResources('KMS keys', resources, commands);
};
