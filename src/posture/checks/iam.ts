/** IAM posture checks: IAM.1–IAM.9 equivalents over the identity store. */
import type { Check, CheckOutcome, PosturePolicy, ResourceResult } from '../types.js';
import { ageDays, fromResources, hasStar, notApplicable, sh, statementsOf } from './util.js';

/** Days after which an access key must be rotated (IAM.3) or counts as unused (IAM.8). */
export const KEY_MAX_AGE_DAYS = 90;
/** Why password and MFA controls do not apply to Bulwark today. */
export const NO_CONSOLE_SIGN_IN = 'Bulwark has no console sign-in: IAM users authenticate with access keys only, so there are no passwords or MFA devices to check';

function fullAdmin(p: PosturePolicy): boolean {
  return statementsOf(p.document).some((s) => s.Effect === 'Allow' && s.NotAction === undefined && hasStar(s.Action) && hasStar(s.Resource));
}

function detachCommands(p: PosturePolicy): string[] {
  const out: string[] = [];
  for (const where of p.attachedTo) {
    const [kind, name] = where.split('/') as [string, string];
    out.push(`aws iam detach-${kind}-policy --${kind}-name ${sh(name)} --policy-arn ${p.id}`);
  }
  return out;
}

/** IAM.1: customer managed and inline policies must not allow "*" on "*". */
export const iamNoFullAdminPolicies: Check = async ({ sources }) => {
  const policies = (await sources.iamPolicies()).filter((p) => !p.awsManaged);
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const p of policies) {
    if (!fullAdmin(p)) {
      resources.push({ id: p.id, status: 'PASS' });
      continue;
    }
    resources.push({ id: p.id, status: 'FAIL', detail: 'allows Action "*" on Resource "*"' });
    if (p.kind === 'managed') {
      commands.push(...detachCommands(p), `aws iam delete-policy --policy-arn ${p.id}`);
    } else {
      const [kind, entity] = p.attachedTo[0]?.split('/') ?? [];
      if (kind && entity) commands.push(`aws iam delete-${kind}-policy --${kind}-name ${sh(entity)} --policy-name ${sh(p.name)}`);
    }
  }
  return fromResources('customer managed and inline policies', resources, commands);
};

/** IAM.2: users must not have policies attached or embedded directly. */
export const iamNoUserPolicies: Check = async ({ sources }) => {
  const users = await sources.iamUsers();
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const u of users) {
    const n = u.attachedPolicies.length + u.inlinePolicyNames.length;
    if (n === 0) {
      resources.push({ id: u.arn, status: 'PASS' });
      continue;
    }
    resources.push({ id: u.arn, status: 'FAIL', detail: `${n} polic${n === 1 ? 'y' : 'ies'} on the user` });
    for (const a of u.attachedPolicies) commands.push(`aws iam detach-user-policy --user-name ${sh(u.name)} --policy-arn ${a}`);
    for (const i of u.inlinePolicyNames) commands.push(`aws iam delete-user-policy --user-name ${sh(u.name)} --policy-name ${sh(i)}`);
  }
  return fromResources('IAM users', resources, commands);
};

/** IAM.3: users' active access keys must be younger than 90 days. */
export const iamKeyRotation: Check = async ({ sources, now }) => {
  const keys = (await sources.iamAccessKeys()).filter((k) => k.userName !== 'root' && k.status === 'Active');
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const k of keys) {
    const age = Math.floor(ageDays(k.createDate, now));
    if (age <= KEY_MAX_AGE_DAYS) {
      resources.push({ id: k.id, status: 'PASS', detail: `${k.userName}, ${age} days old` });
      continue;
    }
    resources.push({ id: k.id, status: 'FAIL', detail: `${k.userName}, ${age} days old` });
    commands.push(
      `aws iam create-access-key --user-name ${sh(k.userName)}`,
      `aws iam update-access-key --user-name ${sh(k.userName)} --access-key-id ${k.id} --status Inactive`,
    );
  }
  return fromResources('active user access keys', resources, commands);
};

