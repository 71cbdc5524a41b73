import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialOf } from './credential.js';

const CREDENTIAL_RE = /Credential=([^,\s]+)/;

describe('credentialOf', () => {
  it('captures what /Credential=([^,\\s]+)/ captures', () => {
    const piece = fc.constantFrom('Credential=', 'Credential', '=', ',', ' ', '\t', '\u00a0', '\u2003', '\ufeff', '\u200b', 'AKID/20261207/us-east-1/sts/aws4_request', 'x', '/', 'é');
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ maxLength: 4 })), { maxLength: 8 }), (parts) => {
        const s = parts.join('');
        expect(credentialOf(s)).toBe(CREDENTIAL_RE.exec(s)?.[1]);
      }),
      { numRuns: 3000 },
    );
    for (let c = 0; c < 0x10000; c++) {
      const s = 'Credential=' + String.fromCharCode(c) + 'x';
      expect(credentialOf(s)).toBe(CREDENTIAL_RE.exec(s)?.[1]);
    }
  });
});
