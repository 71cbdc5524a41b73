/** The check registry: one entry per check name the catalogue may reference. */
import type { Check } from '../types.js';
import { cloudtrailBucketPrivate, cloudtrailDeliveryHealthy, cloudtrailLogFileValidation, cloudtrailLogging } from './cloudtrail.js';
import { configBackups, configProductionSeal, configTlsNonLoopback } from './config.js';
import { guardDutyEnabled } from './guardduty.js';
import {
  iamKeyRotation, iamNoFullAdminPolicies, iamNoUserPolicies, iamPasswordPolicy, iamRootHardwareMfa, iamRootKeyInactive, iamRootMfa, iamUnusedCredentials, iamUserMfa,
} from './iam.js';
import { kmsNotPendingDeletion, kmsPolicyNotPublic, kmsRotationEnabled } from './kms.js';
import { auditChainValid, barrierEncrypts, manualAttestation, postureMonitoring, runtimeSupported, secretsNotPlaintext, sigv4Enforced } from './platform.js';
import { shieldSiteProtection } from './shield.js';
import { wafAclHasRules, wafAclLogging, wafRuleMetrics, wafSiteHasAcl } from './waf.js';

/** Every check by name. */
export const CHECKS: ReadonlyMap<string, Check> = new Map<string, Check>([
  ['platform.barrier-encrypts', barrierEncrypts],
  ['platform.secrets-not-plaintext', secretsNotPlaintext],
  ['platform.sigv4-enforced', sigv4Enforced],
  ['platform.audit-chain-valid', auditChainValid],
  ['platform.runtime-supported', runtimeSupported],
  ['platform.posture-monitoring', postureMonitoring],
  ['manual.attestation', manualAttestation],
  ['config.tls-non-loopback', configTlsNonLoopback],
  ['config.production-seal', configProductionSeal],
  ['config.backups', configBackups],
  ['kms.not-pending-deletion', kmsNotPendingDeletion],
  ['kms.rotation-enabled', kmsRotationEnabled],
  ['kms.policy-not-public', kmsPolicyNotPublic],
  ['iam.no-full-admin-policies', iamNoFullAdminPolicies],
  ['iam.no-user-policies', iamNoUserPolicies],
  ['iam.key-rotation', iamKeyRotation],
  ['iam.root-key-inactive', iamRootKeyInactive],
  ['iam.user-mfa', iamUserMfa],
  ['iam.root-hardware-mfa', iamRootHardwareMfa],
  ['iam.password-policy', iamPasswordPolicy],
  ['iam.unused-credentials', iamUnusedCredentials],
  ['iam.root-mfa', iamRootMfa],
  ['cloudtrail.logging', cloudtrailLogging],
  ['cloudtrail.bucket-private', cloudtrailBucketPrivate],
  ['cloudtrail.log-file-validation', cloudtrailLogFileValidation],
  ['cloudtrail.delivery-healthy', cloudtrailDeliveryHealthy],
  ['waf.acl-has-rules', wafAclHasRules],
  ['waf.acl-logging', wafAclLogging],
  ['waf.rule-metrics', wafRuleMetrics],
  ['waf.site-has-acl', wafSiteHasAcl],
  ['shield.site-protection', shieldSiteProtection],
  ['guardduty.enabled', guardDutyEnabled],
]);
