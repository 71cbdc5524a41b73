import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors/index.js';
import type { ServiceModel } from '../service.js';
import kmsModel from '../../models/kms.json' with { type: 'json' };
import wafModel from '../../models/wafv2.json' with { type: 'json' };
import { ModelCodec } from './index.js';

const kms = new ModelCodec(kmsModel as ServiceModel);
const waf = new ModelCodec(wafModel as ServiceModel);

function err(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof AwsError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

const j = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

describe('awsJson: KMS', () => {
  it('decodes Encrypt with a base64 blob and an EncryptionContext map', () => {
    const input = kms.decodeJson(
      'Encrypt',
      j({ KeyId: 'alias/app', Plaintext: Buffer.from('secret').toString('base64'), EncryptionContext: { purpose: 'test', __proto__x: '1' }, GrantTokens: [] }),
    );
    expect(input.KeyId).toBe('alias/app');
    expect(input.Plaintext).toEqual(Buffer.from('secret'));
    expect({ ...(input.EncryptionContext as object) }).toEqual({ purpose: 'test', __proto__x: '1' });
    expect(input.GrantTokens).toEqual([]);
  });

  it("treats '', whitespace and {} as empty input", () => {
    expect(kms.decodeJson('ListKeys', Buffer.alloc(0))).toEqual({});
    expect(kms.decodeJson('ListKeys', j(' \n'))).toEqual({});
    expect(kms.decodeJson('ListKeys', j('{}'))).toEqual({});
  });

  it('treats null members as absent and ignores unknown members', () => {
    expect(kms.decodeJson('ListKeys', j({ Limit: null, Marker: 'm', FutureMember: { x: 1 } }))).toEqual({ Marker: 'm' });
  });

  it('keeps __proto__ and constructor map keys as plain data', () => {
    const input = kms.decodeJson('Encrypt', j('{"KeyId":"k","Plaintext":"AA==","EncryptionContext":{"__proto__":"x","constructor":"y"}}'));
    const ctx = input.EncryptionContext as Record<string, unknown>;
    expect(Object.keys(ctx)).toEqual(['__proto__', 'constructor']);
    expect(ctx['__proto__']).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    const out = JSON.parse(kms.encodeJson('ListResourceTags', { Tags: [{ TagKey: '__proto__', TagValue: 'v' }] }).toString());
    expect(out).toEqual({ Tags: [{ TagKey: '__proto__', TagValue: 'v' }] });
  });

  it('rejects malformed bodies and wrong JSON types with SerializationException', () => {
    expect(err(() => kms.decodeJson('ListKeys', j('{')))).toBe('SerializationException: Unable to parse the request body as JSON.');
    expect(err(() => kms.decodeJson('ListKeys', j('[]')))).toBe('SerializationException: Start of list found where not expected');
    expect(err(() => kms.decodeJson('ListKeys', j('"x"')))).toMatch(/^SerializationException: /);
    expect(err(() => kms.decodeJson('ListKeys', j('null')))).toMatch(/^SerializationException: /);
    expect(err(() => kms.decodeJson('ListKeys', j({ Limit: '10' })))).toBe('SerializationException: STRING_VALUE can not be converted to an Integer');
    expect(err(() => kms.decodeJson('ListKeys', j({ Limit: 1.5 })))).toBe('SerializationException: NUMBER_VALUE 1.5 can not be converted to an Integer');
    expect(err(() => kms.decodeJson('ListKeys', j({ Limit: 2 ** 31 })))).toMatch(/^SerializationException: /);
    expect(err(() => kms.decodeJson('ListKeys', j({ Marker: 5 })))).toBe('SerializationException: NUMBER_VALUE can not be converted to a String');
    expect(err(() => kms.decodeJson('ListKeys', j({ Marker: { a: 1 } })))).toBe('SerializationException: Start of structure or map found where not expected.');
    expect(err(() => kms.decodeJson('Encrypt', j({ KeyId: 'k', Plaintext: 'AA==', GrantTokens: {} })))).toBe(
      'SerializationException: Start of structure or map found where not expected.',
    );
    expect(err(() => kms.decodeJson('Encrypt', j({ KeyId: 'k', Plaintext: 'not base64!' })))).toBe('SerializationException: Base64 encoded value is not valid.');
    expect(err(() => kms.decodeJson('Encrypt', j({ KeyId: 'k', Plaintext: 'AAA=A' })))).toMatch(/^SerializationException: /);
    expect(err(() => kms.decodeJson('Encrypt', j({ KeyId: 'k', Plaintext: 'AA==', DryRun: 'true' })))).toBe(
      'SerializationException: STRING_VALUE can not be converted to a Boolean',
    );
  });

  it('validates constraints with ValidationException and AWS messages', () => {
    expect(err(() => kms.decodeJson('Encrypt', j({})))).toBe(
      "ValidationException: 2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'plaintext' failed to satisfy constraint: Member must not be null",
    );
    expect(err(() => kms.decodeJson('Encrypt', j({ KeyId: '', Plaintext: '' })))).toBe(
      "ValidationException: 2 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(err(() => kms.decodeJson('Encrypt', j({ KeyId: 'k', Plaintext: 'AA==', EncryptionAlgorithm: 'ROT13' })))).toBe(
      "ValidationException: 1 validation error detected: Value 'ROT13' at 'encryptionAlgorithm' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]',
    );
    expect(err(() => kms.decodeJson('ListKeys', j({ Limit: 0 })))).toBe(
      "ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(err(() => kms.decodeJson('CreateAlias', j({ AliasName: 'bad name', TargetKeyId: 'k' })))).toBe(
      "ValidationException: 1 validation error detected: Value 'bad name' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    );
  });

  it('lists at most 10 errors but counts them all', () => {
    const tags = Array.from({ length: 12 }, () => ({}));
    const msg = err(() => kms.decodeJson('TagResource', j({ KeyId: 'k', Tags: tags })));
    expect(msg).toMatch(/^ValidationException: 24 validation errors detected: /);
    expect(msg.split('; ')).toHaveLength(10);
    expect(msg).toContain("Value null at 'tags.1.member.tagKey' failed to satisfy constraint: Member must not be null");
  });

  it('encodes DescribeKey with epoch-second timestamps and drops unknown members', () => {
    const out = JSON.parse(
      kms
        .encodeJson('DescribeKey', {
          KeyMetadata: {
            KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
            Arn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
            CreationDate: new Date(1700000000123),
            Enabled: true,
            KeyState: 'Enabled',
            EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
            DeletionDate: undefined,
            internalSecret: 'must not leak',
          },
          extra: 1,
        })
        .toString(),
    );
    expect(out).toEqual({
      KeyMetadata: {
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        Arn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        CreationDate: 1700000000.123,
        Enabled: true,
        KeyState: 'Enabled',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      },
    });
  });

  it('round-trips Encrypt output blobs as base64', () => {
    const blob = Buffer.from([0, 1, 2, 250, 251, 252]);
    const body = kms.encodeJson('Encrypt', { CiphertextBlob: blob, KeyId: 'arn:k', EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect(JSON.parse(body.toString())).toEqual({ CiphertextBlob: blob.toString('base64'), KeyId: 'arn:k', EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    // Decrypt takes the same blob back.
    expect(kms.decodeJson('Decrypt', body).CiphertextBlob).toEqual(blob);
  });

  it('throws TypeError (a bug, not client input) when handler output does not fit the model', () => {
    expect(() => kms.encodeJson('DescribeKey', { KeyMetadata: { KeyId: 'k', CreationDate: 'not a date' } })).toThrow(TypeError);
    expect(() => kms.encodeJson('Encrypt', { CiphertextBlob: 'base64?' })).toThrow(TypeError);
  });

  it('answers UnknownOperationException for operations outside the model', () => {
    expect(err(() => kms.decodeJson('StealKeys', j({})))).toBe('UnknownOperationException: Unknown operation StealKeys');
  });
});

describe('awsJson: WAFV2 (recursive shapes, longs, doubles)', () => {
  it('decodes nested statements and bounds recursion depth', () => {
    const leaf = { ByteMatchStatement: { SearchString: Buffer.from('x').toString('base64'), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: 'NONE' }], PositionalConstraint: 'CONTAINS' } };
    let stmt: Record<string, unknown> = leaf;
    for (let i = 0; i < 5; i++) stmt = { NotStatement: { Statement: stmt } };
    const rule = { Name: 'r', Priority: 1, Statement: stmt, Action: { Block: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: false, MetricName: 'm' } };
    const input = waf.decodeJson('CheckCapacity', j({ Scope: 'REGIONAL', Rules: [rule] }));
    expect(((input.Rules as Record<string, unknown>[])[0]!.Statement as Record<string, unknown>).NotStatement).toBeDefined();

    let deep: Record<string, unknown> = leaf;
    for (let i = 0; i < 100; i++) deep = { NotStatement: { Statement: deep } };
    expect(err(() => waf.decodeJson('CheckCapacity', j({ Scope: 'REGIONAL', Rules: [{ ...rule, Statement: deep }] })))).toBe(
      'SerializationException: Request nesting is too deep.',
    );
  });

  it('accepts long values beyond int32 and checks double ranges', () => {
    const base = { Scope: 'REGIONAL', Rules: [] };
    expect(waf.decodeJson('CheckCapacity', j(base))).toEqual(base);
    expect(err(() => waf.decodeJson('ListWebACLs', j({ Scope: 'REGIONAL', Limit: 0 })))).toMatch(
      /^ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1$/,
    );
  });
});
