import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors/index.js';
import type { ServiceModel } from '../service.js';
import iamModel from '../../models/iam.json' with { type: 'json' };
import kmsModel from '../../models/kms.json' with { type: 'json' };
import stsModel from '../../models/sts.json' with { type: 'json' };
import { HIDDEN, ModelCodec, encodeError } from './index.js';

describe('encodeError', () => {
  it('json: __type and message, awsJson content type, request id header', () => {
    const out = encodeError('json', new AwsError('ValidationException', 'bad'), 'rid-1');
    expect(out.status).toBe(400);
    expect(out.headers).toEqual({ 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'rid-1' });
    expect(out.body.toString()).toBe('{"__type":"ValidationException","message":"bad"}');
  });

  it('json: extra fields, but never overriding __type/message', () => {
    const out = encodeError('json', new AwsError('ThrottlingException', 'slow down', { retryAfterSeconds: 3, __type: 'X' }), 'r', { jsonVersion: '1.0' });
    expect(out.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(out.body.toString())).toEqual({ __type: 'ThrottlingException', message: 'slow down', retryAfterSeconds: 3 });
  });

  it('rest-json: x-amzn-errortype header and JSON body', () => {
    const out = encodeError('rest-json', new AwsError('AccessDeniedException', 'no'), 'r2');
    expect(out.status).toBe(400);
    expect(out.headers).toEqual({ 'content-type': 'application/json', 'x-amzn-requestid': 'r2', 'x-amzn-errortype': 'AccessDeniedException' });
    expect(JSON.parse(out.body.toString())).toEqual({ __type: 'AccessDeniedException', message: 'no' });
  });

  it('query: ErrorResponse XML with Type from the catalogue fault, escaped text', () => {
    const out = encodeError('query', new AwsError('NoSuchEntity', 'The user with name <bob> cannot be found.'), 'r3', {
      xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    });
    expect(out.status).toBe(404);
    expect(out.headers['content-type']).toBe('text/xml');
    expect(out.body.toString()).toBe(
      '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>' +
        '<Message>The user with name &lt;bob&gt; cannot be found.</Message></Error><RequestId>r3</RequestId></ErrorResponse>',
    );
    const recv = encodeError('query', new AwsError('ServiceFailure', 'oops'), 'r4').body.toString();
    const doc = new XMLParser().parse(recv);
    expect(doc.ErrorResponse.Error).toEqual({ Type: 'Receiver', Code: 'ServiceFailure', Message: 'oops' });
    expect(doc.ErrorResponse.RequestId).toBe('r4');
  });
});

describe('redaction', () => {
  const kms = new ModelCodec(kmsModel as ServiceModel);
  const iam = new ModelCodec(iamModel as ServiceModel);
  const sts = new ModelCodec(stsModel as ServiceModel);

  it('hides sensitive inputs and drops blobs (KMS Encrypt)', () => {
    const input = { KeyId: 'alias/a', Plaintext: Buffer.from('top secret'), EncryptionContext: { app: 'x' }, Unknown: 'dropped' };
    expect(kms.redactInput('Encrypt', input)).toEqual({ keyId: 'alias/a', plaintext: HIDDEN, encryptionContext: { app: 'x' } });
    // A non-sensitive blob is omitted entirely.
    expect(kms.redactInput('Decrypt', { CiphertextBlob: Buffer.from('ct'), KeyId: 'k' })).toEqual({ keyId: 'k' });
    expect(kms.redactOutput('Encrypt', { CiphertextBlob: Buffer.from('ct'), KeyId: 'k' })).toEqual({ keyId: 'k' });
    expect(kms.redactOutput('GenerateDataKey', { CiphertextBlob: Buffer.from('ct'), Plaintext: Buffer.from('dk'), KeyId: 'k' })).toEqual({ keyId: 'k', plaintext: HIDDEN });
  });

  it('hides IAM CreateAccessKey SecretAccessKey (sensitive in the model) and STS credentials', () => {
    const created = new Date('2026-01-01T00:00:00Z');
    const out = iam.redactOutput('CreateAccessKey', {
      AccessKey: { UserName: 'alice', AccessKeyId: 'AKIA', Status: 'Active', SecretAccessKey: 'wJalrXUtnFEMI', CreateDate: created },
    });
    expect(out).toEqual({ accessKey: { userName: 'alice', accessKeyId: 'AKIA', status: 'Active', secretAccessKey: HIDDEN, createDate: created } });
    expect(JSON.stringify(out)).not.toContain('wJalr');
    const sess = sts.redactOutput(
      'AssumeRole',
      { Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's3cr3t', SessionToken: 'tok3n', Expiration: created } },
      ['Credentials.SessionToken'],
    );
    expect(sess).toEqual({ credentials: { accessKeyId: 'ASIA', secretAccessKey: HIDDEN, sessionToken: HIDDEN, expiration: created } });
  });

  it('applies extra paths through lists and map keys', () => {
    const input = { UserName: 'a', Tags: [{ Key: 'k', Value: 'v1' }, { Key: 'k2', Value: 'v2' }] };
    expect(iam.redactInput('CreateUser', input, ['Tags.Value'])).toEqual({ userName: 'a', tags: [{ key: 'k', value: HIDDEN }, { key: 'k2', value: HIDDEN }] });
    expect(iam.redactInput('ChangePassword', { OldPassword: 'p1', NewPassword: 'p2' })).toEqual({ oldPassword: HIDDEN, newPassword: HIDDEN });
    expect(kms.redactInput('Encrypt', { KeyId: 'k', EncryptionContext: { a: '1', b: '2' } }, ['EncryptionContext.b'])).toEqual({
      keyId: 'k',
      encryptionContext: { a: '1', b: HIDDEN },
    });
    expect(kms.redactInput('Encrypt', { KeyId: 'k', EncryptionContext: { a: '1' } }, ['EncryptionContext.*'])).toEqual({ keyId: 'k', encryptionContext: { a: HIDDEN } });
  });

  it('returns a copy, not the original', () => {
    const input = { UserName: 'a', Tags: [{ Key: 'k', Value: 'v' }] };
    const r = iam.redactInput('CreateUser', input);
    // Member names as CloudTrail writes them (lowerCamelCase); map keys untouched.
    expect(r).toEqual({ userName: 'a', tags: [{ key: 'k', value: 'v' }] });
    (r.tags as { value: string }[])[0]!.value = 'changed';
    expect(input.Tags[0]!.Value).toBe('v');
  });
});
