/** Runs every catalogue control's check against the sources and assembles the posture report. */
import type { CatalogueControl, Check, CheckOutcome, ControlReport, PostureReport, PostureSources, Severity } from './types.js';
import { SEVERITIES } from './types.js';

/** A check that has not answered after this long reports ERROR. */
export const CHECK_TIMEOUT_MS = 15_000;

/** Inputs of {@link runPosture}. */
export interface RunPostureOptions {
  readonly catalogue: readonly CatalogueControl[];
  readonly checks: ReadonlyMap<string, Check>;
  readonly sources: PostureSources;
  readonly version: string;
  readonly now?: Date;
  readonly timeoutMs?: number;
}

async function runOne(check: Check, control: CatalogueControl, sources: PostureSources, now: Date, timeoutMs: number): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'ERROR', evidence: `the check did not finish within ${timeoutMs / 1000} s` }), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([check({ sources, now, control }), timeout]);
  } catch (e) {
    return { status: 'ERROR', evidence: `the check failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs all controls (concurrently) and returns the report. */
export async function runPosture(o: RunPostureOptions): Promise<PostureReport> {
  const now = o.now ?? new Date();
  const timeoutMs = o.timeoutMs ?? CHECK_TIMEOUT_MS;
  const outcomes = await Promise.all(
    o.catalogue.map((c) => {
      const check = o.checks.get(c.check);
      return check ? runOne(check, c, o.sources, now, timeoutMs) : Promise.resolve<CheckOutcome>({ status: 'ERROR', evidence: `unknown check ${c.check}` });
    }),
  );
  const controls: ControlReport[] = o.catalogue.map((c, i) => {
    const r = outcomes[i]!;
    const failed = r.status === 'FAIL';
    return {
      id: c.id,
      title: c.title,
      description: c.description,
      responsibility: c.responsibility,
      service: c.service,
      topic: c.topic,
      severity: c.severity,
      nist: [...c.nist],
      status: r.status,
      evidence: r.evidence,
      ...(c.platformPart ? { platformPart: c.platformPart } : {}),
      ...(c.customerPart ? { customerPart: c.customerPart } : {}),
      ...(failed && c.remediation ? { remediation: c.remediation } : {}),
      ...(failed && r.commands && r.commands.length > 0 ? { commands: [...r.commands] } : {}),
      ...(r.resources && r.resources.length > 0 ? { resources: r.resources.map((x) => ({ id: x.id, status: x.status, ...(x.detail !== undefined ? { detail: x.detail } : {}) })) } : {}),
    };
  });
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let pass = 0, fail = 0, notApplicable = 0, error = 0;
  for (const c of controls) {
    if (c.status === 'PASS') pass++;
    else if (c.status === 'FAIL') {
      fail++;
      bySeverity[c.severity]++;
    } else if (c.status === 'NOT_APPLICABLE') notApplicable++;
    else error++;
  }
  return { generatedAt: now.toISOString(), bulwarkVersion: o.version, summary: { pass, fail, notApplicable, error, bySeverity }, controls };
}

/**
 * True when a failing or erroring control is at or above `threshold` (what `--fail-on` gates on; a
 * check that could not decide fails the gate closed). 'NONE' never gates.
 */
export function failsAt(controls: readonly { readonly severity: Severity; readonly status: string }[], threshold: Severity | 'NONE'): boolean {
  if (threshold === 'NONE') return false;
  const min = SEVERITIES.indexOf(threshold);
  return controls.some((c) => (c.status === 'FAIL' || c.status === 'ERROR') && SEVERITIES.indexOf(c.severity) >= min);
}
