import { constants, createHash, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, sign as nodeSign } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsError, isAwsError } from '../errors/index.js';
import type { RequestContext } from '../http/service.js';
import { compilePolicy, evaluate, type CompiledPolicy, type Principal } from '../iam/index.js';
import { MemoryBackend } from '../storage/index.js';
import { KeyStore } from './keystore/index.js';
import { kmsService, type KmsService } from './service.js';

const ACCT = '000000000000';
const REGION = 'us-east-1';
const ROOT: Principal = { type: 'Root', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root`, principalId: ACCT, accessKeyId: 'AKIAROOT', temporary: false, tags: {} };
const user = (name: string): Principal => ({
  type: 'IAMUser', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/${name}`, principalId: `AIDA${name.toUpperCase()}`, accessKeyId: `AKIA${name}`,
  userName: name, temporary: false, tags: {},
});

let clock: Date;
let kv: MemoryBackend;
let keystore: KeyStore;
let svc: KmsService;

/** A RequestContext whose authorize() runs the real policy engine as the HTTP layer does. */
function ctxFor(principal: Principal, identityPolicies: string[] = []): RequestContext {
  const identity: CompiledPolicy[] = identityPolicies.map((t, n) => compilePolicy(t, 'identity', `inline:${n}`));
  const conditionContext = new Map<string, string | readonly string[]>([['aws:principalarn', principal.arn]]);
  return {
    requestId: 'req', region: REGION, accountId: ACCT, principal, sourceIp: '127.0.0.1', userAgent: 'test', secureTransport: true,
    now: clock, service: 'kms', operation: 'test', conditionContext,
    async authorize(req) {
      if (principal.type === 'Root' && !req.resourcePolicy) return;
      const context = new Map(conditionContext);
      for (const [k, v] of req.context ?? []) context.set(k, v);
      const d = evaluate(
        { identityPolicies: identity, ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}), ...(req.requireResourcePolicy ? { requireResourcePolicy: true } : {}) },
        { principal: { type: principal.type, accountId: principal.accountId, arn: principal.arn }, action: req.action, resource: req.resource, context },
      );
      if (d.decision !== 'allowed') throw awsError('AccessDeniedException', `User: ${principal.arn} is not authorized to perform: ${req.action} on resource: ${req.resource}`);
    },
    addResource() {},
  };
}

const root = (): RequestContext => ctxFor(ROOT);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(op: string, input: Record<string, unknown>, ctx: RequestContext = root()): Promise<any> {
  const h = svc.operations[op];
  if (!h) throw new Error(`no handler ${op}`);
  return h.handler(input, ctx);
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isAwsError(e)) return e.code;
    throw e;
  }
}

async function createKey(input: Record<string, unknown> = {}, ctx?: RequestContext): Promise<{ KeyId: string; Arn: string; [k: string]: unknown }> {
  return (await call('CreateKey', input, ctx)).KeyMetadata;
}

const policyDoc = (statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], resource = '*'): string => policyDoc([{ Effect: 'Allow', Action: action, Resource: resource }]);

beforeEach(() => {
  clock = new Date('2025-01-01T00:00:00Z');
  kv = new MemoryBackend();
  keystore = new KeyStore(kv);
  svc = kmsService({ kv, keystore, accountId: ACCT, region: REGION, now: () => clock });
});

describe('service definition', () => {
  it('registers the KMS model with handler authorization on every operation', () => {
    expect(svc.name).toBe('kms');
    expect(svc.eventSource).toBe('kms.amazonaws.com');
    expect(svc.signingName).toBe('kms');
    expect(svc.unimplementedError?.code).toBe('UnsupportedOperationException');
    for (const [name, h] of Object.entries(svc.operations)) {
      expect(h.authorization, name).toBe('handler');
      expect(svc.model.operations[name], name).toBeDefined();
    }
    for (const op of ['Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateRandom', 'Sign', 'GenerateMac', 'DeriveSharedSecret']) {
      expect(svc.operations[op]?.hideResponse, op).toBe(true);
    }
    expect(svc.operations.CreateCustomKeyStore).toBeUndefined();
    expect(svc.operations.ReplicateKey).toBeUndefined();
  });
});

