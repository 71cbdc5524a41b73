import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors/index.js';
import type { ServiceModel } from '../service.js';
import gdModel from '../../models/guardduty.json' with { type: 'json' };
import iamModel from '../../models/iam.json' with { type: 'json' };
import kmsModel from '../../models/kms.json' with { type: 'json' };
import stsModel from '../../models/sts.json' with { type: 'json' };
import wafModel from '../../models/wafv2.json' with { type: 'json' };
import { ModelCodec, parseFormBody } from './index.js';

const kms = new ModelCodec(kmsModel as ServiceModel);
const waf = new ModelCodec(wafModel as ServiceModel);
const iam = new ModelCodec(iamModel as ServiceModel);
const sts = new ModelCodec(stsModel as ServiceModel);
const gd = new ModelCodec(gdModel as ServiceModel);

/** Runs f; any throw other than AwsError fails the property. */
function onlyAwsErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof AwsError)) throw e;
  }
}

function timed(f: () => unknown): number {
  const t = performance.now();
  onlyAwsErrors(f);
  const ms = performance.now() - t;
  if (process.env.FUZZ_TIMINGS) console.log(`${ms.toFixed(1)} ms`);
  return ms;
}

const JSON_OPS: [ModelCodec, string][] = [
  [kms, 'Encrypt'],
  [kms, 'CreateKey'],
  [kms, 'ListKeys'],
  [kms, 'PutKeyPolicy'],
  [waf, 'CreateWebACL'],
  [waf, 'CheckCapacity'],
];
const QUERY_OPS: [ModelCodec, string][] = [
  [iam, 'CreateUser'],
  [iam, 'PutUserPolicy'],
  [iam, 'UpdateAccountPasswordPolicy'],
  [sts, 'AssumeRole'],
];
const REST_OPS = ['ListFindings', 'CreateFilter', 'ListDetectors', 'UntagResource', 'CreateDetector'];

/** Keys a fuzzer would hardly guess, to reach deeper into the decoders. */
const keyArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('KeyId', 'Plaintext', 'EncryptionContext', 'Tags', 'Rules', 'Statement', 'NotStatement', 'Scope', 'Name', 'Limit', '__proto__', 'constructor'),
  fc.constantFrom('findingCriteria', 'criterion', 'maxResults', 'sortCriteria', 'tags', 'enable', 'name', 'action'),
);
const jsonArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value')),
    fc.dictionary(keyArb, tie('value')),
  ),
})).value;

describe('fuzz: decoders only throw AwsError', () => {
  it('decodeJson with random bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...JSON_OPS), fc.uint8Array({ maxLength: 300 }), ([c, op], bytes) => {
        onlyAwsErrors(() => c.decodeJson(op, Buffer.from(bytes)));
      }),
      { numRuns: 500 },
    );
  });

  it('decodeJson with random JSON objects', () => {
    fc.assert(
      fc.property(fc.constantFrom(...JSON_OPS), fc.dictionary(keyArb, jsonArb), ([c, op], obj) => {
        onlyAwsErrors(() => c.decodeJson(op, Buffer.from(JSON.stringify(obj))));
      }),
      { numRuns: 1000 },
    );
  });

  it('decodeQuery and parseFormBody with random forms', () => {
    const seg = fc.oneof(fc.constantFrom('Tags', 'member', 'entry', '1', '2', '0', 'x', 'Key', 'Value', 'UserName', 'PolicyArns', 'arn', 'MaxItems', 'DurationSeconds', 'RequireSymbols'), fc.string({ maxLength: 6 }));
    const keyArbQ = fc.array(seg, { minLength: 1, maxLength: 6 }).map((s) => s.join('.'));
    fc.assert(
      fc.property(fc.constantFrom(...QUERY_OPS), fc.array(fc.tuple(keyArbQ, fc.string({ maxLength: 20 })), { maxLength: 20 }), ([c, op], pairs) => {
        const p = new URLSearchParams(pairs);
        onlyAwsErrors(() => c.decodeQuery(op, p));
        onlyAwsErrors(() => c.decodeQuery(op, parseFormBody(Buffer.from(p.toString()))));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyAwsErrors(() => parseFormBody(Buffer.from(bytes)));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '=', '&', '%', '2', 'F', 'c', '3', '+', 'é'), { maxLength: 40 }), (chars) => {
        onlyAwsErrors(() => parseFormBody(Buffer.from(chars.join(''))));
      }),
      { numRuns: 1000 },
    );
  });

  it('matchRest and decodeRest with random paths, queries, headers and bodies', () => {
    const pathArb = fc.array(fc.oneof(fc.constantFrom('detector', 'findings', 'get', 'tags', 'filter', '', '%2F', '%zz', 'x'), fc.string({ maxLength: 8 })), { maxLength: 6 }).map((s) => '/' + s.join('/'));
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
        pathArb,
        fc.constantFrom(...REST_OPS),
        fc.dictionary(fc.constantFrom('DetectorId', 'ResourceArn', 'FilterName'), fc.string({ maxLength: 40 })),
        fc.array(fc.tuple(fc.constantFrom('maxResults', 'nextToken', 'tagKeys', 'x'), fc.string({ maxLength: 10 })), { maxLength: 5 }),
        fc.oneof(fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)), fc.dictionary(keyArb, jsonArb).map((o) => Buffer.from(JSON.stringify(o)))),
        (method, path, op, pathParams, query, body) => {
          onlyAwsErrors(() => gd.matchRest(method, path));
          onlyAwsErrors(() => gd.decodeRest(op, { pathParams, query: new URLSearchParams(query), headers: { 'content-type': 'application/json' }, body }));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('fuzz: no super-linear blowups', () => {
  it('handles huge and deeply nested inputs quickly', () => {
    const deepArray = Buffer.from('['.repeat(100_000) + ']'.repeat(100_000));
    expect(timed(() => kms.decodeJson('Encrypt', deepArray))).toBeLessThan(1000);
    const deepObj = Buffer.from('{"Rules":[' + '{"Statement":{"NotStatement":'.repeat(5000) + '{}' + '}}'.repeat(5000) + ']}');
    expect(timed(() => waf.decodeJson('CheckCapacity', deepObj))).toBeLessThan(1000);
    const manyKeys = Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))));
    expect(timed(() => kms.decodeJson('ListKeys', manyKeys))).toBeLessThan(1000);
    const bigContext = Buffer.from(JSON.stringify({ KeyId: 'k', Plaintext: 'AA==', EncryptionContext: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 'v'])) }));
    expect(timed(() => kms.decodeJson('Encrypt', bigContext))).toBeLessThan(1000);
    // Long strings against model regexes (validation skips the regex once the length already fails).
    const longName = Buffer.from(JSON.stringify({ AliasName: 'a'.repeat(1_000_000) + '!', TargetKeyId: 'k' }));
    expect(timed(() => kms.decodeJson('CreateAlias', longName))).toBeLessThan(1000);
    const policy = 'x'.repeat(131_072);
    expect(timed(() => iam.decodeQuery('PutUserPolicy', new URLSearchParams({ UserName: 'u', PolicyName: 'p', PolicyDocument: policy })))).toBeLessThan(500);
    // Deep query keys and huge indexes.
    const q = new URLSearchParams();
    for (let i = 0; i < 5000; i++) q.append('Tags' + '.member.1'.repeat(50) + i, 'v');
    q.append('Tags.member.999999999.Key', 'k');
    q.append('Tags.member.999999999.Value', 'v');
    expect(timed(() => iam.decodeQuery('CreateUser', q))).toBeLessThan(1000);
    const form = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `Tags.member.${i + 1}.Key=k%20${i}`).join('&'));
    expect(timed(() => iam.decodeQuery('CreateUser', parseFormBody(form)))).toBeLessThan(2000);
    const longPath = '/detector/' + 'a/'.repeat(50_000);
    expect(timed(() => gd.matchRest('GET', longPath))).toBeLessThan(500);
  });
});

