import { describe, expect, it } from 'vitest';
import { signRequest } from './sign.js';
import { SigV4Verifier } from './sigv4.js';

describe('signRequest', () => {
  it('produces requests the verifier accepts, and a wrong secret fails', async () => {
    const creds = { accessKeyId: 'AKIASIGNTEST00000001', secretAccessKey: 'sign-test-secret' };
    const url = new URL('http://127.0.0.1:4599/_bulwark/seal?x=1 2');
    const body = Buffer.from('{}');
    const headers = signRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body, region: 'us-east-1', service: 'bulwark', credentials: creds });
    const parts = { method: 'POST', path: url.pathname, query: url.search.slice(1), headers, body };
    const v = new SigV4Verifier();
    const ok = await v.verify(parts, async () => ({ secretAccessKey: creds.secretAccessKey }));
    expect(ok.scope.service).toBe('bulwark');
    await expect(v.verify(parts, async () => ({ secretAccessKey: 'other' }))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});
