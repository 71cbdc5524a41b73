/**
 * Hostile and malformed requests against the real server: each gets its AWS error, never a 500,
 * and the server stays up.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_KEY, removeDir, startServer, type TestServer } from './helpers/server.js';
import { send, signedSend, xmlCode } from './helpers/sign.js';

let server: TestServer;
const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

beforeAll(async () => {
  server = await startServer({ args: ['--max-body-bytes', '65536'] });
});
afterAll(async () => {
  expect(await server.stop()).toBe(0);
  removeDir(server.dataDir);
});

describe('authentication is required', () => {
  it('an unsigned query call gets MissingAuthenticationToken', async () => {
    const r = await send(server.endpoint, { method: 'POST', path: '/', headers: FORM, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
    expect(r.status).toBe(403);
    expect(xmlCode(r.body)).toBe('MissingAuthenticationToken');
  });

  it('an unsigned JSON call gets MissingAuthenticationTokenException', async () => {
    const r = await send(server.endpoint, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSSecurityTokenServiceV20110615.GetCallerIdentity' },
      body: '{}',
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  it('a credential scoped to another region or service is rejected', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const region = await signedSend(server.endpoint, ROOT_KEY, 'sts', 'eu-west-3', { headers: FORM, body });
    expect(region.status).toBe(403);
    expect(xmlCode(region.body)).toBe('SignatureDoesNotMatch');
    const service = await signedSend(server.endpoint, ROOT_KEY, 'kms', 'us-east-1', { headers: FORM, body });
    expect(service.status).toBe(403);
    expect(xmlCode(service.body)).toBe('SignatureDoesNotMatch');
  });

  it('a tampered body is rejected', async () => {
    const { signRequest } = await import('./helpers/sign.js');
    const s = await signRequest(server.endpoint, ROOT_KEY, 'iam', 'us-east-1', { headers: FORM, body: 'Action=ListUsers&Version=2010-05-08' });
    const r = await send(server.endpoint, { method: 'POST', path: '/', headers: s.headers as Record<string, string>, body: 'Action=ListRoles&Version=2010-05-08' });
    expect(xmlCode(r.body)).toBe('SignatureDoesNotMatch');
  });
});

describe('malformed requests', () => {
  it('unknown action → InvalidAction; missing action → MissingAction', async () => {
    const a = await signedSend(server.endpoint, ROOT_KEY, 'sts', 'us-east-1', { headers: FORM, body: 'Action=StealEverything&Version=2011-06-15' });
    expect(a.status).toBe(400);
    expect(xmlCode(a.body)).toBe('InvalidAction');
    const b = await signedSend(server.endpoint, ROOT_KEY, 'sts', 'us-east-1', { headers: FORM, body: 'Version=2011-06-15' });
    expect(xmlCode(b.body)).toBe('MissingAction');
  });

  it('unknown X-Amz-Target → UnknownOperationException', async () => {
    const r = await signedSend(server.endpoint, ROOT_KEY, 'kms', 'us-east-1', {
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'NoSuchService_2020.DoThing' },
      body: '{}',
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).__type).toBe('UnknownOperationException');
  });

  it('a missing required parameter → ValidationError with AWS wording', async () => {
    const r = await signedSend(server.endpoint, ROOT_KEY, 'iam', 'us-east-1', { headers: FORM, body: 'Action=CreateUser&Version=2010-05-08' });
    expect(r.status).toBe(400);
    expect(xmlCode(r.body)).toBe('ValidationError');
    expect(r.body).toContain("Value null at 'userName' failed to satisfy constraint: Member must not be null");
  });

  it('a body over the cap → 413 RequestEntityTooLarge', async () => {
    const r = await send(server.endpoint, { method: 'POST', path: '/', headers: FORM, body: 'Action=ListUsers&x=' + 'a'.repeat(70_000) });
    expect(r.status).toBe(413);
  });

  it('a malformed form body gets a 4xx', async () => {
    const r = await signedSend(server.endpoint, ROOT_KEY, 'iam', 'us-east-1', { headers: FORM, body: 'Action=ListUsers&Version=2010-05-08&%zz=%' });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  it('random requests never produce a 5xx and the server stays up', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          target: fc.option(fc.constantFrom('AWSSecurityTokenServiceV20110615.GetCallerIdentity', 'TrentService.Encrypt', 'x.y', ''), { nil: undefined }),
          ct: fc.constantFrom('application/x-www-form-urlencoded', 'application/x-amz-json-1.1', 'text/plain', ''),
          body: fc.oneof(fc.string({ maxLength: 300 }), fc.json(), fc.constant('Action=CreateUser&Version=2010-05-08&UserName=%FF%FE')),
          service: fc.constantFrom('iam', 'sts', 'kms'),
          signed: fc.boolean(),
        }),
        async (c) => {
          const headers: Record<string, string> = {};
          if (c.ct) headers['content-type'] = c.ct;
          if (c.target !== undefined) headers['x-amz-target'] = c.target;
          const r = c.signed
            ? await signedSend(server.endpoint, ROOT_KEY, c.service, 'us-east-1', { headers, body: c.body })
            : await send(server.endpoint, { method: 'POST', path: '/', headers, body: c.body });
          expect(r.status).toBeGreaterThanOrEqual(200);
          expect(r.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    const health = await fetch(server.endpoint + '/_bulwark/health');
    expect(health.status).toBe(200);
  });

  it('a header flood is refused', async () => {
    const headers: Record<string, string> = { ...FORM };
    for (let i = 0; i < 400; i++) headers[`x-flood-${i}`] = 'y'.repeat(100);
    const r = await send(server.endpoint, { method: 'POST', path: '/', headers, body: '' }).catch(() => ({ status: 431 }));
    expect(r.status).toBe(431);
  });
});

describe('operator endpoints', () => {
  it('verify the signature before parsing the body: an unsigned or badly signed body is refused unparsed', async () => {
    const junk = '{"records": [' + '{"x":1},'.repeat(20_000) + 'BROKEN';
    const unsigned = await send(server.endpoint, { method: 'POST', path: '/_bulwark/ingest/cloudtrail', headers: { 'content-type': 'application/json' }, body: junk });
    expect(unsigned.status).toBe(403);
    expect(unsigned.body).not.toContain('SerializationException');
    const wrongKey = await signedSend(server.endpoint, { accessKeyId: ROOT_KEY.accessKeyId, secretAccessKey: 'not-the-secret' }, 'bulwark', 'us-east-1', {
      path: '/_bulwark/ingest/cloudtrail',
      headers: { 'content-type': 'application/json' },
      body: junk,
    });
    expect(wrongKey.status).toBe(403);
    expect(wrongKey.body).toContain('SignatureDoesNotMatch');
    // Correctly signed, the same body is parsed and refused as malformed.
    const signed = await signedSend(server.endpoint, ROOT_KEY, 'bulwark', 'us-east-1', { path: '/_bulwark/ingest/cloudtrail', headers: { 'content-type': 'application/json' }, body: junk });
    expect(signed.status).toBe(400);
    expect(signed.body).toContain('SerializationException');
  });
});

describe('health and metrics', () => {
  it('health answers ok/unsealed and metrics count requests', async () => {
    const h = await fetch(server.endpoint + '/_bulwark/health');
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: 'ok', sealed: false });
    const m = await (await fetch(server.endpoint + '/_bulwark/metrics')).text();
    expect(m).toMatch(/bulwark_api_requests_total\{service="sts",operation="[A-Za-z]+",status="\d+"\} \d+/);
    expect(m).toContain('bulwark_api_request_duration_seconds_bucket');
  });
});
