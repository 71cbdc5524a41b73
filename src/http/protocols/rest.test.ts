import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors/index.js';
import type { ServiceModel } from '../service.js';
import gdModel from '../../models/guardduty.json' with { type: 'json' };
import { ModelCodec } from './index.js';

const gd = new ModelCodec(gdModel as ServiceModel);
const DID = '12abc34d567e8fa901bc2d34e56789f0';

function err(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof AwsError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

function req(over: { pathParams?: Record<string, string>; query?: string; headers?: Record<string, string | string[] | undefined>; body?: string }) {
  return {
    pathParams: over.pathParams ?? {},
    query: new URLSearchParams(over.query ?? ''),
    headers: over.headers ?? {},
    body: Buffer.from(over.body ?? ''),
  };
}

describe('rest-json routing (GuardDuty)', () => {
  it('routes by method and template, literals before labels', () => {
    expect(gd.matchRest('POST', `/detector/${DID}/findings`)).toEqual({ op: 'ListFindings', pathParams: { DetectorId: DID } });
    expect(gd.matchRest('POST', `/detector/${DID}/findings/get`)).toEqual({ op: 'GetFindings', pathParams: { DetectorId: DID } });
    expect(gd.matchRest('GET', `/detector/${DID}`)).toEqual({ op: 'GetDetector', pathParams: { DetectorId: DID } });
    expect(gd.matchRest('POST', `/detector/${DID}`)).toEqual({ op: 'UpdateDetector', pathParams: { DetectorId: DID } });
    expect(gd.matchRest('DELETE', `/detector/${DID}`)).toEqual({ op: 'DeleteDetector', pathParams: { DetectorId: DID } });
    expect(gd.matchRest('GET', '/detector')).toEqual({ op: 'ListDetectors', pathParams: {} });
    expect(gd.matchRest('POST', '/detector')).toEqual({ op: 'CreateDetector', pathParams: {} });
    expect(gd.matchRest('GET', '/detector?maxResults=5')).toEqual({ op: 'ListDetectors', pathParams: {} });
    expect(gd.matchRest('GET', `/detector/${DID}/filter/my%20filter`)).toEqual({ op: 'GetFilter', pathParams: { DetectorId: DID, FilterName: 'my filter' } });
  });

  it('percent-decodes labels after splitting, so %2F stays inside one label', () => {
    const arn = `arn:aws:guardduty:us-east-1:123456789012:detector/${DID}`;
    expect(gd.matchRest('GET', `/tags/${encodeURIComponent(arn)}`)).toEqual({ op: 'ListTagsForResource', pathParams: { ResourceArn: arn } });
  });

  it('distinguishes unknown paths, wrong methods and empty labels', () => {
    expect(gd.matchRest('GET', '/nope')).toBeUndefined();
    expect(gd.matchRest('PUT', `/detector/${DID}`)).toEqual({ methodNotAllowed: true });
    expect(gd.matchRest('GET', '/detector//findings')).toBeUndefined();
    expect(gd.matchRest('GET', `/detector/${DID}/findings/get/extra`)).toBeUndefined();
    expect(gd.matchRest('GET', '/detector/%zz')).toBeUndefined();
  });

  it('supports greedy labels and query literals in requestUri (synthetic model)', () => {
    const model: ServiceModel = {
      metadata: { apiVersion: '1', protocol: 'rest-json', endpointPrefix: 'x' },
      operations: {
        GetObject: { name: 'GetObject', http: { method: 'GET', requestUri: '/{Bucket}/{Key+}' }, input: { shape: 'ObjIn' } },
        GetVersioning: { name: 'GetVersioning', http: { method: 'GET', requestUri: '/{Bucket}?versioning' }, input: { shape: 'BucketIn' } },
        ListObjects: { name: 'ListObjects', http: { method: 'GET', requestUri: '/{Bucket}' }, input: { shape: 'BucketIn' } },
      },
      shapes: {
        ObjIn: {
          type: 'structure',
          required: ['Bucket', 'Key'],
          members: { Bucket: { shape: 'S', location: 'uri', locationName: 'Bucket' }, Key: { shape: 'S', location: 'uri', locationName: 'Key' } },
        },
        BucketIn: { type: 'structure', required: ['Bucket'], members: { Bucket: { shape: 'S', location: 'uri', locationName: 'Bucket' } } },
        S: { type: 'string' },
      },
    };
    const c = new ModelCodec(model);
    expect(c.matchRest('GET', '/b/a/b%20c/d.txt')).toEqual({ op: 'GetObject', pathParams: { Bucket: 'b', Key: 'a/b c/d.txt' } });
    expect(c.matchRest('GET', '/b?versioning')).toEqual({ op: 'GetVersioning', pathParams: { Bucket: 'b' } });
    expect(c.matchRest('GET', '/b?list-type=2')).toEqual({ op: 'ListObjects', pathParams: { Bucket: 'b' } });
    expect(c.matchRest('GET', '/b')).toEqual({ op: 'ListObjects', pathParams: { Bucket: 'b' } });
    expect(c.decodeRest('GetObject', req({ pathParams: { Bucket: 'b', Key: 'a/b' } }))).toEqual({ Bucket: 'b', Key: 'a/b' });
  });
});

describe('rest-json decoding (GuardDuty)', () => {
  it('decodes ListFindings: uri label plus JSON body with locationNames', () => {
    const body = JSON.stringify({
      maxResults: 25,
      findingCriteria: { criterion: { severity: { greaterThanOrEqual: 4, gte: 4 }, type: { eq: ['Recon:EC2/PortProbeUnprotectedPort'] } } },
      sortCriteria: { attributeName: 'updatedAt', orderBy: 'DESC' },
    });
    const input = gd.decodeRest('ListFindings', req({ pathParams: { DetectorId: DID }, body }));
    expect(input.DetectorId).toBe(DID);
    expect(input.MaxResults).toBe(25);
    expect(input.SortCriteria).toEqual({ AttributeName: 'updatedAt', OrderBy: 'DESC' });
    const crit = (input.FindingCriteria as { Criterion: Record<string, Record<string, unknown>> }).Criterion;
    expect(crit.severity).toEqual({ GreaterThanOrEqual: 4, Gte: 4 });
    expect(crit.type).toEqual({ Eq: ['Recon:EC2/PortProbeUnprotectedPort'] });
  });

  it('decodes GetDetector from the path alone and ignores a body', () => {
    expect(gd.decodeRest('GetDetector', req({ pathParams: { DetectorId: DID }, body: 'garbage' }))).toEqual({ DetectorId: DID });
  });

  it('decodes querystring members (scalars and lists)', () => {
    expect(gd.decodeRest('ListDetectors', req({ query: 'maxResults=10&nextToken=abc&unknown=1' }))).toEqual({ MaxResults: 10, NextToken: 'abc' });
    const arn = `arn:aws:guardduty:us-east-1:123456789012:detector/${DID}`;
    expect(gd.decodeRest('UntagResource', req({ pathParams: { ResourceArn: arn }, query: 'tagKeys=a&tagKeys=b' }))).toEqual({ ResourceArn: arn, TagKeys: ['a', 'b'] });
  });

  it('reports type and constraint errors', () => {
    expect(err(() => gd.decodeRest('ListDetectors', req({ query: 'maxResults=ten' })))).toBe('SerializationException: Value for maxResults can not be converted to an Integer');
    expect(err(() => gd.decodeRest('ListDetectors', req({ query: 'maxResults=0' })))).toBe(
      "ValidationException: 1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(err(() => gd.decodeRest('GetDetector', req({})))).toBe(
      "ValidationException: 1 validation error detected: Value null at 'detectorId' failed to satisfy constraint: Member must not be null",
    );
    expect(err(() => gd.decodeRest('ListFindings', req({ pathParams: { DetectorId: DID }, body: '{"maxResults":"5"}' })))).toBe(
      'SerializationException: STRING_VALUE can not be converted to an Integer',
    );
    expect(err(() => gd.decodeRest('ListFindings', req({ pathParams: { DetectorId: DID }, body: '{"sortCriteria":{"orderBy":"UP"}}' })))).toBe(
      "ValidationException: 1 validation error detected: Value 'UP' at 'sortCriteria.orderBy' failed to satisfy constraint: Member must satisfy enum value set: [ASC, DESC]",
    );
    expect(err(() => gd.decodeRest('CreateDetector', req({ body: '{"enable": true, "tags": {"": "v"}}' })))).toMatch(
      /^ValidationException: 1 validation error detected: Value '\{=v\}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: \[Member must have length greater than or equal to 1/,
    );
  });

  it('decodes headers (synthetic model: GuardDuty has no header members)', () => {
    const model: ServiceModel = {
      metadata: { apiVersion: '1', protocol: 'rest-json', endpointPrefix: 'x' },
      operations: { Op: { name: 'Op', http: { method: 'PUT', requestUri: '/things/{Id}', responseCode: 201 }, input: { shape: 'In' }, output: { shape: 'Out' } } },
      shapes: {
        In: {
          type: 'structure',
          members: {
            Id: { shape: 'I', location: 'uri', locationName: 'Id' },
            Token: { shape: 'S', location: 'header', locationName: 'X-Amz-Token' },
            Since: { shape: 'T', location: 'header', locationName: 'If-Modified-Since' },
            At: { shape: 'T', location: 'querystring', locationName: 'at' },
            Labels: { shape: 'L', location: 'header', locationName: 'X-Labels' },
            Meta: { shape: 'M', location: 'headers', locationName: 'x-meta-' },
            Data: { shape: 'B' },
          },
          payload: 'Data',
        },
        Out: {
          type: 'structure',
          members: { ETag: { shape: 'S', location: 'header', locationName: 'ETag' }, When: { shape: 'T' }, Name: { shape: 'S', locationName: 'name' } },
        },
        I: { type: 'integer' },
        S: { type: 'string' },
        T: { type: 'timestamp' },
        B: { type: 'blob' },
        L: { type: 'list', member: { shape: 'S' } },
        M: { type: 'map', key: { shape: 'S' }, value: { shape: 'S' } },
      },
    };
    const c = new ModelCodec(model);
    const input = c.decodeRest(
      'Op',
      req({
        pathParams: { Id: '42' },
        query: 'at=2026-11-29T11:03:03Z',
        headers: { 'x-amz-token': 'tok', 'if-modified-since': 'Sun, 06 Nov 1994 08:49:37 GMT', 'x-labels': 'a, b', 'x-meta-color': 'red' },
        body: 'raw bytes',
      }),
    );
    expect({ ...input, Meta: { ...(input.Meta as object) } }).toEqual({
      Id: 42,
      Token: 'tok',
      Since: new Date('1994-11-06T08:49:37Z'),
      At: new Date('2026-11-29T11:03:03Z'),
      Labels: ['a', 'b'],
      Meta: { color: 'red' },
      Data: Buffer.from('raw bytes'),
    });
    const out = c.encodeRest('Op', { ETag: '"abc"', When: new Date(1500), Name: 'n', Bogus: 1 });
    expect(out.status).toBe(201);
    expect(out.headers).toEqual({ etag: '"abc"', 'content-type': 'application/json' });
    expect(JSON.parse(out.body.toString())).toEqual({ When: 1.5, name: 'n' });
  });
});

describe('rest-json encoding (GuardDuty)', () => {
  it('encodes GetDetector with locationNames and drops unknown members', () => {
    const out = gd.encodeRest('GetDetector', { Status: 'ENABLED', ServiceRole: 'arn:role', Tags: { env: 'prod' }, CreatedAt: '2026-01-01T00:00:00.000Z', secret: 'x' });
    expect(out.status).toBe(200);
    expect(out.headers['content-type']).toBe('application/json');
    expect(JSON.parse(out.body.toString())).toEqual({ status: 'ENABLED', serviceRole: 'arn:role', tags: { env: 'prod' }, createdAt: '2026-01-01T00:00:00.000Z' });
  });

  it('uses the model responseCode, with an empty body for 204', () => {
    const out = gd.encodeRest('TagResource', {});
    expect(out.status).toBe(204);
    expect(out.body.length).toBe(0);
    expect(gd.encodeRest('ListFindings', { FindingIds: [] }).body.toString()).toBe('{"findingIds":[]}');
  });
});