/** IAM.4: the root user must have no active access key. */
export const iamRootKeyInactive: Check = async ({ sources }) => {
  const keys = (await sources.iamAccessKeys()).filter((k) => k.userName === 'root');
  const resources: ResourceResult[] = keys.map((k) => ({
    id: k.id,
    status: k.status === 'Active' ? 'FAIL' : 'PASS',
    detail: `${k.status}${k.lastUsedDate ? `, last used ${k.lastUsedDate}` : ', never used'}`,
  }));
  if (resources.length === 0) return { status: 'PASS', evidence: 'the root user has no access key' };
  const active = keys.filter((k) => k.status === 'Active');
  if (active.length === 0) return { status: 'PASS', evidence: `the root user's ${keys.length} access key(s) are inactive`, resources };
  return {
    status: 'FAIL',
    evidence: `the root user has ${active.length} active access key(s): ${active.map((k) => k.id).join(', ')}`,
    resources,
    commands: [
      'aws iam create-group --group-name admins',
      'aws iam attach-group-policy --group-name admins --policy-arn arn:aws:iam::aws:policy/AdministratorAccess',
      'aws iam create-user --user-name admin',
      'aws iam add-user-to-group --group-name admins --user-name admin',
      'aws iam create-access-key --user-name admin',
      // Signed with the root key itself: after this, clients must use the admin's key.
      ...active.map((k) => `aws iam update-access-key --access-key-id ${k.id} --status Inactive`),
    ],
  };
};

/** IAM.8: active user keys unused for 90 days (or never used and older) fail. */
export const iamUnusedCredentials: Check = async ({ sources, now }) => {
  const keys = (await sources.iamAccessKeys()).filter((k) => k.userName !== 'root' && k.status === 'Active');
  const resources: ResourceResult[] = [];
  const commands: string[] = [];
  for (const k of keys) {
    const idle = Math.floor(ageDays(k.lastUsedDate ?? k.createDate, now));
    const detail = `${k.userName}, ${k.lastUsedDate ? `last used ${idle} days ago` : `never used, created ${idle} days ago`}`;
    if (idle <= KEY_MAX_AGE_DAYS) resources.push({ id: k.id, status: 'PASS', detail });
    else {
      resources.push({ id: k.id, status: 'FAIL', detail });
      commands.push(`aws iam update-access-key --user-name ${sh(k.userName)} --access-key-id ${k.id} --status Inactive`);
    }
  }
  return fromResources('active user access keys', resources, commands);
};

async function mfaCheck(sources: Parameters<Check>[0]['sources'], who: 'users' | 'root', hardware: boolean): Promise<CheckOutcome> {
  if (!sources.iamMfaDevices) return notApplicable(NO_CONSOLE_SIGN_IN);
  const devices = await sources.iamMfaDevices();
  if (who === 'root') {
    const ok = devices.some((d) => d.userName === 'root' && (!hardware || d.hardware));
    return ok
      ? { status: 'PASS', evidence: `the root user has ${hardware ? 'a hardware' : 'an'} MFA device` }
      : { status: 'FAIL', evidence: `the root user has no ${hardware ? 'hardware ' : ''}MFA device` };
  }
  const users = await sources.iamUsers();
  const resources: ResourceResult[] = users.map((u) => ({ id: u.arn, status: devices.some((d) => d.userName === u.name) ? 'PASS' : 'FAIL' }));
  return fromResources('IAM users', resources);
}

/** IAM.5: MFA for users with console passwords. */
export const iamUserMfa: Check = async ({ sources }) => mfaCheck(sources, 'users', false);
/** IAM.6: hardware MFA for root. */
export const iamRootHardwareMfa: Check = async ({ sources }) => mfaCheck(sources, 'root', true);
/** IAM.9: MFA for root. */
export const iamRootMfa: Check = async ({ sources }) => mfaCheck(sources, 'root', false);

/** IAM.7: a password policy with a minimum length of 14. */
export const iamPasswordPolicy: Check = async ({ sources }) => {
  if (!sources.iamPasswordPolicy) return notApplicable(NO_CONSOLE_SIGN_IN);
  const p = await sources.iamPasswordPolicy();
  if (!p) return { status: 'FAIL', evidence: 'no account password policy', commands: ['aws iam update-account-password-policy --minimum-password-length 14 --require-symbols --require-numbers --require-uppercase-characters --require-lowercase-characters'] };
  return p.minimumLength >= 14
    ? { status: 'PASS', evidence: `minimum password length ${p.minimumLength}` }
    : { status: 'FAIL', evidence: `minimum password length ${p.minimumLength} < 14`, commands: ['aws iam update-account-password-policy --minimum-password-length 14'] };
};
