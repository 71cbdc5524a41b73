import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors/index.js';
import type { ServiceModel } from '../service.js';
import iamModel from '../../models/iam.json' with { type: 'json' };
import stsModel from '../../models/sts.json' with { type: 'json' };
import { ModelCodec, parseFormBody } from './index.js';

const iam = new ModelCodec(iamModel as ServiceModel);
const sts = new ModelCodec(stsModel as ServiceModel);

function form(s: string): URLSearchParams {
  return parseFormBody(Buffer.from(s));
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof AwsError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

const parser = new XMLParser({ htmlEntities: true, parseTagValue: false, trimValues: false, ignoreAttributes: false, isArray: (name) => name === 'member' });

describe('query protocol: IAM', () => {
  it('decodes CreateUser with a Tags list', () => {
    const input = iam.decodeQuery(
      'CreateUser',
      form('Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F&Tags.member.1.Key=dept&Tags.member.1.Value=eng&Tags.member.2.Key=cost%20centre&Tags.member.2.Value=42'),
    );
    expect(input).toEqual({
      UserName: 'alice',
      Path: '/team/',
      Tags: [
        { Key: 'dept', Value: 'eng' },
        { Key: 'cost centre', Value: '42' },
      ],
    });
  });

  it('orders list members by index, not by parameter order', () => {
    const input = iam.decodeQuery('CreateUser', form('UserName=a&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=1'));
    expect(input.Tags).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
  });

  it('accepts an empty list as `Name=` (what botocore sends)', () => {
    expect(iam.decodeQuery('CreateUser', form('UserName=a&Tags='))).toEqual({ UserName: 'a', Tags: [] });
  });

  it('decodes CreatePolicy with a URL-encoded JSON document', () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    const input = iam.decodeQuery('CreatePolicy', new URLSearchParams({ Action: 'CreatePolicy', PolicyName: 'p1', PolicyDocument: doc, Description: 'd' }));
    expect(input).toEqual({ PolicyName: 'p1', PolicyDocument: doc, Description: 'd' });
  });

  it('decodes integers and booleans', () => {
    expect(iam.decodeQuery('ListUsers', form('MaxItems=10&PathPrefix=%2F'))).toEqual({ MaxItems: 10, PathPrefix: '/' });
    expect(iam.decodeQuery('DeleteRolePermissionsBoundary', form('RoleName=r'))).toEqual({ RoleName: 'r' });
    expect(iam.decodeQuery('UpdateAccountPasswordPolicy', form('RequireSymbols=true&MinimumPasswordLength=12&AllowUsersToChangePassword=false'))).toEqual({
      RequireSymbols: true,
      MinimumPasswordLength: 12,
      AllowUsersToChangePassword: false,
    });
  });

  it('ignores unknown parameters', () => {
    expect(iam.decodeQuery('ListUsers', form('Action=ListUsers&Version=2010-05-08&Bogus=1&X-Amz-Date=x'))).toEqual({});
  });

  it('rejects malformed list indexes and non-numbers with ValidationError', () => {
    expect(code(() => iam.decodeQuery('CreateUser', form('UserName=a&Tags.member.0.Key=k&Tags.member.0.Value=v')))).toBe(
      'ValidationError: Invalid value for parameter Tags.member.0: list and map indexes must be integers starting at 1',
    );
    expect(code(() => iam.decodeQuery('CreateUser', form('UserName=a&Tags.member.x.Key=k')))).toMatch(/^ValidationError: /);
    expect(code(() => iam.decodeQuery('ListUsers', form('MaxItems=ten')))).toBe('ValidationError: Invalid value for parameter MaxItems: expected an integer');
    expect(code(() => iam.decodeQuery('ListUsers', form('MaxItems=99999999999')))).toMatch(/^ValidationError: /);
    expect(code(() => iam.decodeQuery('UpdateAccountPasswordPolicy', form('RequireSymbols=yes')))).toMatch(/^ValidationError: /);
  });

  it('validates constraints with AWS messages', () => {
    expect(code(() => iam.decodeQuery('CreateUser', form('Path=%2F')))).toBe(
      "ValidationError: 1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null",
    );
    expect(code(() => iam.decodeQuery('CreateUser', form('UserName=')))).toBe(
      "ValidationError: 2 validation errors detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    expect(code(() => iam.decodeQuery('CreateUser', form('UserName=a%20b')))).toBe(
      "ValidationError: 1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    expect(code(() => iam.decodeQuery('ListUsers', form('MaxItems=0')))).toBe(
      "ValidationError: 1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    expect(code(() => iam.decodeQuery('CreateUser', form('UserName=a&Tags.member.1.Key=k')))).toBe(
      "ValidationError: 1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
    );
    expect(code(() => iam.decodeQuery('UpdateAccessKey', form('AccessKeyId=AKIAIOSFODNN7EXAMPLE&Status=Enabled')))).toBe(
      "ValidationError: 1 validation error detected: Value 'Enabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]",
    );
  });

  it('does not echo sensitive values in validation messages', () => {
    const msg = code(() => iam.decodeQuery('ChangePassword', form('OldPassword=&NewPassword=x')));
    expect(msg).toContain("Value at 'oldPassword' failed to satisfy constraint: Member must have length greater than or equal to 1");
  });

  it('encodes ListUsers to the exact XML', () => {
    const xml = iam
      .encodeQuery(
        'ListUsers',
        {
          Users: [
            {
              UserName: 'alice',
              Path: '/',
              UserId: 'AIDAEXAMPLE',
              Arn: 'arn:aws:iam::123456789012:user/alice',
              CreateDate: new Date('2026-11-29T11:03:03Z'),
              Tags: [{ Key: 'a<b', Value: 'x&y' }],
              NotInModel: 'dropped',
            },
          ],
          IsTruncated: false,
          Marker: undefined,
        },
        'b6f8e1c2-1111-2222-3333-444455556666',
      )
      .toString();
    expect(xml).toBe(
      '<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult>' +
        '<IsTruncated>false</IsTruncated><Users><member><Arn>arn:aws:iam::123456789012:user/alice</Arn>' +
        '<CreateDate>2026-11-29T11:03:03Z</CreateDate><Path>/</Path><Tags><member><Key>a&lt;b</Key><Value>x&amp;y</Value></member></Tags>' +
        '<UserId>AIDAEXAMPLE</UserId><UserName>alice</UserName></member></Users></ListUsersResult>' +
        '<ResponseMetadata><RequestId>b6f8e1c2-1111-2222-3333-444455556666</RequestId></ResponseMetadata></ListUsersResponse>',
    );
    const doc = parser.parse(xml);
    const user = doc.ListUsersResponse.ListUsersResult.Users.member[0];
    expect(user.Tags.member[0]).toEqual({ Key: 'a<b', Value: 'x&y' });
    expect(doc.ListUsersResponse['@_xmlns']).toBe('https://iam.amazonaws.com/doc/2010-05-08/');
  });

  it('encodes maps as entry/key/value and operations without output as bare responses', () => {
    const xml = iam.encodeQuery('GetAccountSummary', { SummaryMap: { Users: 3, Groups: 0 } }, 'r1').toString();
    expect(xml).toContain('<SummaryMap><entry><key>Users</key><value>3</value></entry><entry><key>Groups</key><value>0</value></entry></SummaryMap>');
    expect(iam.encodeQuery('DeleteUser', {}, 'r2').toString()).toBe(
      '<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></DeleteUserResponse>',
    );
  });

  it('escapes text so that an independent parser reads back the exact string', () => {
    const nasty = 'a&b<c>d"e\'f\r\ng\th]]>\u0001\uD800 \u{1F600}';
    const xml = iam.encodeQuery('GetUser', { User: { UserName: nasty, Path: '/', UserId: 'x', Arn: 'y', CreateDate: new Date(0) } }, 'r').toString();
    const back = parser.parse(xml).GetUserResponse.GetUserResult.User.UserName;
    expect(back).toBe('a&b<c>d"e\'f\r\ng\th]]>\uFFFD\uFFFD \u{1F600}');
  });
});

