// Shared helpers of the GuardDuty detection benchmarks: the built DetectionEngine, a fake detection
// context (no threat lists unless given), a deterministic PRNG and a generator of realistic
// CloudTrail records (users and roles with their own services, networks and clients).
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rng } from './rng.mjs';

const here = fileURLToPath(import.meta.url);
export const repo = resolve(here, '..', '..');
export const dist = resolve(process.env.BULWARK_DIST ?? join(repo, 'dist', 'src'));
export const shared = resolve(process.env.BULWARK_SHARED ?? join(repo, '..', 'shared'));

/** The DetectionEngine module from dist/. */
export async function loadDetections() {
  return import(pathToFileURL(join(dist, 'detector', 'detections', 'index.js')).href);
}

/** A DetectionContext with optional threat/trusted lists and geo table (Maps/Sets). */
export function fakeContext({ threatIps = new Map(), threatDomains = new Map(), trustedIps = new Set(), geo = new Map() } = {}) {
  return {
    accountId: '111122223333',
    region: 'us-east-1',
    threatIp: (ip) => threatIps.get(ip),
    threatDomain: (d) => threatDomains.get(d),
    trustedIp: (ip) => trustedIps.has(ip),
    trustedDomain: () => false,
    geo: (ip) => geo.get(ip),
  };
}

export { rng };

const pick = (r, a) => a[Math.floor(r() * a.length)];
const hex = (r, n) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');

/** Event mix of a busy account: mostly reads, some writes, a few errors. */
const MIX = [
  ['s3.amazonaws.com', 'GetBucketLocation'], ['s3.amazonaws.com', 'ListBuckets'], ['ec2.amazonaws.com', 'DescribeInstances'], ['ec2.amazonaws.com', 'DescribeSecurityGroups'],
  ['kms.amazonaws.com', 'Decrypt'], ['kms.amazonaws.com', 'GenerateDataKey'], ['kms.amazonaws.com', 'Encrypt'], ['sts.amazonaws.com', 'AssumeRole'], ['sts.amazonaws.com', 'GetCallerIdentity'],
  ['iam.amazonaws.com', 'GetUser'], ['iam.amazonaws.com', 'ListRoles'], ['lambda.amazonaws.com', 'ListFunctions20150331'], ['logs.amazonaws.com', 'CreateLogStream'], ['ssm.amazonaws.com', 'GetParameter'],
  ['secretsmanager.amazonaws.com', 'GetSecretValue'], ['dynamodb.amazonaws.com', 'DescribeTable'], ['ec2.amazonaws.com', 'RunInstances'], ['ec2.amazonaws.com', 'CreateTags'], ['wafv2.amazonaws.com', 'GetWebACL'],
  ['cloudwatch.amazonaws.com', 'PutMetricData'], ['autoscaling.amazonaws.com', 'DescribeAutoScalingGroups'], ['elasticloadbalancing.amazonaws.com', 'DescribeTargetHealth'],
];
const UAS = ['aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0-18-amd64 exe/x86_64.debian.12 prompt/off command/s3.ls', 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210 md/arch#x86_64 lang/python#3.12.2', 'aws-sdk-js/3.540.0 ua/2.0 os/linux#5.15 lang/js md/nodejs#20.11.1 api/kms#3.540.0', 'aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.152.0', 'console.amazonaws.com'];

/**
 * A realistic CloudTrail record: principal `p` of `principals` (users and roles), its usual IP and
 * client, an event from the mix, request/response bodies of a typical size.
 */
export function syntheticRecord(r, i, principals, t0) {
  const p = Math.floor(r() * principals);
  const [src, name] = pick(r, MIX);
  const role = p % 3 === 0;
  const ip = `${50 + (p % 150)}.${(p >> 3) % 250}.${(p >> 5) % 250}.${1 + (p % 200)}`;
  const acct = '111122223333';
  const identity = role
    ? { type: 'AssumedRole', principalId: `AROA${hex(r, 16).toUpperCase()}:session-${p}`, arn: `arn:aws:sts::${acct}:assumed-role/app-role-${p}/session-${p}`, accountId: acct, accessKeyId: `ASIA${hex(r, 16).toUpperCase()}`,
        sessionContext: { sessionIssuer: { type: 'Role', principalId: `AROAROLE${p}`, arn: `arn:aws:iam::${acct}:role/app-role-${p}`, accountId: acct, userName: `app-role-${p}` }, attributes: { creationDate: new Date(t0).toISOString(), mfaAuthenticated: 'false' } } }
    : { type: 'IAMUser', principalId: `AIDA${p.toString(16).padStart(16, '0').toUpperCase()}`, arn: `arn:aws:iam::${acct}:user/user-${p}`, accountId: acct, accessKeyId: `AKIA${p.toString(16).padStart(16, '0').toUpperCase()}`, userName: `user-${p}` };
  const err = r() < 0.02;
  return {
    eventVersion: '1.09',
    userIdentity: identity,
    eventTime: new Date(t0 + i * 50).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: src,
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: ip,
    userAgent: UAS[p % UAS.length],
    ...(err ? { errorCode: 'AccessDenied', errorMessage: `User: ${identity.arn} is not authorized to perform: ${src.split('.')[0]}:${name}` } : {}),
    requestParameters: { bucketName: `bucket-${p % 40}`, keyId: `arn:aws:kms:us-east-1:${acct}:key/${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`, maxResults: 100, filterSet: { items: [{ name: 'tag:env', valueSet: { items: [{ value: 'prod' }] } }] } },
    responseElements: name.startsWith('Describe') || name.startsWith('List') || name.startsWith('Get') ? null : { requestId: hex(r, 32), result: { status: 'ok', id: hex(r, 20) } },
    requestID: `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`,
    eventID: `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`,
    readOnly: name.startsWith('Describe') || name.startsWith('List') || name.startsWith('Get'),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: acct,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${src.split('.')[0]}.us-east-1.amazonaws.com` },
  };
}
