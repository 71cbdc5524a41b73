/**
 * The finding-type table: every GuardDuty foundational finding type Bulwark can raise (CloudTrail
 * management events, VPC flow logs, DNS logs, the S3 policy types from management events) with
 * AWS's default severity and GuardDuty resourceType, plus Bulwark's own types for its services
 * (KMS, WAF, Shield, the detector itself) in the same grammar. Severities follow AWS's documented
 * level per type: Low 2, Medium 5, High 8; the types whose severity varies (SSH/RDP brute force,
 * port probes) carry their usual level here and modules set the exact value per finding.
 */

/** One row of the table. */
export interface FindingTypeInfo {
  /** Default severity (1.0–10.0). */
  readonly severity: number;
  /** GuardDuty resource.resourceType the finding's resource has. */
  readonly resourceType: string;
  /** True for a Bulwark extension (not an AWS GuardDuty type). */
  readonly bulwark?: boolean;
}

const LOW = 2;
const MEDIUM = 5;
const HIGH = 8;

type Row = readonly [type: string, severity: number, resourceType: string];

/** AWS GuardDuty foundational types. */
const AWS_TYPES: readonly Row[] = [
  // VPC flow logs (EC2 instance resource).
  ['Backdoor:EC2/C&CActivity.B', HIGH, 'Instance'],
  ['Backdoor:EC2/DenialOfService.Dns', HIGH, 'Instance'],
  ['Backdoor:EC2/DenialOfService.Tcp', HIGH, 'Instance'],
  ['Backdoor:EC2/DenialOfService.Udp', HIGH, 'Instance'],
  ['Backdoor:EC2/DenialOfService.UdpOnTcpPorts', HIGH, 'Instance'],
  ['Backdoor:EC2/DenialOfService.UnusualProtocol', HIGH, 'Instance'],
  ['Backdoor:EC2/Spambot', MEDIUM, 'Instance'],
  ['Behavior:EC2/NetworkPortUnusual', MEDIUM, 'Instance'],
  ['Behavior:EC2/TrafficVolumeUnusual', MEDIUM, 'Instance'],
  ['CryptoCurrency:EC2/BitcoinTool.B', HIGH, 'Instance'],
  ['DefenseEvasion:EC2/UnusualDNSResolver', MEDIUM, 'Instance'],
  ['DefenseEvasion:EC2/UnusualDoHActivity', MEDIUM, 'Instance'],
  ['DefenseEvasion:EC2/UnusualDoTActivity', MEDIUM, 'Instance'],
  ['Impact:EC2/PortSweep', HIGH, 'Instance'],
  ['Impact:EC2/WinRMBruteForce', LOW, 'Instance'],
  ['Recon:EC2/PortProbeEMRUnprotectedPort', HIGH, 'Instance'],
  ['Recon:EC2/PortProbeUnprotectedPort', LOW, 'Instance'],
  ['Recon:EC2/Portscan', MEDIUM, 'Instance'],
  ['Trojan:EC2/BlackholeTraffic', MEDIUM, 'Instance'],
  ['Trojan:EC2/DropPoint', MEDIUM, 'Instance'],
  ['UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', MEDIUM, 'Instance'],
  ['UnauthorizedAccess:EC2/RDPBruteForce', LOW, 'Instance'],
  ['UnauthorizedAccess:EC2/SSHBruteForce', LOW, 'Instance'],
  ['UnauthorizedAccess:EC2/TorClient', HIGH, 'Instance'],
  ['UnauthorizedAccess:EC2/TorRelay', HIGH, 'Instance'],
  // DNS logs (EC2 instance resource).
  ['Backdoor:EC2/C&CActivity.B!DNS', HIGH, 'Instance'],
  ['CryptoCurrency:EC2/BitcoinTool.B!DNS', HIGH, 'Instance'],
  ['Impact:EC2/AbusedDomainRequest.Reputation', MEDIUM, 'Instance'],
  ['Impact:EC2/BitcoinDomainRequest.Reputation', HIGH, 'Instance'],
  ['Impact:EC2/MaliciousDomainRequest.Custom', MEDIUM, 'Instance'],
  ['Impact:EC2/MaliciousDomainRequest.Reputation', HIGH, 'Instance'],
  ['Impact:EC2/SuspiciousDomainRequest.Reputation', LOW, 'Instance'],
  ['Trojan:EC2/BlackholeTraffic!DNS', MEDIUM, 'Instance'],
  ['Trojan:EC2/DGADomainRequest.B', HIGH, 'Instance'],
  ['Trojan:EC2/DGADomainRequest.C!DNS', HIGH, 'Instance'],
  ['Trojan:EC2/DNSDataExfiltration', HIGH, 'Instance'],
  ['Trojan:EC2/DriveBySourceTraffic!DNS', HIGH, 'Instance'],
  ['Trojan:EC2/DropPoint!DNS', MEDIUM, 'Instance'],
  ['Trojan:EC2/PhishingDomainRequest!DNS', HIGH, 'Instance'],
  ['UnauthorizedAccess:EC2/MetadataDNSRebind', HIGH, 'Instance'],
  // CloudTrail management events (the caller's access key).
  ['CredentialAccess:IAMUser/AnomalousBehavior', MEDIUM, 'AccessKey'],
  ['DefenseEvasion:IAMUser/AnomalousBehavior', MEDIUM, 'AccessKey'],
  ['DefenseEvasion:IAMUser/BedrockLoggingDisabled', MEDIUM, 'AccessKey'],
  ['Discovery:IAMUser/AnomalousBehavior', LOW, 'AccessKey'],
  ['Exfiltration:IAMUser/AnomalousBehavior', HIGH, 'AccessKey'],
  ['Impact:IAMUser/AnomalousBehavior', HIGH, 'AccessKey'],
  ['InitialAccess:IAMUser/AnomalousBehavior', MEDIUM, 'AccessKey'],
  ['PenTest:IAMUser/KaliLinux', MEDIUM, 'AccessKey'],
  ['PenTest:IAMUser/ParrotLinux', MEDIUM, 'AccessKey'],
  ['PenTest:IAMUser/PentooLinux', MEDIUM, 'AccessKey'],
  ['Persistence:IAMUser/AnomalousBehavior', MEDIUM, 'AccessKey'],
  ['Policy:IAMUser/RootCredentialUsage', LOW, 'AccessKey'],
  ['Policy:IAMUser/ShortTermRootCredentialUsage', LOW, 'AccessKey'],
  ['PrivilegeEscalation:IAMUser/AnomalousBehavior', MEDIUM, 'AccessKey'],
  ['Recon:IAMUser/MaliciousIPCaller', MEDIUM, 'AccessKey'],
  ['Recon:IAMUser/MaliciousIPCaller.Custom', MEDIUM, 'AccessKey'],
  ['Recon:IAMUser/TorIPCaller', MEDIUM, 'AccessKey'],
  ['Stealth:IAMUser/CloudTrailLoggingDisabled', LOW, 'AccessKey'],
  ['Stealth:IAMUser/PasswordPolicyChange', LOW, 'AccessKey'],
  ['UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B', MEDIUM, 'AccessKey'],
  ['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS', HIGH, 'AccessKey'],
  ['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS', HIGH, 'AccessKey'],
  ['UnauthorizedAccess:IAMUser/MaliciousIPCaller', MEDIUM, 'AccessKey'],
  ['UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom', MEDIUM, 'AccessKey'],
  ['UnauthorizedAccess:IAMUser/ResourceCredentialExfiltration.OutsideAWS', HIGH, 'AccessKey'],
  ['UnauthorizedAccess:IAMUser/TorIPCaller', MEDIUM, 'AccessKey'],
  // S3 policy/stealth types from management events.
  ['Policy:S3/AccountBlockPublicAccessDisabled', LOW, 'S3Bucket'],
  ['Policy:S3/BucketBlockPublicAccessDisabled', LOW, 'S3Bucket'],
  ['Policy:S3/BucketAnonymousAccessGranted', HIGH, 'S3Bucket'],
  ['Policy:S3/BucketPublicAccessGranted', HIGH, 'S3Bucket'],
  ['Stealth:S3/ServerAccessLoggingDisabled', LOW, 'S3Bucket'],
];