describe('query protocol: STS', () => {
  it('decodes an operation whose input has no members to {} whatever the form holds (GetCallerIdentity)', () => {
    expect(sts.decodeQuery('GetCallerIdentity', form('Action=GetCallerIdentity&Version=2011-06-15'))).toEqual({});
    expect(sts.decodeQuery('GetCallerIdentity', form('Action=GetCallerIdentity&Version=2011-06-15&Junk.member.x=1&RoleArn=r'))).toEqual({});
  });

  it('takes the first value of a repeated parameter, at the top level as below it', () => {
    const input = sts.decodeQuery(
      'AssumeRole',
      form('RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ffirst&RoleSessionName=s1&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fsecond&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.1.Key=b&RoleSessionName=s2'),
    );
    expect(input).toEqual({ RoleArn: 'arn:aws:iam::123456789012:role/first', RoleSessionName: 's1', Tags: [{ Key: 'a', Value: '1' }] });
  });

  it('a top-level parameter and a dotted one under the same name both reach the member (empty list marker, then members)', () => {
    expect(iam.decodeQuery('CreateUser', form('UserName=a&Tags=&Tags.member.1.Key=k&Tags.member.1.Value=v'))).toEqual({ UserName: 'a', Tags: [{ Key: 'k', Value: 'v' }] });
    expect(iam.decodeQuery('CreateUser', form('UserName=a&Tags.member.1.Key=k&Tags.member.1.Value=v&Tags='))).toEqual({ UserName: 'a', Tags: [{ Key: 'k', Value: 'v' }] });
  });

  it('decodes AssumeRole with PolicyArns and Tags', () => {
    const input = sts.decodeQuery(
      'AssumeRole',
      form(
        'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=s1&DurationSeconds=3600' +
          '&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess&Tags.member.1.Key=Project&Tags.member.1.Value=Blue&TransitiveTagKeys.member.1=Project',
      ),
    );
    expect(input).toEqual({
      RoleArn: 'arn:aws:iam::123456789012:role/demo',
      RoleSessionName: 's1',
      DurationSeconds: 3600,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      Tags: [{ Key: 'Project', Value: 'Blue' }],
      TransitiveTagKeys: ['Project'],
    });
  });

  it('validates DurationSeconds range and the list-of-scalars format', () => {
    expect(code(() => sts.decodeQuery('AssumeRole', form('RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=s1&DurationSeconds=60')))).toBe(
      "ValidationError: 1 validation error detected: Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    const long = 'k'.repeat(129);
    expect(
      code(() => sts.decodeQuery('AssumeRole', form(`RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=s1&TransitiveTagKeys.member.1=ok&TransitiveTagKeys.member.2=${long}`))),
    ).toBe(
      `ValidationError: 1 validation error detected: Value '[ok, ${long}]' at 'transitiveTagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128]`,
    );
  });

  it('encodes GetCallerIdentity to the exact XML', () => {
    const xml = sts
      .encodeQuery('GetCallerIdentity', { Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/alice', UserId: 'AIDAEXAMPLE' }, 'req-9')
      .toString();
    expect(xml).toBe(
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
        '<Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId>' +
        '</GetCallerIdentityResult><ResponseMetadata><RequestId>req-9</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
    );
  });

  it('encodes AssumeRole credentials with ISO timestamps (milliseconds only when present)', () => {
    const xml = sts
      .encodeQuery(
        'AssumeRole',
        {
          Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-01-02T03:04:05.678Z') },
          AssumedRoleUser: { Arn: 'arn:aws:sts::123456789012:assumed-role/demo/s1', AssumedRoleId: 'AROA:s1' },
          PackedPolicySize: 6,
        },
        'r',
      )
      .toString();
    const r = parser.parse(xml).AssumeRoleResponse.AssumeRoleResult;
    expect(r.Credentials.Expiration).toBe('2026-01-02T03:04:05.678Z');
    expect(r.PackedPolicySize).toBe('6');
  });

  it('round-trips timestamps, blobs, flattened lists and maps (synthetic model: IAM/STS use none of these as input)', () => {
    const model: ServiceModel = {
      metadata: { apiVersion: '1', protocol: 'query', endpointPrefix: 'x', xmlNamespace: 'urn:x' },
      operations: { Op: { name: 'Op', http: { method: 'POST', requestUri: '/' }, input: { shape: 'In' }, output: { shape: 'In', resultWrapper: 'OpResult' } } },
      shapes: {
        In: { type: 'structure', members: { When: { shape: 'T' }, Data: { shape: 'B' }, Flat: { shape: 'FL' }, M: { shape: 'FM' } } },
        T: { type: 'timestamp' },
        B: { type: 'blob' },
        S: { type: 'string' },
        FL: { type: 'list', member: { shape: 'S', locationName: 'Item' }, flattened: true },
        FM: { type: 'map', key: { shape: 'S', locationName: 'Name' }, value: { shape: 'S', locationName: 'Val' }, flattened: true },
      },
    };
    const c = new ModelCodec(model);
    const input = c.decodeQuery('Op', form('When=2026-11-29T11%3A03%3A03.250Z&Data=aGk%3D&Item.1=a&Item.2=b&M.1.Name=k&M.1.Val=v'));
    expect(input.When).toEqual(new Date('2026-11-29T11:03:03.250Z'));
    expect(input.Data).toEqual(Buffer.from('hi'));
    expect(input.Flat).toEqual(['a', 'b']);
    expect({ ...(input.M as object) }).toEqual({ k: 'v' });
    const xml = c.encodeQuery('Op', input, 'r').toString();
    expect(xml).toBe(
      '<OpResponse xmlns="urn:x"><OpResult><When>2026-11-29T11:03:03.250Z</When><Data>aGk=</Data><Item>a</Item><Item>b</Item>' +
        '<M><Name>k</Name><Val>v</Val></M></OpResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></OpResponse>',
    );
    expect(code(() => c.decodeQuery('Op', form('When=yesterday')))).toBe('ValidationError: Invalid value for parameter When: expected an ISO 8601 timestamp');
  });
});

describe('parseFormBody', () => {
  it('decodes + and percent escapes', () => {
    expect([...form('a=b+c&d=%2B%26&e&=x&&f=%E2%82%AC')]).toEqual([
      ['a', 'b c'],
      ['d', '+&'],
      ['e', ''],
      ['', 'x'],
      ['f', '€'],
    ]);
  });

  it('rejects malformed percent-encoding and invalid UTF-8 with MalformedQueryString (404)', () => {
    for (const bad of ['a=%', 'a=%zz', 'a=%4', 'a=%C3%28', '%ff=1']) {
      let err: unknown;
      try {
        form(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AwsError);
      expect((err as AwsError).code).toBe('MalformedQueryString');
      expect((err as AwsError).status).toBe(404);
    }
    expect(() => parseFormBody(Buffer.from([0x61, 0x3d, 0xc3]))).toThrow(AwsError);
  });
});
