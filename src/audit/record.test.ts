import { describe, expect, it } from 'vitest';
import { toCloudTrailRecord } from './record.js';
import { ACCOUNT, REGION, ROLE_IDENTITY, ROOT_IDENTITY, apiEvent } from './testing.js';

describe('CloudTrail record mapping', () => {
  it('places the optional members (error, resources, TLS) where CloudTrail puts them', () => {
    const r = toCloudTrailRecord(
      apiEvent({
        errorCode: 'AccessDeniedException',
        errorMessage: 'denied',
        resources: [{ arn: 'alias/no-account' }, { arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k`, type: 'AWS::KMS::Key' }],
        tls: { version: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: 'localhost:4599' },
      }),
      ACCOUNT,
    );
    expect(Object.keys(r)).toEqual([
      'eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent',
      'errorCode', 'errorMessage', 'requestParameters', 'responseElements', 'requestID', 'eventID', 'readOnly', 'resources',
      'eventType', 'managementEvent', 'recipientAccountId', 'eventCategory', 'tlsDetails',
    ]);
    expect(r.resources?.map((x) => Object.keys(x))).toEqual([['ARN'], ['accountId', 'type', 'ARN']]);
    expect(r.responseElements).toBeNull();
  });

  it('maps an IAM user call with every top-level field in CloudTrail order', () => {
    const e = apiEvent({
      resources: [{ arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, type: 'AWS::KMS::Key' }],
      requestParameters: { Description: 'k', KeyUsage: 'ENCRYPT_DECRYPT' },
      responseElements: { KeyMetadata: { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', CreationDate: new Date('2024-05-01T12:00:00.500Z') } },
    });
    const r = toCloudTrailRecord(e, ACCOUNT);
    expect(Object.keys(r)).toEqual([
      'eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent',
      'requestParameters', 'responseElements', 'requestID', 'eventID', 'readOnly', 'resources', 'eventType', 'managementEvent',
      'recipientAccountId', 'eventCategory',
    ]);
    expect(r.eventVersion).toBe('1.11');
    expect(r.eventTime).toBe('2024-05-01T12:00:00Z');
    expect(r.userIdentity).toEqual({
      type: 'IAMUser', principalId: 'AIDAALICEALICEALICE1', arn: `arn:aws:iam::${ACCOUNT}:user/Alice`, accountId: ACCOUNT,
      accessKeyId: 'AKIAALICEALICE000001', userName: 'Alice',
    });
    expect(r.resources).toEqual([{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` }]);
    expect(r.responseElements).toEqual({ KeyMetadata: { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', CreationDate: '2024-05-01T12:00:00.500Z' } });
    expect(r).toMatchObject({ eventType: 'AwsApiCall', managementEvent: true, eventCategory: 'Management', recipientAccountId: ACCOUNT, readOnly: false, eventSource: 'kms.amazonaws.com', eventName: 'CreateKey', awsRegion: REGION });
    expect(r.requestID).toBe(e.requestId);
    expect(r.eventID).toBe(e.eventId);
  });

  it('maps the root user', () => {
    expect(toCloudTrailRecord(apiEvent({ identity: ROOT_IDENTITY }), ACCOUNT).userIdentity).toEqual({
      type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT, accessKeyId: 'AKIAROOTROOTROOT0001',
    });
  });

  it('maps an assumed role with its session issuer and attributes', () => {
    expect(toCloudTrailRecord(apiEvent({ identity: ROLE_IDENTITY }), ACCOUNT).userIdentity).toEqual({
      type: 'AssumedRole',
      principalId: 'AROAADMINADMINADMIN1:bob-session',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/bob-session`,
      accountId: ACCOUNT,
      accessKeyId: 'ASIAADMINSESSION0001',
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: 'AROAADMINADMINADMIN1', arn: `arn:aws:iam::${ACCOUNT}:role/Admin`, accountId: ACCOUNT, userName: 'Admin' },
        attributes: { creationDate: '2024-05-01T10:00:00Z', mfaAuthenticated: 'false' },
      },
    });
  });

  it('records failed authentication with a known key as Unknown with the access key id and the error', () => {
    const r = toCloudTrailRecord(
      apiEvent({ identity: { type: 'Unknown', accessKeyId: 'AKIAALICEALICE000001' }, authenticated: false, requestParameters: null, responseElements: null, errorCode: 'InvalidSignatureException', errorMessage: 'The request signature we calculated does not match', httpStatus: 400 }),
      ACCOUNT,
    );
    expect(r.userIdentity).toEqual({ type: 'Unknown', accessKeyId: 'AKIAALICEALICE000001' });
    expect(r.errorCode).toBe('InvalidSignatureException');
    expect(r.errorMessage).toBe('The request signature we calculated does not match');
    expect(r.requestParameters).toBeNull();
    expect(r.responseElements).toBeNull();
    expect(Object.keys(r).indexOf('errorCode')).toBe(Object.keys(r).indexOf('userAgent') + 1);
  });

  it('adds tlsDetails when the call used TLS', () => {
    const r = toCloudTrailRecord(apiEvent({ tls: { version: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: 'localhost:8443' } }), ACCOUNT);
    expect(r.tlsDetails).toEqual({ tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: 'localhost:8443' });
  });

  it('drops secret-named members at any depth, and blobs', () => {
    const secret = 'hunter2-THE-KNOWN-SECRET';
    const r = toCloudTrailRecord(
      apiEvent({
        service: 'iam', eventSource: 'iam.amazonaws.com', operation: 'CreateAccessKey',
        requestParameters: {
          UserName: 'Alice',
          Nested: [{ Deeper: { Plaintext: secret, SecretAccessKey: secret, keep: 'yes' } }],
          Password: secret, NewPassword: secret, SessionToken: secret, CiphertextBlob: secret,
          KeyMaterial: secret, EncryptedKeyMaterial: secret, PrivateKeyPlaintext: secret, Blob: Buffer.from(secret),
        },
        responseElements: { AccessKey: { AccessKeyId: 'AKIANEWKEY0000000001', SecretAccessKey: secret, Status: 'Active' }, Credentials: { SessionToken: secret } },
      }),
      ACCOUNT,
    );
    const text = JSON.stringify(r);
    expect(text).not.toContain(secret);
    expect(r.requestParameters).toEqual({ UserName: 'Alice', Nested: [{ Deeper: { keep: 'yes' } }] });
    expect(r.responseElements).toEqual({ AccessKey: { AccessKeyId: 'AKIANEWKEY0000000001', Status: 'Active' }, Credentials: {} });
  });

  it('nulls responseElements of KMS cryptographic operations', () => {
    for (const op of ['Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyPairWithoutPlaintext', 'GenerateRandom', 'Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret']) {
      const r = toCloudTrailRecord(apiEvent({ operation: op, responseElements: { KeyId: 'x' } }), ACCOUNT);
      expect(r.responseElements, op).toBeNull();
    }
    expect(toCloudTrailRecord(apiEvent({ operation: 'DescribeKey', responseElements: { KeyId: 'x' } }), ACCOUNT).responseElements).toEqual({ KeyId: 'x' });
  });

  it('converts interleaved identities, accounts and resources exactly (the one-entry memos of userIdentity and ARN accounts)', () => {
    const other = '210987654321';
    const keyArn = (acct: string): string => `arn:aws:kms:${REGION}:${acct}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const sequence: [typeof ROOT_IDENTITY, string, string][] = [
      [ROOT_IDENTITY, ACCOUNT, keyArn(ACCOUNT)],
      [ROOT_IDENTITY, ACCOUNT, keyArn(ACCOUNT)],
      [ROLE_IDENTITY, ACCOUNT, keyArn(other)],
      [ROOT_IDENTITY, ACCOUNT, 'alias/no-account'],
      [{ type: 'Unknown', accessKeyId: 'AKIAUNKNOWNUNKNOWN01' }, other, keyArn(ACCOUNT)],
      [{ type: 'Unknown', accessKeyId: 'AKIAUNKNOWNUNKNOWN01' }, ACCOUNT, keyArn(ACCOUNT)],
      [ROOT_IDENTITY, ACCOUNT, keyArn(other)],
    ];
    for (const [identity, recipient, arn] of sequence) {
      const e = apiEvent({ identity, resources: [{ arn }] });
      const r = toCloudTrailRecord(e, recipient);
      const acct = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];
      expect(r.resources).toEqual([acct ? { accountId: acct, ARN: arn } : { ARN: arn }]);
      expect(r.recipientAccountId).toBe(recipient);
      if (identity.type === 'Root') expect(r.userIdentity).toMatchObject({ type: 'Root', accountId: ACCOUNT });
      else if (identity.type === 'AssumedRole') expect(r.userIdentity).toMatchObject({ type: 'AssumedRole', sessionContext: { sessionIssuer: { type: 'Role' } } });
      else expect(r.userIdentity).toEqual({ type: 'Unknown', accessKeyId: 'AKIAUNKNOWNUNKNOWN01' });
      // Converting the same event again gives an equal record (nothing is kept per event).
      expect(toCloudTrailRecord(e, recipient)).toEqual(r);
      expect(JSON.stringify(toCloudTrailRecord(e, recipient))).toBe(JSON.stringify(r));
    }
  });
});
