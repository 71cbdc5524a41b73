import { describe, expect, it } from 'vitest';
import { HISTORY_EVENTS, kmsAnomalousDecrypt, MASS_DECRYPTS } from './kms-anomalous-decrypt.js';
import { ct, ctInputs, run } from './testing.js';

const calls = (name: string, src: string, n: number, minute = 0) => Array.from({ length: n }, (_, i) => ct({ eventSource: src, eventName: name, eventTime: new Date(Date.UTC(2026, 0, 5, 10, minute, i % 60)).toISOString() }));

describe('kms-anomalous-decrypt', () => {
  it('fires once when an established principal that never decrypted decrypts in bulk', () => {
    const out = run(kmsAnomalousDecrypt, ctInputs([...calls('ListBuckets', 's3.amazonaws.com', HISTORY_EVENTS), ...calls('Decrypt', 'kms.amazonaws.com', MASS_DECRYPTS * 2, 30)]));
    expect(out.map((c) => c.type)).toEqual(['CredentialAccess:KMS/AnomalousDecrypt']);
    expect(out[0]?.additionalInfo).toEqual({ decrypts: MASS_DECRYPTS, priorEvents: HISTORY_EVENTS });
  });

  it('silent for a new application decrypting from the start, a known decrypter, or a few decrypts', () => {
    expect(run(kmsAnomalousDecrypt, ctInputs(calls('Decrypt', 'kms.amazonaws.com', 100)))).toEqual([]);
    expect(run(kmsAnomalousDecrypt, ctInputs([...calls('Decrypt', 'kms.amazonaws.com', 1), ...calls('ListBuckets', 's3.amazonaws.com', HISTORY_EVENTS), ...calls('Decrypt', 'kms.amazonaws.com', 50, 30)]))).toEqual([]);
    expect(run(kmsAnomalousDecrypt, ctInputs([...calls('ListBuckets', 's3.amazonaws.com', HISTORY_EVENTS), ...calls('Decrypt', 'kms.amazonaws.com', MASS_DECRYPTS - 1, 30)]))).toEqual([]);
  });
});
