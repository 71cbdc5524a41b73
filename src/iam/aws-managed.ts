/**
 * The AWS managed policies Bulwark ships (arn:aws:iam::aws:policy/…): a small subset of AWS's
 * catalogue, enough to grant administrator or IAM access with the names people already use.
 */
import type { PolicyRecord } from './store.js';

const CREATED = '2015-02-06T18:39:46.000Z';

function managed(name: string, id: string, description: string, statements: readonly unknown[], path = '/'): PolicyRecord {
  const document = JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 4);
  return {
    id, arn: `arn:aws:iam::aws:policy${path}${name}`, name, path, description, createDate: CREATED, updateDate: CREATED,
    defaultVersion: 'v1', nextVersion: 2, versions: [{ id: 'v1', document, createDate: CREATED }], tags: [], awsManaged: true,
  };
}

/** Built-in AWS managed policies (read-only; attachable). */
export const AWS_MANAGED_POLICIES: readonly PolicyRecord[] = Object.freeze([
  managed('AdministratorAccess', 'ANPAIWMBCKSKIEE64ZLYK', 'Provides full access to AWS services and resources.', [
    { Effect: 'Allow', Action: '*', Resource: '*' },
  ]),
  managed('PowerUserAccess', 'ANPAJYRXTHIB4FOVS3ZXS', 'Provides full access to AWS services and resources, but does not allow management of Users and groups.', [
    { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    { Effect: 'Allow', Action: ['iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization', 'account:ListRegions', 'account:GetAccountInformation'], Resource: '*' },
  ]),
  managed('IAMFullAccess', 'ANPAI7XKCFMBPM3QQRRVQ', 'Provides full access to IAM via the AWS Management Console.', [
    { Effect: 'Allow', Action: ['iam:*', 'organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:DescribePolicy', 'organizations:ListChildren', 'organizations:ListParents', 'organizations:ListPoliciesForTarget', 'organizations:ListRoots', 'organizations:ListPolicies', 'organizations:ListTargetsForPolicy'], Resource: '*' },
  ]),
  managed('IAMReadOnlyAccess', 'ANPAJKSO7NDY4T57MWDSQ', 'Provides read only access to IAM via the AWS Management Console.', [
    { Effect: 'Allow', Action: ['iam:GenerateCredentialReport', 'iam:GenerateServiceLastAccessedDetails', 'iam:Get*', 'iam:List*', 'iam:SimulateCustomPolicy', 'iam:SimulatePrincipalPolicy'], Resource: '*' },
  ]),
]);
