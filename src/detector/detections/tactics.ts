/**
 * API → ATT&CK tactic: the family an API call belongs to for the behaviour baselines, from the
 * eventName's verb and well-known lists (GuardDuty's AnomalousBehavior types name these tactics).
 */

/** The tactics a baseline family can have. */
export type Tactic = 'Discovery' | 'CredentialAccess' | 'DefenseEvasion' | 'Persistence' | 'PrivilegeEscalation' | 'Exfiltration' | 'Impact' | 'InitialAccess' | 'Other';

const CREDENTIAL = new Set(['GetPasswordData', 'GetSecretValue', 'BatchGetSecretValue', 'GenerateDbAuthToken', 'GetParameter', 'GetParameters', 'GetParametersByPath', 'Decrypt', 'GetDataKey', 'ExportCertificate']);
const INITIAL = new Set(['StartSession', 'ResumeSession', 'GetAuthorizationToken', 'GetSessionToken', 'GetFederationToken', 'GetSigninToken', 'ConsoleLogin', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML', 'SendSSHPublicKey']);
const PRIVESC = new Set(['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy', 'PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy', 'AddUserToGroup', 'AssociateIamInstanceProfile', 'ReplaceIamInstanceProfileAssociation', 'CreatePolicyVersion', 'SetDefaultPolicyVersion', 'UpdateAssumeRolePolicy', 'PutUserPermissionsBoundary', 'DeleteUserPermissionsBoundary', 'DeleteRolePermissionsBoundary', 'UpdateLoginProfile', 'CreateGrant']);
const EXFIL = new Set(['PutBucketReplication', 'CreateSnapshot', 'CreateSnapshots', 'CopySnapshot', 'ModifySnapshotAttribute', 'ModifyImageAttribute', 'CopyImage', 'CreateImage', 'RestoreDBInstanceFromDBSnapshot', 'RestoreDBClusterFromSnapshot', 'CreateDBSnapshot', 'CreateDBClusterSnapshot', 'ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute', 'CreateExportTask', 'StartExportTask', 'CreateTrafficMirrorSession', 'ExportKey', 'GetObject']);
const EVASION_WORDS = /Log|Trail|Detector|Alarm|Recorder|Analyzer|Macie|SecurityHub|Guard|Monitor|Insight|Selector|WebACL|Protection|Finding|Filter|IPSet|ThreatIntel|EntitySet/;

/** The tactic of an API call. */
export function tacticOf(eventName: string, readOnly: boolean | undefined): Tactic {
  if (CREDENTIAL.has(eventName)) return 'CredentialAccess';
  if (INITIAL.has(eventName)) return 'InitialAccess';
  if (PRIVESC.has(eventName)) return 'PrivilegeEscalation';
  if (EXFIL.has(eventName)) return 'Exfiltration';
  if (/^(Delete|Disable|Stop|Remove|Disassociate|Deregister|Update|Put)/.test(eventName) && EVASION_WORDS.test(eventName) && !/^(Put|Update)(Object|Item)/.test(eventName)) {
    if (/^(Delete|Disable|Stop|Remove|Disassociate|Deregister)/.test(eventName) || /Selector|EventSelectors/.test(eventName)) return 'DefenseEvasion';
  }
  if (/^(Get|Describe|List|Lookup|Search|Head|Check|Query|Scan|BatchGet|Validate|Simulate|Estimate|Preview|View)/.test(eventName) || readOnly === true) return 'Discovery';
  if (/^(Create|Import|Register|Upload|Add|Enable|Associate|Tag|Allocate|Request|Run|Start|Issue|Generate|Publish|Invoke|Send|Subscribe|Authorize)/.test(eventName)) return 'Persistence';
  if (/^(Delete|Update|Put|Modify|Terminate|Schedule|Disable|Stop|Revoke|Detach|Reject|Cancel|Reset|Set|Replace|Remove|Disassociate|Deregister|Untag|Release|Retire|Rotate|Change|Reboot|Restore)/.test(eventName)) return 'Impact';
  return 'Other';
}

/** GuardDuty's AnomalousBehavior type for a tactic (undefined for 'Other'). */
export function anomalousType(t: Tactic): string | undefined {
  return t === 'Other' ? undefined : `${t}:IAMUser/AnomalousBehavior`;
}
