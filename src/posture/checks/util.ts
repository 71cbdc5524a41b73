/** Helpers the checks share: outcomes from per-resource results, shell quoting, policy statements. */
import type { CheckOutcome, ResourceResult } from '../types.js';

/** The reason a control reports when its service's provider is absent. */
export const SERVICE_NOT_AVAILABLE = 'service not available in this build';

/** A NOT_APPLICABLE outcome. */
export function notApplicable(evidence: string): CheckOutcome {
  return { status: 'NOT_APPLICABLE', evidence };
}

/**
 * The outcome of a per-resource check: FAIL when any resource fails (with the commands for the
 * failing ones), PASS when all pass, NOT_APPLICABLE when there is nothing in scope.
 */
export function fromResources(what: string, resources: readonly ResourceResult[], commands: readonly string[] = []): CheckOutcome {
  if (resources.length === 0) return notApplicable(`no ${what} in scope`);
  const failing = resources.filter((r) => r.status === 'FAIL');
  if (failing.length === 0) return { status: 'PASS', evidence: `${resources.length} of ${resources.length} ${what} pass`, resources };
  return {
    status: 'FAIL',
    evidence: `${failing.length} of ${resources.length} ${what} fail: ${failing.map((r) => r.id).join(', ')}`,
    resources,
    commands,
  };
}

/** Quotes a value for a POSIX shell command line when it needs it. */
export function sh(v: string): string {
  return /^[A-Za-z0-9_./:@=,+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** One policy statement, loosely typed (documents come from stores that validated them). */
export interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Condition?: unknown;
}

/** The statements of a policy document (JSON text); [] when it does not parse. */
export function statementsOf(document: string): Statement[] {
  let doc: unknown;
  try {
    doc = JSON.parse(document);
  } catch {
    return [];
  }
  const s = (doc as { Statement?: unknown } | null)?.Statement;
  if (Array.isArray(s)) return s.filter((x): x is Statement => typeof x === 'object' && x !== null);
  return typeof s === 'object' && s !== null ? [s as Statement] : [];
}

/** True when `v` is "*" or a list containing "*". */
export function hasStar(v: unknown): boolean {
  return v === '*' || (Array.isArray(v) && v.includes('*'));
}

/** Days between an ISO date and now. */
export function ageDays(iso: string, now: Date): number {
  return (now.getTime() - Date.parse(iso)) / 86_400_000;
}