describe('CreateKey and DescribeKey', () => {
  it('returns full KeyMetadata and the default key policy', async () => {
    const md = await createKey({ Description: 'd', Tags: [{ TagKey: 'team', TagValue: 'a' }] });
    expect(md.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(md).toMatchObject({
      AWSAccountId: ACCT, Arn: `arn:aws:kms:${REGION}:${ACCT}:key/${md.KeyId}`, Enabled: true, Description: 'd', KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: 'Enabled', Origin: 'AWS_KMS', KeyManager: 'CUSTOMER', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT', KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'], MultiRegion: false,
    });
    expect(md.CreationDate).toEqual(clock);
    expect(md.CurrentKeyMaterialId).toMatch(/^[0-9a-f]{64}$/);
    const pol = await call('GetKeyPolicy', { KeyId: md.KeyId });
    expect(JSON.parse(pol.Policy)).toEqual({
      Version: '2012-10-17', Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' }],
    });
    expect((await call('ListKeyPolicies', { KeyId: md.KeyId })).PolicyNames).toEqual(['default']);
    expect(await code(call('GetKeyPolicy', { KeyId: md.KeyId, PolicyName: 'other' }))).toBe('NotFoundException');
    expect((await call('ListResourceTags', { KeyId: md.Arn })).Tags).toEqual([{ TagKey: 'team', TagValue: 'a' }]);
  });

  it.each([
    ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'ok'], ['RSA_2048', 'ENCRYPT_DECRYPT', 'ok'], ['RSA_3072', 'SIGN_VERIFY', 'ok'],
    ['RSA_2048', 'GENERATE_VERIFY_MAC', 'ValidationException'], ['ECC_NIST_P256', 'SIGN_VERIFY', 'ok'], ['ECC_NIST_P384', 'KEY_AGREEMENT', 'ok'],
    ['ECC_NIST_P256', 'ENCRYPT_DECRYPT', 'ValidationException'], ['ECC_SECG_P256K1', 'SIGN_VERIFY', 'ok'],
    ['ECC_SECG_P256K1', 'KEY_AGREEMENT', 'ValidationException'], ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY', 'ok'],
    ['ECC_NIST_EDWARDS25519', 'KEY_AGREEMENT', 'ValidationException'], ['HMAC_256', 'GENERATE_VERIFY_MAC', 'ok'],
    ['HMAC_256', 'ENCRYPT_DECRYPT', 'ValidationException'], ['SYMMETRIC_DEFAULT', 'SIGN_VERIFY', 'ValidationException'],
    ['SM2', 'SIGN_VERIFY', 'UnsupportedOperationException'],
  ])('KeySpec %s with KeyUsage %s → %s', async (KeySpec, KeyUsage, want) => {
    expect(await code(createKey({ KeySpec, KeyUsage }))).toBe(want);
  });

  it('accepts the deprecated CustomerMasterKeySpec but not together with KeySpec', async () => {
    const md = await createKey({ CustomerMasterKeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(md).toMatchObject({ KeySpec: 'HMAC_384', MacAlgorithms: ['HMAC_SHA_384'] });
    expect(await code(createKey({ CustomerMasterKeySpec: 'RSA_2048', KeySpec: 'RSA_2048' }))).toBe('ValidationException');
  });

  it('lists the algorithms of each key type', async () => {
    expect(await createKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })).toMatchObject({ SigningAlgorithms: expect.arrayContaining(['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_512']) });
    expect(await createKey({ KeySpec: 'RSA_4096' })).toMatchObject({ EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] });
    expect(await createKey({ KeySpec: 'ECC_NIST_P521', KeyUsage: 'KEY_AGREEMENT' })).toMatchObject({ KeyAgreementAlgorithms: ['ECDH'] });
  });

  it('refuses multi-Region keys, custom key stores and CloudHSM/XKS origins', async () => {
    expect(await code(createKey({ MultiRegion: true }))).toBe('UnsupportedOperationException');
    expect(await code(createKey({ CustomKeyStoreId: 'cks-1234567890abcdef0' }))).toBe('UnsupportedOperationException');
    expect(await code(createKey({ Origin: 'AWS_CLOUDHSM' }))).toBe('UnsupportedOperationException');
    expect(await code(createKey({ Origin: 'EXTERNAL_KEY_STORE' }))).toBe('UnsupportedOperationException');
  });

  it('validates the policy and applies the lockout safety check', async () => {
    expect(await code(createKey({ Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}' }))).toBe('MalformedPolicyDocumentException');
    const other = policyDoc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/bob` }, Action: 'kms:*', Resource: '*' }]);
    expect(await code(createKey({ Policy: other }))).toBe('MalformedPolicyDocumentException');
    expect((await createKey({ Policy: other, BypassPolicyLockoutSafetyCheck: true })).KeyState).toBe('Enabled');
    expect(await code(createKey({ Policy: 'x'.repeat(32_769) }))).toBe('LimitExceededException');
  });

  it('resolves key ids, key ARNs, alias names and alias ARNs with AWS messages', async () => {
    const md = await createKey();
    await call('CreateAlias', { AliasName: 'alias/app', TargetKeyId: md.KeyId });
    for (const id of [md.KeyId, md.Arn, 'alias/app', `arn:aws:kms:${REGION}:${ACCT}:alias/app`]) {
      expect((await call('DescribeKey', { KeyId: id })).KeyMetadata.KeyId).toBe(md.KeyId);
    }
    const missing = '11111111-2222-4333-8444-555555555555';
    await expect(call('DescribeKey', { KeyId: missing })).rejects.toMatchObject({
      code: 'NotFoundException', message: `Key 'arn:aws:kms:${REGION}:${ACCT}:key/${missing}' does not exist`,
    });
    await expect(call('DescribeKey', { KeyId: 'alias/nope' })).rejects.toMatchObject({
      code: 'NotFoundException', message: `Alias 'arn:aws:kms:${REGION}:${ACCT}:alias/nope' is not found.`,
    });
    expect(await code(call('DescribeKey', { KeyId: 'arn:aws:kms:nope' }))).toBe('InvalidArnException');
    expect(await code(call('DescribeKey', { KeyId: `arn:aws:kms:${REGION}:111111111111:key/${md.KeyId}` }))).toBe('NotFoundException');
    // Management operations take only a key id or key ARN.
    expect(await code(call('DisableKey', { KeyId: 'alias/app' }))).toBe('NotFoundException');
  });

  it('lists keys with Limit and Marker', async () => {
    const ids = [];
    for (let n = 0; n < 3; n++) ids.push((await createKey()).KeyId);
    const p1 = await call('ListKeys', { Limit: 2 });
    expect(p1.Keys).toHaveLength(2);
    expect(p1.Truncated).toBe(true);
    const p2 = await call('ListKeys', { Limit: 2, Marker: p1.NextMarker });
    expect(p2).toMatchObject({ Truncated: false });
    expect([...p1.Keys, ...p2.Keys].map((k: { KeyId: string }) => k.KeyId).sort()).toEqual(ids.sort());
    expect(p1.Keys[0].KeyArn).toBe(`arn:aws:kms:${REGION}:${ACCT}:key/${p1.Keys[0].KeyId}`);
    expect(await code(call('ListKeys', { Marker: '!!!' }))).toBe('InvalidMarkerException');
  });
});

describe('symmetric encryption', () => {
  it('round-trips with the key ARN in every response and finds the key from the ciphertext', async () => {
    const md = await createKey();
    const ec = { purpose: 'test' };
    const enc = await call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('hello'), EncryptionContext: ec });
    expect(enc).toMatchObject({ KeyId: md.Arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    const dec = await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec });
    expect(dec.Plaintext.toString()).toBe('hello');
    expect(dec).toMatchObject({ KeyId: md.Arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT', KeyMaterialId: md.CurrentKeyMaterialId });
    expect(await code(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: 'other' } }))).toBe('InvalidCiphertextException');
    expect(await code(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).toBe('InvalidCiphertextException');
    const other = await createKey();
    expect(await code(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: other.KeyId }))).toBe('IncorrectKeyException');
    expect(await code(call('Decrypt', { CiphertextBlob: Buffer.from('garbage') }))).toBe('InvalidCiphertextException');
  });

  it('re-encrypts between keys', async () => {
    const a = await createKey();
    const b = await createKey();
    const enc = await call('Encrypt', { KeyId: a.KeyId, Plaintext: Buffer.from('x'), EncryptionContext: { k: 'v' } });
    const re = await call('ReEncrypt', { CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: { k: 'v' }, DestinationKeyId: b.Arn });
    expect(re).toMatchObject({ SourceKeyId: a.Arn, KeyId: b.Arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT', DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    expect((await call('Decrypt', { CiphertextBlob: re.CiphertextBlob })).Plaintext.toString()).toBe('x');
  });

  it('generates data keys and data key pairs', async () => {
    const md = await createKey();
    const dk = await call('GenerateDataKey', { KeyId: md.KeyId, KeySpec: 'AES_256' });
    expect(dk.Plaintext).toHaveLength(32);
    expect(dk.KeyId).toBe(md.Arn);
    expect((await call('Decrypt', { CiphertextBlob: dk.CiphertextBlob })).Plaintext).toEqual(dk.Plaintext);
    expect((await call('GenerateDataKey', { KeyId: md.KeyId, KeySpec: 'AES_128' })).Plaintext).toHaveLength(16);
    expect((await call('GenerateDataKey', { KeyId: md.KeyId, NumberOfBytes: 1024 })).Plaintext).toHaveLength(1024);
    expect(await code(call('GenerateDataKey', { KeyId: md.KeyId, NumberOfBytes: 1025 }))).toBe('ValidationException');
    expect(await code(call('GenerateDataKey', { KeyId: md.KeyId, NumberOfBytes: 0 }))).toBe('ValidationException');
    expect(await code(call('GenerateDataKey', { KeyId: md.KeyId }))).toBe('ValidationException');
    expect(await code(call('GenerateDataKey', { KeyId: md.KeyId, KeySpec: 'AES_256', NumberOfBytes: 32 }))).toBe('ValidationException');
    const wo = await call('GenerateDataKeyWithoutPlaintext', { KeyId: md.KeyId, KeySpec: 'AES_256' });
    expect(wo.Plaintext).toBeUndefined();
    const pair = await call('GenerateDataKeyPair', { KeyId: md.KeyId, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: { a: 'b' } });
    expect(pair).toMatchObject({ KeyId: md.Arn, KeyPairSpec: 'ECC_NIST_P256' });
    const priv = (await call('Decrypt', { CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: { a: 'b' } })).Plaintext;
    expect(priv).toEqual(pair.PrivateKeyPlaintext);
    const sig = nodeSign('sha256', Buffer.from('m'), { key: priv, format: 'der', type: 'pkcs8' });
    expect(sig.length).toBeGreaterThan(0);
    const pwo = await call('GenerateDataKeyPairWithoutPlaintext', { KeyId: md.KeyId, KeyPairSpec: 'RSA_2048' });
    expect(pwo.PrivateKeyPlaintext).toBeUndefined();
    expect(await code(call('GenerateDataKeyPair', { KeyId: md.KeyId, KeyPairSpec: 'SM2' }))).toBe('UnsupportedOperationException');
    const rsa = await createKey({ KeySpec: 'RSA_2048' });
    expect(await code(call('GenerateDataKey', { KeyId: rsa.KeyId, KeySpec: 'AES_256' }))).toBe('InvalidKeyUsageException');
  });

  it('enforces the 4096-byte plaintext limit', async () => {
    const md = await createKey();
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.alloc(4096, 1) }))).toBe('ok');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.alloc(4097, 1) }))).toBe('ValidationException');
  });

  it('GenerateRandom returns 1–1024 bytes', async () => {
    expect((await call('GenerateRandom', { NumberOfBytes: 1024 })).Plaintext).toHaveLength(1024);
    expect(await code(call('GenerateRandom', { NumberOfBytes: 1025 }))).toBe('ValidationException');
    expect(await code(call('GenerateRandom', { NumberOfBytes: 8, CustomKeyStoreId: 'cks-1' }))).toBe('UnsupportedOperationException');
  });
});

describe('asymmetric, HMAC and key agreement keys', () => {
  it('RSA OAEP encrypts within the size limits and needs KeyId + algorithm to decrypt', async () => {
    const md = await createKey({ KeySpec: 'RSA_2048' });
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.alloc(190, 1), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }))).toBe('ok');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.alloc(191, 1), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }))).toBe('ValidationException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.alloc(214, 1), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }))).toBe('ok');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.alloc(215, 1), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }))).toBe('ValidationException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('x') }))).toBe('ValidationException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }))).toBe('InvalidKeyUsageException');
    const enc = await call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('secret'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    expect(enc).toMatchObject({ KeyId: md.Arn, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    const dec = await call('Decrypt', { KeyId: md.Arn, CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    expect(dec.Plaintext.toString()).toBe('secret');
    expect(await code(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).toBe('InvalidCiphertextException');
    const pub = await call('GetPublicKey', { KeyId: md.KeyId });
    expect(pub).toMatchObject({ KeyId: md.Arn, KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT', EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] });
    // A ciphertext made with the public key outside KMS decrypts inside.
    const outside = publicEncrypt({ key: createPublicKey({ key: pub.PublicKey, format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from('ext'));
    expect((await call('Decrypt', { KeyId: md.KeyId, CiphertextBlob: outside, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })).Plaintext.toString()).toBe('ext');
  });

  it('signs and verifies, RAW and DIGEST', async () => {
    const md = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const msg = Buffer.from('message');
    const s = await call('Sign', { KeyId: md.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(s).toMatchObject({ KeyId: md.Arn, SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(await call('Verify', { KeyId: md.KeyId, Message: msg, Signature: s.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }))
      .toMatchObject({ SignatureValid: true, KeyId: md.Arn });
    const digest = createHash('sha256').update(msg).digest();
    expect((await call('Verify', { KeyId: md.KeyId, Message: digest, MessageType: 'DIGEST', Signature: s.Signature, SigningAlgorithm: 'ECDSA_SHA_256' })).SignatureValid).toBe(true);
    expect(await code(call('Verify', { KeyId: md.KeyId, Message: Buffer.from('other'), Signature: s.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }))).toBe('KMSInvalidSignatureException');
    expect(await code(call('Sign', { KeyId: md.KeyId, Message: msg, SigningAlgorithm: 'ECDSA_SHA_384' }))).toBe('InvalidKeyUsageException');
    expect(await code(call('Sign', { KeyId: md.KeyId, Message: Buffer.alloc(31), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }))).toBe('ValidationException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: msg }))).toBe('InvalidKeyUsageException');
    const pub = await call('GetPublicKey', { KeyId: md.KeyId });
    expect(pub).toMatchObject({ KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'], CustomerMasterKeySpec: 'ECC_NIST_P256' });
  });

  it('generates and verifies MACs', async () => {
    const md = await createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const m = await call('GenerateMac', { KeyId: md.KeyId, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' });
    expect(m.Mac).toHaveLength(32);
    expect(await call('VerifyMac', { KeyId: md.KeyId, Message: Buffer.from('m'), Mac: m.Mac, MacAlgorithm: 'HMAC_SHA_256' })).toMatchObject({ MacValid: true, KeyId: md.Arn });
    expect(await code(call('VerifyMac', { KeyId: md.KeyId, Message: Buffer.from('n'), Mac: m.Mac, MacAlgorithm: 'HMAC_SHA_256' }))).toBe('KMSInvalidMacException');
    expect(await code(call('GenerateMac', { KeyId: md.KeyId, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_512' }))).toBe('InvalidKeyUsageException');
    expect(await code(call('GetPublicKey', { KeyId: md.KeyId }))).toBe('UnsupportedOperationException');
  });

  it('derives ECDH shared secrets', async () => {
    const md = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const out = await call('DeriveSharedSecret', { KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer.publicKey.export({ format: 'der', type: 'spki' }) });
    expect(out).toMatchObject({ KeyId: md.Arn, KeyAgreementAlgorithm: 'ECDH', KeyOrigin: 'AWS_KMS' });
    expect(out.SharedSecret).toHaveLength(32);
    const sign = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(await code(call('DeriveSharedSecret', { KeyId: sign.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: Buffer.from('x') }))).toBe('InvalidKeyUsageException');
  });
});

describe('key states', () => {
  type State = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';
  async function keyIn(state: State): Promise<string> {
    const md = await createKey(state === 'PendingImport' ? { Origin: 'EXTERNAL' } : {});
    if (state === 'Disabled') await call('DisableKey', { KeyId: md.KeyId });
    if (state === 'PendingDeletion') await call('ScheduleKeyDeletion', { KeyId: md.KeyId, PendingWindowInDays: 7 });
    return md.KeyId;
  }
  const ok = 'ok';
  const DIS = 'DisabledException';
  const INV = 'KMSInvalidStateException';
  const UNS = 'UnsupportedOperationException';
  const table: [string, (k: string) => Record<string, unknown>, Record<State, string>][] = [
    ['Encrypt', (k) => ({ KeyId: k, Plaintext: Buffer.from('p') }), { Enabled: ok, Disabled: DIS, PendingDeletion: INV, PendingImport: INV }],
    ['GenerateDataKey', (k) => ({ KeyId: k, KeySpec: 'AES_256' }), { Enabled: ok, Disabled: DIS, PendingDeletion: INV, PendingImport: INV }],
    ['GenerateDataKeyWithoutPlaintext', (k) => ({ KeyId: k, NumberOfBytes: 8 }), { Enabled: ok, Disabled: DIS, PendingDeletion: INV, PendingImport: INV }],
    ['GenerateDataKeyPairWithoutPlaintext', (k) => ({ KeyId: k, KeyPairSpec: 'ECC_NIST_P256' }), { Enabled: ok, Disabled: DIS, PendingDeletion: INV, PendingImport: INV }],
    ['CreateGrant', (k) => ({ KeyId: k, GranteePrincipal: `arn:aws:iam::${ACCT}:user/g`, Operations: ['Encrypt'] }), { Enabled: ok, Disabled: DIS, PendingDeletion: INV, PendingImport: INV }],
    ['DescribeKey', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: ok, PendingDeletion: ok, PendingImport: ok }],
    ['GetKeyPolicy', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: ok, PendingDeletion: ok, PendingImport: ok }],
    ['ListGrants', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: ok, PendingDeletion: ok, PendingImport: ok }],
    ['ListResourceTags', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: ok, PendingDeletion: ok, PendingImport: ok }],
    ['EnableKey', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: ok, PendingDeletion: INV, PendingImport: INV }],
    ['DisableKey', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: ok, PendingDeletion: INV, PendingImport: INV }],
    ['ScheduleKeyDeletion', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: ok, PendingDeletion: INV, PendingImport: ok }],
    ['CancelKeyDeletion', (k) => ({ KeyId: k }), { Enabled: INV, Disabled: INV, PendingDeletion: ok, PendingImport: INV }],
    ['CreateAlias', (k) => ({ KeyId: k, AliasName: `alias/a${k.slice(0, 8)}`, TargetKeyId: k }), { Enabled: ok, Disabled: ok, PendingDeletion: INV, PendingImport: ok }],
    ['TagResource', (k) => ({ KeyId: k, Tags: [{ TagKey: 'a', TagValue: 'b' }] }), { Enabled: ok, Disabled: ok, PendingDeletion: INV, PendingImport: ok }],
    ['UntagResource', (k) => ({ KeyId: k, TagKeys: ['a'] }), { Enabled: ok, Disabled: ok, PendingDeletion: INV, PendingImport: ok }],
    ['UpdateKeyDescription', (k) => ({ KeyId: k, Description: 'x' }), { Enabled: ok, Disabled: ok, PendingDeletion: INV, PendingImport: ok }],
    ['EnableKeyRotation', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: DIS, PendingDeletion: INV, PendingImport: UNS }],
    ['DisableKeyRotation', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: DIS, PendingDeletion: INV, PendingImport: UNS }],
    ['RotateKeyOnDemand', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: DIS, PendingDeletion: INV, PendingImport: UNS }],
    ['GetKeyRotationStatus', (k) => ({ KeyId: k }), { Enabled: ok, Disabled: ok, PendingDeletion: ok, PendingImport: UNS }],
    ['GetParametersForImport', (k) => ({ KeyId: k, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }), { Enabled: UNS, Disabled: UNS, PendingDeletion: UNS, PendingImport: ok }],
    ['DeleteImportedKeyMaterial', (k) => ({ KeyId: k }), { Enabled: UNS, Disabled: UNS, PendingDeletion: UNS, PendingImport: ok }],
  ];
  const cases: [string, State, string, (k: string) => Record<string, unknown>][] = [];
  for (const [op, input, want] of table) for (const s of ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport'] as const) cases.push([op, s, want[s], input]);
  it.each(cases)('%s on a %s key → %s', async (op, state, want, input) => {
    const k = await keyIn(state);
    const i = input(k);
    if (op === 'CreateAlias') delete i.KeyId;
    expect(await code(call(op, i))).toBe(want);
  });

  it('uses AWS messages for disabled and pending keys', async () => {
    const k = await keyIn('Disabled');
    const arn = `arn:aws:kms:${REGION}:${ACCT}:key/${k}`;
    await expect(call('Encrypt', { KeyId: k, Plaintext: Buffer.from('p') })).rejects.toMatchObject({ message: `${arn} is disabled.` });
    await call('ScheduleKeyDeletion', { KeyId: k });
    await expect(call('Encrypt', { KeyId: k, Plaintext: Buffer.from('p') })).rejects.toMatchObject({ message: `${arn} is pending deletion.` });
  });
});

describe('deletion', () => {
  it('schedules with a 7–30 day window, cancels to Disabled, and the scheduler destroys the key when due', async () => {
    const md = await createKey();
    expect(await code(call('ScheduleKeyDeletion', { KeyId: md.KeyId, PendingWindowInDays: 6 }))).toBe('ValidationException');
    expect(await code(call('ScheduleKeyDeletion', { KeyId: md.KeyId, PendingWindowInDays: 31 }))).toBe('ValidationException');
    const s = await call('ScheduleKeyDeletion', { KeyId: md.KeyId });
    expect(s).toMatchObject({ KeyId: md.Arn, KeyState: 'PendingDeletion', PendingWindowInDays: 30, DeletionDate: new Date(clock.getTime() + 30 * 86_400_000) });
    expect((await call('DescribeKey', { KeyId: md.KeyId })).KeyMetadata).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false, PendingDeletionWindowInDays: 30 });
    expect(await call('CancelKeyDeletion', { KeyId: md.KeyId })).toEqual({ KeyId: md.Arn });
    expect((await call('DescribeKey', { KeyId: md.KeyId })).KeyMetadata.KeyState).toBe('Disabled');

    await call('CreateAlias', { AliasName: 'alias/doomed', TargetKeyId: md.KeyId });
    await call('EnableKey', { KeyId: md.KeyId });
    const sealed = (await call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('gone') })).CiphertextBlob as Buffer;
    await call('ScheduleKeyDeletion', { KeyId: md.KeyId, PendingWindowInDays: 7 });
    clock = new Date(clock.getTime() + 6 * 86_400_000);
    await svc.runScheduledTasks();
    expect((await call('DescribeKey', { KeyId: md.KeyId })).KeyMetadata.KeyState).toBe('PendingDeletion');
    clock = new Date(clock.getTime() + 2 * 86_400_000);
    await svc.runScheduledTasks();
    expect(await code(call('DescribeKey', { KeyId: md.KeyId }))).toBe('NotFoundException');
    expect(await keystore.listMaterial(md.KeyId)).toEqual([]);
    expect(await kv.list(`kms/keys/${md.KeyId}`)).toEqual([]);
    expect(await kv.list('kms/aliases/')).toEqual([]);
    // A ciphertext of the deleted key names it (also after a restart); a header naming a key that
    // never existed is an invalid ciphertext, as random bytes would be.
    expect(await code(call('Decrypt', { CiphertextBlob: sealed }))).toBe('NotFoundException');
    svc = kmsService({ kv, keystore: new KeyStore(kv), accountId: ACCT, region: REGION, now: () => clock });
    expect(await code(call('Decrypt', { CiphertextBlob: sealed }))).toBe('NotFoundException');
    const forged = Buffer.from(sealed);
    forged.fill(0x5a, 1, 17);
    expect(await code(call('Decrypt', { CiphertextBlob: forged }))).toBe('InvalidCiphertextException');
  });

  it('persists metadata: a new service instance over the same store sees the keys', async () => {
    const md = await createKey({ Description: 'persisted' });
    await call('CreateAlias', { AliasName: 'alias/p', TargetKeyId: md.KeyId });
    const enc = await call('Encrypt', { KeyId: 'alias/p', Plaintext: Buffer.from('x') });
    svc = kmsService({ kv, keystore: new KeyStore(kv), accountId: ACCT, region: REGION, now: () => clock });
    expect((await call('DescribeKey', { KeyId: 'alias/p' })).KeyMetadata.Description).toBe('persisted');
    expect((await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext.toString()).toBe('x');
  });

  it('startScheduler runs at once and returns a stopper', async () => {
    const md = await createKey();
    await call('ScheduleKeyDeletion', { KeyId: md.KeyId, PendingWindowInDays: 7 });
    clock = new Date(clock.getTime() + 8 * 86_400_000);
    const stop = svc.startScheduler();
    for (let n = 0; n < 50 && (await kv.list(`kms/keys/${md.KeyId}`)).length > 0; n++) await new Promise((r) => setTimeout(r, 10));
    stop();
    expect(await code(call('DescribeKey', { KeyId: md.KeyId }))).toBe('NotFoundException');
  });
});

describe('rotation', () => {
  it('rotates on demand and automatically; old ciphertexts still decrypt', async () => {
    const md = await createKey();
    const c1 = await call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('one') });
    expect(await call('RotateKeyOnDemand', { KeyId: md.KeyId })).toEqual({ KeyId: md.KeyId });
    const c2 = await call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('two') });
    expect((await call('Decrypt', { CiphertextBlob: c1.CiphertextBlob })).Plaintext.toString()).toBe('one');
    const d2 = await call('Decrypt', { CiphertextBlob: c2.CiphertextBlob });
    expect(d2.KeyMaterialId).not.toBe(md.CurrentKeyMaterialId);

    expect(await code(call('EnableKeyRotation', { KeyId: md.KeyId, RotationPeriodInDays: 89 }))).toBe('ValidationException');
    expect(await code(call('EnableKeyRotation', { KeyId: md.KeyId, RotationPeriodInDays: 2561 }))).toBe('ValidationException');
    await call('EnableKeyRotation', { KeyId: md.KeyId, RotationPeriodInDays: 90 });
    const st = await call('GetKeyRotationStatus', { KeyId: md.KeyId });
    expect(st).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 90, NextRotationDate: new Date(clock.getTime() + 90 * 86_400_000) });
    clock = new Date(clock.getTime() + 91 * 86_400_000);
    await svc.runScheduledTasks();
    const rot = await call('ListKeyRotations', { KeyId: md.KeyId });
    expect(rot.Rotations.map((r: { RotationType: string }) => r.RotationType)).toEqual(['ON_DEMAND', 'AUTOMATIC']);
    expect(rot.Rotations[1]).toMatchObject({ KeyId: md.KeyId, KeyMaterialState: 'CURRENT', RotationDate: clock });
    expect((await call('ListKeyRotations', { KeyId: md.KeyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations).toHaveLength(3);
    expect((await call('Decrypt', { CiphertextBlob: c1.CiphertextBlob })).Plaintext.toString()).toBe('one');
    expect((await call('Decrypt', { CiphertextBlob: c2.CiphertextBlob })).Plaintext.toString()).toBe('two');
    await call('DisableKeyRotation', { KeyId: md.KeyId });
    expect((await call('GetKeyRotationStatus', { KeyId: md.KeyId })).KeyRotationEnabled).toBe(false);
  });

  it('limits on-demand rotations to 10 and refuses non-symmetric keys', async () => {
    const md = await createKey();
    for (let n = 0; n < 10; n++) await call('RotateKeyOnDemand', { KeyId: md.KeyId });
    expect(await code(call('RotateKeyOnDemand', { KeyId: md.KeyId }))).toBe('LimitExceededException');
    const rsa = await createKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    expect(await code(call('EnableKeyRotation', { KeyId: rsa.KeyId }))).toBe('UnsupportedOperationException');
  });
});

describe('key policies and IAM', () => {
  const alice = user('alice');

  it('default policy delegates to IAM: identity allow works, absence denies, identity deny wins', async () => {
    const md = await createKey();
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(alice)))).toBe('AccessDeniedException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(alice, [allow('kms:Encrypt')])))).toBe('ok');
    expect(await code(call('Decrypt', { CiphertextBlob: Buffer.alloc(10) }, ctxFor(alice, [allow('kms:Encrypt')])))).toBe('InvalidCiphertextException');
    const deny = policyDoc([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Action: 'kms:Encrypt', Resource: md.Arn }]);
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(alice, [deny])))).toBe('AccessDeniedException');
    expect(await code(call('CreateKey', {}, ctxFor(alice)))).toBe('AccessDeniedException');
    expect(await code(call('CreateKey', {}, ctxFor(alice, [allow('kms:CreateKey')])))).toBe('ok');
  });

  it('a key policy without root delegation leaves IAM powerless; naming the user allows without IAM', async () => {
    const p = policyDoc([
      { Sid: 'admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' },
      { Sid: 'alice', Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:Decrypt', Resource: '*' },
    ]);
    const md = await createKey({ Policy: p });
    const bob = user('bob');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(bob, [allow('kms:*')])))).toBe('AccessDeniedException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }))).toBe('AccessDeniedException');
    const enc = await call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(bob, [allow('kms:*')])).catch(() => undefined);
    expect(enc).toBeUndefined();
    expect(await code(call('DescribeKey', { KeyId: md.KeyId }, ctxFor(bob, [allow('kms:*')])))).toBe('ok');
    expect(await code(call('GetKeyPolicy', { KeyId: md.KeyId }, ctxFor(bob, [allow('kms:*')])))).toBe('AccessDeniedException');
  });

  it('an explicit deny in the key policy binds even root', async () => {
    const p = policyDoc([
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Encrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:EncryptionContext:app': 'x' } } },
    ]);
    const md = await createKey({ Policy: p });
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }))).toBe('AccessDeniedException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p'), EncryptionContext: { app: 'x' } }))).toBe('ok');
  });

  it('exposes KMS condition keys: kms:RequestAlias, kms:EncryptionAlgorithm, aws:ResourceTag', async () => {
    const md = await createKey({ Tags: [{ TagKey: 'env', TagValue: 'prod' }] });
    await call('CreateAlias', { AliasName: 'alias/ok', TargetKeyId: md.KeyId });
    const byAlias = policyDoc([{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:RequestAlias': 'alias/ok' } } }]);
    expect(await code(call('Encrypt', { KeyId: 'alias/ok', Plaintext: Buffer.from('p') }, ctxFor(alice, [byAlias])))).toBe('ok');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(alice, [byAlias])))).toBe('AccessDeniedException');
    const byTag = policyDoc([{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/env': 'prod', 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' } } }]);
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(alice, [byTag])))).toBe('ok');
  });

  it('PutKeyPolicy applies the lockout check unless bypassed', async () => {
    const md = await createKey();
    const locked = policyDoc([{ Effect: 'Allow', Principal: { AWS: alice.arn }, Action: 'kms:Encrypt', Resource: '*' }]);
    expect(await code(call('PutKeyPolicy', { KeyId: md.KeyId, Policy: locked }))).toBe('MalformedPolicyDocumentException');
    expect(await code(call('PutKeyPolicy', { KeyId: md.KeyId, Policy: locked, BypassPolicyLockoutSafetyCheck: true }))).toBe('ok');
    expect((await call('GetKeyPolicy', { KeyId: md.KeyId }, ctxFor(ROOT)).catch((e: { code: string }) => e.code))).toBe('AccessDeniedException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(alice)))).toBe('ok');
  });
});

describe('grants', () => {
  const carol = user('carol');

  it('lets the grantee use the granted operations, within its encryption context constraint', async () => {
    const md = await createKey();
    const g = await call('CreateGrant', {
      KeyId: md.KeyId, GranteePrincipal: carol.arn, Operations: ['Encrypt', 'Decrypt'], Constraints: { EncryptionContextSubset: { dept: 'a' } },
    });
    expect(g.GrantId).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof g.GrantToken).toBe('string');
    const c = ctxFor(carol);
    const enc = await call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p'), EncryptionContext: { dept: 'a', x: 'y' }, GrantTokens: [g.GrantToken] }, c);
    expect(enc.KeyId).toBe(md.Arn);
    expect(await code(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { dept: 'a', x: 'y' } }, c))).toBe('ok');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p'), EncryptionContext: { dept: 'b' } }, c))).toBe('AccessDeniedException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, c))).toBe('AccessDeniedException');
    expect(await code(call('GenerateDataKey', { KeyId: md.KeyId, KeySpec: 'AES_256', EncryptionContext: { dept: 'a' } }, c))).toBe('AccessDeniedException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p'), EncryptionContext: { dept: 'a' }, GrantTokens: ['bogus'] }, c))).toBe('InvalidGrantTokenException');
  });

  it('EncryptionContextEquals needs the exact context', async () => {
    const md = await createKey();
    await call('CreateGrant', { KeyId: md.KeyId, GranteePrincipal: carol.arn, Operations: ['GenerateDataKey'], Constraints: { EncryptionContextEquals: { a: '1' } } });
    const c = ctxFor(carol);
    expect(await code(call('GenerateDataKey', { KeyId: md.KeyId, KeySpec: 'AES_256', EncryptionContext: { a: '1' } }, c))).toBe('ok');
    expect(await code(call('GenerateDataKey', { KeyId: md.KeyId, KeySpec: 'AES_256', EncryptionContext: { a: '1', b: '2' } }, c))).toBe('AccessDeniedException');
  });

  it('a key-policy explicit deny overrides a grant', async () => {
    const p = policyDoc([
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: carol.arn }, Action: 'kms:Encrypt', Resource: '*' },
    ]);
    const md = await createKey({ Policy: p });
    await call('CreateGrant', { KeyId: md.KeyId, GranteePrincipal: carol.arn, Operations: ['Encrypt'] });
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(carol)))).toBe('AccessDeniedException');
  });

  it('lists, retires (token, retiring principal, grantee) and revokes grants; Name is idempotent', async () => {
    const md = await createKey();
    const dave = user('dave');
    const g1 = await call('CreateGrant', { KeyId: md.KeyId, GranteePrincipal: carol.arn, RetiringPrincipal: dave.arn, Operations: ['Decrypt'], Name: 'n1' });
    const again = await call('CreateGrant', { KeyId: md.KeyId, GranteePrincipal: carol.arn, RetiringPrincipal: dave.arn, Operations: ['Decrypt'], Name: 'n1' });
    expect(again.GrantId).toBe(g1.GrantId);
    const g2 = await call('CreateGrant', { KeyId: md.KeyId, GranteePrincipal: dave.arn, Operations: ['Encrypt', 'RetireGrant'] });
    const g3 = await call('CreateGrant', { KeyId: md.KeyId, GranteePrincipal: carol.arn, Operations: ['Encrypt'] });
    const all = await call('ListGrants', { KeyId: md.KeyId });
    expect(all.Grants).toHaveLength(3);
    const e1 = all.Grants.find((g: { GrantId: string }) => g.GrantId === g1.GrantId);
    expect(e1).toMatchObject({ KeyId: md.Arn, GranteePrincipal: carol.arn, RetiringPrincipal: dave.arn, Operations: ['Decrypt'], Name: 'n1', IssuingAccount: `arn:aws:iam::${ACCT}:root` });
    expect((await call('ListGrants', { KeyId: md.KeyId, GranteePrincipal: dave.arn })).Grants).toHaveLength(1);
    expect((await call('ListGrants', { KeyId: md.KeyId, GrantId: g3.GrantId })).Grants).toHaveLength(1);
    expect(await code(call('ListGrants', { KeyId: md.KeyId, GrantId: 'x' }))).toBe('InvalidGrantIdException');
    expect((await call('ListRetirableGrants', { RetiringPrincipal: dave.arn })).Grants.map((g: { GrantId: string }) => g.GrantId)).toEqual([g1.GrantId]);

    expect(await code(call('RetireGrant', { KeyId: md.KeyId, GrantId: g1.GrantId }, ctxFor(carol)))).toBe('AccessDeniedException');
    expect(await code(call('RetireGrant', { KeyId: md.KeyId, GrantId: g1.GrantId, DryRun: true }, ctxFor(dave)))).toBe('DryRunOperationException');
    expect(await code(call('RetireGrant', { KeyId: md.KeyId, GrantId: g1.GrantId }, ctxFor(dave)))).toBe('ok');
    expect(await code(call('RetireGrant', { GrantToken: g2.GrantToken }, ctxFor(dave)))).toBe('ok');
    expect(await code(call('RetireGrant', { GrantToken: 'nonsense' }, ctxFor(dave)))).toBe('InvalidGrantTokenException');
    expect(await code(call('RevokeGrant', { KeyId: md.KeyId, GrantId: g3.GrantId }, ctxFor(carol)))).toBe('AccessDeniedException');
    expect(await code(call('RevokeGrant', { KeyId: md.KeyId, GrantId: g3.GrantId }))).toBe('ok');
    expect(await code(call('RevokeGrant', { KeyId: md.KeyId, GrantId: g3.GrantId }))).toBe('NotFoundException');
    expect((await call('ListGrants', { KeyId: md.KeyId })).Grants).toEqual([]);
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') }, ctxFor(carol)))).toBe('AccessDeniedException');
  });

  it('rejects grant operations the key type cannot do', async () => {
    const md = await createKey();
    expect(await code(call('CreateGrant', { KeyId: md.KeyId, GranteePrincipal: carol.arn, Operations: ['Sign'] }))).toBe('ValidationException');
    const sig = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(await code(call('CreateGrant', { KeyId: sig.KeyId, GranteePrincipal: carol.arn, Operations: ['Sign', 'GetPublicKey'] }))).toBe('ok');
    expect(await code(call('CreateGrant', { KeyId: sig.KeyId, GranteePrincipal: carol.arn, Operations: ['Sign'], Constraints: { EncryptionContextEquals: { a: 'b' } } }))).toBe('ValidationException');
  });
});

describe('aliases', () => {
  it('creates, resolves, retargets, lists and deletes aliases with AWS rules', async () => {
    const a = await createKey();
    const b = await createKey();
    await call('CreateAlias', { AliasName: 'alias/app/one', TargetKeyId: a.Arn });
    expect(await code(call('CreateAlias', { AliasName: 'alias/app/one', TargetKeyId: b.KeyId }))).toBe('AlreadyExistsException');
    expect(await code(call('CreateAlias', { AliasName: 'alias/aws/mine', TargetKeyId: b.KeyId }))).toBe('InvalidAliasNameException');
    expect(await code(call('CreateAlias', { AliasName: 'noprefix', TargetKeyId: b.KeyId }))).toBe('InvalidAliasNameException');
    expect(await code(call('CreateAlias', { AliasName: 'alias/bad name', TargetKeyId: b.KeyId }))).toBe('InvalidAliasNameException');
    expect(await code(call('CreateAlias', { AliasName: 'alias/x', TargetKeyId: 'alias/app/one' }))).toBe('NotFoundException');
    const list = await call('ListAliases', {});
    expect(list.Aliases).toEqual([{
      AliasName: 'alias/app/one', AliasArn: `arn:aws:kms:${REGION}:${ACCT}:alias/app/one`, TargetKeyId: a.KeyId, CreationDate: clock, LastUpdatedDate: clock,
    }]);
    await call('UpdateAlias', { AliasName: 'alias/app/one', TargetKeyId: b.KeyId });
    expect((await call('DescribeKey', { KeyId: 'alias/app/one' })).KeyMetadata.KeyId).toBe(b.KeyId);
    expect((await call('ListAliases', { KeyId: a.KeyId })).Aliases).toEqual([]);
    expect((await call('ListAliases', { KeyId: b.Arn })).Aliases).toHaveLength(1);
    const rsa = await createKey({ KeySpec: 'RSA_2048' });
    expect(await code(call('UpdateAlias', { AliasName: 'alias/app/one', TargetKeyId: rsa.KeyId }))).toBe('ValidationException');
    expect(await code(call('UpdateAlias', { AliasName: 'alias/none', TargetKeyId: a.KeyId }))).toBe('NotFoundException');
    await call('DeleteAlias', { AliasName: 'alias/app/one' });
    expect(await code(call('DeleteAlias', { AliasName: 'alias/app/one' }))).toBe('NotFoundException');
    expect(await code(call('Encrypt', { KeyId: 'alias/app/one', Plaintext: Buffer.from('p') }))).toBe('NotFoundException');
  });
});

describe('tags', () => {
  it('enforces the aws: prefix and the 50-tag quota', async () => {
    const md = await createKey();
    expect(await code(call('TagResource', { KeyId: md.KeyId, Tags: [{ TagKey: 'aws:x', TagValue: 'v' }] }))).toBe('TagException');
    expect(await code(call('CreateKey', { Tags: [{ TagKey: 'AWS:x', TagValue: 'v' }] }))).toBe('TagException');
    const fifty = Array.from({ length: 50 }, (_, n) => ({ TagKey: `k${n}`, TagValue: 'v' }));
    expect(await code(call('TagResource', { KeyId: md.KeyId, Tags: fifty }))).toBe('ok');
    expect(await code(call('TagResource', { KeyId: md.KeyId, Tags: [{ TagKey: 'k0', TagValue: 'w' }] }))).toBe('ok');
    expect(await code(call('TagResource', { KeyId: md.KeyId, Tags: [{ TagKey: 'extra', TagValue: 'w' }] }))).toBe('LimitExceededException');
    await call('UntagResource', { KeyId: md.KeyId, TagKeys: ['k0', 'k1'] });
    const tags = (await call('ListResourceTags', { KeyId: md.KeyId })).Tags;
    expect(tags).toHaveLength(48);
    expect(await code(call('UntagResource', { KeyId: md.KeyId, TagKeys: ['aws:x'] }))).toBe('TagException');
  });
});

describe('DryRun', () => {
  it('answers DryRunOperationException after every other check', async () => {
    const md = await createKey();
    const dry = { DryRun: true };
    await expect(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p'), ...dry })).rejects.toMatchObject({
      code: 'DryRunOperationException', message: 'The request would have succeeded, but the DryRun option is set.',
    });
    expect(await code(call('GenerateDataKey', { KeyId: md.KeyId, KeySpec: 'AES_256', ...dry }))).toBe('DryRunOperationException');
    expect(await code(call('CreateGrant', { KeyId: md.KeyId, GranteePrincipal: `arn:aws:iam::${ACCT}:user/x`, Operations: ['Encrypt'], ...dry }))).toBe('DryRunOperationException');
    expect((await call('ListGrants', { KeyId: md.KeyId })).Grants).toEqual([]);
    const enc = await call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p') });
    expect(await code(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob, ...dry }))).toBe('DryRunOperationException');
    expect(await code(call('Decrypt', { CiphertextBlob: Buffer.from('junk'), KeyId: md.KeyId, DryRunModifiers: ['IGNORE_CIPHERTEXT'], ...dry }))).toBe('DryRunOperationException');
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p'), ...dry }, ctxFor(user('nobody'))))).toBe('AccessDeniedException');
    await call('DisableKey', { KeyId: md.KeyId });
    expect(await code(call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('p'), ...dry }))).toBe('DisabledException');
  });
});

describe('imported key material', () => {
  it('imports, expires by the scheduler into PendingImport, and deletes material', async () => {
    const md = await createKey({ Origin: 'EXTERNAL' });
    expect(md).toMatchObject({ KeyState: 'PendingImport', Origin: 'EXTERNAL', Enabled: false });
    const params = await call('GetParametersForImport', { KeyId: md.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    expect(params.KeyId).toBe(md.Arn);
    const material = randomBytes(32);
    const wrapped = publicEncrypt({ key: createPublicKey({ key: params.PublicKey, format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
    const validTo = new Date(clock.getTime() + 10 * 86_400_000);
    expect(await code(call('ImportKeyMaterial', { KeyId: md.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: 'KEY_MATERIAL_EXPIRES' }))).toBe('ValidationException');
    const imp = await call('ImportKeyMaterial', { KeyId: md.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped, ValidTo: validTo, ExpirationModel: 'KEY_MATERIAL_EXPIRES' });
    expect(imp.KeyId).toBe(md.Arn);
    const d = (await call('DescribeKey', { KeyId: md.KeyId })).KeyMetadata;
    expect(d).toMatchObject({ KeyState: 'Enabled', ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo });
    const enc = await call('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('imp') });
    expect((await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext.toString()).toBe('imp');

    clock = new Date(validTo.getTime() + 1000);
    await svc.runScheduledTasks();
    expect((await call('DescribeKey', { KeyId: md.KeyId })).KeyMetadata.KeyState).toBe('PendingImport');
    expect(await code(call('Decrypt', { CiphertextBlob: enc.CiphertextBlob }))).toBe('KMSInvalidStateException');

    // Re-import the same material (no expiry), then delete it.
    const p2 = await call('GetParametersForImport', { KeyId: md.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const w2 = publicEncrypt({ key: createPublicKey({ key: p2.PublicKey, format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
    await call('ImportKeyMaterial', { KeyId: md.KeyId, ImportToken: p2.ImportToken, EncryptedKeyMaterial: w2, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    expect((await call('Decrypt', { CiphertextBlob: enc.CiphertextBlob })).Plaintext.toString()).toBe('imp');
    await call('DeleteImportedKeyMaterial', { KeyId: md.KeyId });
    expect((await call('DescribeKey', { KeyId: md.KeyId })).KeyMetadata.KeyState).toBe('PendingImport');
    expect(await keystore.listMaterial(md.KeyId)).toEqual([]);
  });
});
