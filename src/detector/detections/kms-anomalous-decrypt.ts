/**
 * kms-anomalous-decrypt: mass decryption by a principal that never decrypted. Sees KMS calls in
 * CloudTrail (Bulwark's own audit events and imported trails); keeps per principal whether it has
 * ever called Decrypt and how much history it has. Fires the Bulwark type
 * `CredentialAccess:KMS/AnomalousDecrypt` when a principal with a history (so not a new
 * application starting up) but no Decrypt before calls Decrypt many times in a short window:
 * stolen credentials used to unwrap data keys and secrets.
 */
import type { Detection, DetectionContext, DetectionInstance, DetectorInput, FindingCandidate } from '../types.js';
import { apiCandidate, CountWindow, factsOf, LruMap } from './util.js';

const NAME = 'kms-anomalous-decrypt';
/** Decrypt calls in the window that make a mass decrypt. */
export const MASS_DECRYPTS = 20;
const WINDOW_MS = 10 * 60_000;
/** Prior API calls (any service) a principal needs before it counts as established. */
export const HISTORY_EVENTS = 50;

/** One principal's state (a class: one hidden class for all, read on every record). */
class State {
  window: CountWindow | undefined = undefined;
  constructor(public events: number, public decrypted: boolean) {}
}

class KmsAnomalousDecryptInstance implements DetectionInstance {
  private readonly principals = new LruMap<string, State>(50_000);
  constructor(private readonly ctx: DetectionContext) {}

  observe(input: DetectorInput, emit: (c: FindingCandidate) => void): void {
    if (input.kind !== 'cloudtrail') return;
    const rec = input.record;
    const f = factsOf(rec);
    if (f.serviceCaller || !rec.userIdentity) return;
    const key = f.principal;
    let s = this.principals.get(key);
    if (!s) { s = new State(0, false); this.principals.set(key, s); }
    const isDecrypt = rec.eventName === 'Decrypt' && rec.eventSource === 'kms.amazonaws.com' && !f.failed;
    if (!isDecrypt) { s.events++; return; }
    if (s.decrypted) return;
    if (s.events < HISTORY_EVENTS) { s.decrypted = true; return; }
    s.window ??= new CountWindow(WINDOW_MS, MASS_DECRYPTS);
    const n = s.window.add(f.time);
    if (n < MASS_DECRYPTS) return;
    emit(apiCandidate(this.ctx, rec, {
      type: 'CredentialAccess:KMS/AnomalousDecrypt',
      title: 'A principal that never decrypted is decrypting in bulk.',
      description: `${rec.userIdentity.arn ?? key} called kms:Decrypt ${n} times within 10 minutes after ${s.events} calls without any Decrypt.`,
      key: '',
      detection: NAME,
      additionalInfo: { decrypts: n, priorEvents: s.events },
    }));
    // Once reported, the principal is a decrypter: its later decrypts are its new normal.
    s.decrypted = true;
    s.window = undefined;
  }

  snapshot(): unknown { return [...this.principals.entries()].map(([k, s]) => [k, s.events, s.decrypted ? 1 : 0]); }
  restore(state: unknown): void {
    if (!Array.isArray(state)) return;
    for (const e of state) if (Array.isArray(e) && typeof e[0] === 'string') this.principals.set(e[0], new State(Number(e[1]) || 0, e[2] === 1));
  }
}

/** The KMS anomalous-decrypt module. */
export const kmsAnomalousDecrypt: Detection = {
  name: NAME,
  description: `KMS Decrypt by a principal with ${HISTORY_EVENTS}+ prior calls and no Decrypt ever: ${MASS_DECRYPTS}+ decrypts in 10 minutes → CredentialAccess:KMS/AnomalousDecrypt (Bulwark).`,
  inputs: ['cloudtrail'],
  findingTypes: ['CredentialAccess:KMS/AnomalousDecrypt'],
  create: (ctx) => new KmsAnomalousDecryptInstance(ctx),
};