describe('round trips through independent parsers', () => {
  const xml = new XMLParser({ htmlEntities: true, parseTagValue: false, trimValues: false, isArray: (n) => n === 'member' });
  // Strings an XML 1.0 document can carry (the encoder replaces the rest with U+FFFD).
  const xmlText = fc.string({ unit: 'grapheme', maxLength: 30 });

  it('query XML output parses back to the same values', () => {
    fc.assert(
      fc.property(xmlText, xmlText, fc.array(fc.tuple(xmlText, xmlText), { maxLength: 4 }), fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('9999-12-31') }), (name, path, tags, date) => {
        const user = { UserName: name, Path: path, UserId: 'AIDA', Arn: 'arn', CreateDate: date, Tags: tags.map(([Key, Value]) => ({ Key, Value })) };
        const doc = xml.parse(iam.encodeQuery('GetUser', { User: user }, 'rid').toString());
        const u = doc.GetUserResponse.GetUserResult.User;
        expect(u.UserName ?? '').toBe(name);
        expect(u.Path ?? '').toBe(path);
        expect(new Date(u.CreateDate).getTime()).toBe(date.getTime());
        const back = (u.Tags?.member ?? []) as { Key?: string; Value?: string }[];
        expect(back.map((t) => [t.Key ?? '', t.Value ?? ''])).toEqual(tags);
      }),
      { numRuns: 300 },
    );
  });

  it('JSON output parses back and decodes to the same values', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 64 }), fc.dictionary(fc.string(), fc.string()), fc.date({ noInvalidDate: true, min: new Date(-1e14), max: new Date(1e14) }), (keyId, bytes, ctx, date) => {
        const blob = Buffer.from(bytes);
        const enc = JSON.parse(kms.encodeJson('Encrypt', { KeyId: keyId, CiphertextBlob: blob }).toString());
        expect(enc).toEqual({ KeyId: keyId, CiphertextBlob: blob.toString('base64') });
        const dk = JSON.parse(kms.encodeJson('DescribeKey', { KeyMetadata: { KeyId: keyId, CreationDate: date } }).toString());
        expect(Math.round(dk.KeyMetadata.CreationDate * 1000)).toBe(date.getTime());
        // Input side: what an SDK would send decodes to the same in-memory values.
        const body = Buffer.from(JSON.stringify({ KeyId: keyId, Plaintext: blob.toString('base64'), EncryptionContext: ctx }));
        try {
          const input = kms.decodeJson('Encrypt', body);
          expect(input.KeyId).toBe(keyId);
          expect(input.Plaintext).toEqual(blob);
          expect({ ...(input.EncryptionContext as object) }).toEqual({ ...ctx });
        } catch (e) {
          expect((e as AwsError).code).toBe('ValidationException');
        }
      }),
      { numRuns: 300 },
    );
  });
});