/** Bulwark extensions: its own services, in GuardDuty's grammar (documented in docs/guardduty-detections.md). */
const BULWARK_TYPES: readonly Row[] = [
  ['Impact:KMS/KeyScheduledForDeletion', MEDIUM, 'AccessKey'],
  ['Policy:KMS/KeyPolicyPublic', HIGH, 'AccessKey'],
  ['CredentialAccess:KMS/AnomalousDecrypt', MEDIUM, 'AccessKey'],
  ['Impact:KMS/ImportedKeyMaterialDeleted', HIGH, 'AccessKey'],
  ['Impact:KMS/KeyDisabled', LOW, 'AccessKey'],
  ['Stealth:Bulwark/DetectorDisabled', MEDIUM, 'AccessKey'],
  ['Stealth:Bulwark/ThreatListChanged', LOW, 'AccessKey'],
  ['Stealth:Bulwark/TrustedListChanged', MEDIUM, 'AccessKey'],
  ['Stealth:WAF/WebACLDetached', MEDIUM, 'AccessKey'],
  ['Stealth:WAF/WebACLRulesRemoved', LOW, 'AccessKey'],
  ['Stealth:Shield/ProtectionDeleted', MEDIUM, 'AccessKey'],
  ['Recon:WAF/SourceAttackingManySites', MEDIUM, 'WebACL'],
  ['Impact:WAF/SustainedAttackSource', HIGH, 'WebACL'],
  ['Impact:Shield/DDoSAttackSource', HIGH, 'WebACL'],
  // Attacker techniques without a GuardDuty tactic of their own (ATT&CK Execution, Lateral Movement).
  ['Execution:IAMUser/AnomalousBehavior', MEDIUM, 'AccessKey'],
  ['LateralMovement:IAMUser/AnomalousBehavior', MEDIUM, 'AccessKey'],
  ['UnauthorizedAccess:IAMUser/ConsoleLoginBruteForce', MEDIUM, 'AccessKey'],
  ['PenTest:IAMUser/OffensiveTool', MEDIUM, 'AccessKey'],
];

const table: ReadonlyMap<string, FindingTypeInfo> = new Map([
  ...AWS_TYPES.map(([t, severity, resourceType]): [string, FindingTypeInfo] => [t, { severity, resourceType }]),
  ...BULWARK_TYPES.map(([t, severity, resourceType]): [string, FindingTypeInfo] => [t, { severity, resourceType, bulwark: true }]),
]);

/** Every known finding type, in table order. */
export const findingTypes: readonly string[] = [...table.keys()];

/** Default severity and resourceType of a finding type, or undefined for an unknown type. */
export function findingTypeInfo(type: string): FindingTypeInfo | undefined {
  return table.get(type);
}
