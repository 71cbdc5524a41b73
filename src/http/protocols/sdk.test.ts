import { IAMClient, CreateUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../errors/index.js';
import type { ServiceModel } from '../service.js';
import iamModel from '../../models/iam.json' with { type: 'json' };
import stsModel from '../../models/sts.json' with { type: 'json' };
import { ModelCodec, encodeError, parseFormBody } from './index.js';

/** An SDK request handler that serves the call in-process through a codec. */
function handlerFor(codec: ModelCodec, model: ServiceModel, handle: (op: string, input: Record<string, unknown>) => Record<string, unknown>) {
  return {
    async handle(request: HttpRequest) {
      const params = parseFormBody(Buffer.from(String(request.body)));
      const op = params.get('Action') as string;
      let status = 200;
      let body: Buffer;
      try {
        body = codec.encodeQuery(op, handle(op, codec.decodeQuery(op, params)), 'req-sdk');
      } catch (e) {
        const out = encodeError('query', e as AwsError, 'req-sdk', { xmlNamespace: model.metadata.xmlNamespace });
        status = out.status;
        body = out.body;
      }
      return { response: new HttpResponse({ statusCode: status, headers: { 'content-type': 'text/xml' }, body: Readable.from([body]) }) };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('AWS SDK v3 against the codec (query protocol)', () => {
  it('IAM CreateUser and ListUsers', async () => {
    const codec = new ModelCodec(iamModel as ServiceModel);
    const seen: Record<string, unknown>[] = [];
    const created = new Date('2026-11-29T11:03:03Z');
    const client = new IAMClient({
      region: 'us-east-1',
      credentials,
      requestHandler: handlerFor(codec, iamModel as ServiceModel, (op, input) => {
        seen.push(input);
        const user = { UserName: 'alice', Path: '/', UserId: 'AIDA1', Arn: 'arn:aws:iam::123456789012:user/alice', CreateDate: created, Tags: [{ Key: 'k', Value: 'v & <w>' }] };
        return op === 'CreateUser' ? { User: user } : { Users: [user], IsTruncated: false };
      }),
    });
    const out = await client.send(new CreateUserCommand({ UserName: 'alice', Tags: [{ Key: 'k', Value: 'v w+é' }] }));
    expect(seen[0]).toEqual({ UserName: 'alice', Tags: [{ Key: 'k', Value: 'v w+é' }] });
    expect(out.User?.CreateDate).toEqual(created);
    expect(out.User?.Tags).toEqual([{ Key: 'k', Value: 'v & <w>' }]);
    const list = await client.send(new ListUsersCommand({ MaxItems: 5 }));
    expect(seen[1]).toEqual({ MaxItems: 5 });
    expect(list.Users?.[0]?.UserName).toBe('alice');
    expect(list.IsTruncated).toBe(false);
    await expect(client.send(new CreateUserCommand({ UserName: 'a b' }))).rejects.toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
  });

  it('STS AssumeRole with PolicyArns and Tags', async () => {
    const codec = new ModelCodec(stsModel as ServiceModel);
    let seen: Record<string, unknown> | undefined;
    const exp = new Date('2026-01-01T01:00:00Z');
    const client = new STSClient({
      region: 'us-east-1',
      credentials,
      requestHandler: handlerFor(codec, stsModel as ServiceModel, (_op, input) => {
        seen = input;
        return { Credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 's', SessionToken: 't', Expiration: exp }, AssumedRoleUser: { Arn: 'arn:aws:sts::123456789012:assumed-role/r/s', AssumedRoleId: 'AROA1:s' } };
      }),
    });
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/r',
        RoleSessionName: 'sess',
        PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
        Tags: [{ Key: 'Project', Value: 'Blue' }],
        DurationSeconds: 900,
      }),
    );
    expect(seen).toEqual({
      RoleArn: 'arn:aws:iam::123456789012:role/r',
      RoleSessionName: 'sess',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
      Tags: [{ Key: 'Project', Value: 'Blue' }],
      DurationSeconds: 900,
    });
    expect(out.Credentials?.Expiration).toEqual(exp);
    expect(out.AssumedRoleUser?.AssumedRoleId).toBe('AROA1:s');
  });
});
