/** IAM: the account's identities (IamStore), the IAM API, and the policy engine's public API. */
export {
  IamStore, DEFAULT_IAM_QUOTAS, type IamQuotas, type ResolvedCredential, type PrincipalPolicies, type IssuedCredentials,
  type RoleRecord, type UserRecord, type GroupRecord, type PolicyRecord, type SessionRecord, type Tag,
} from './store.js';
export { iamService, encodePolicyDocument, parseEntityArn } from './service.js';
export type { Principal } from './principal.js';
export * from './policy/index.js';
