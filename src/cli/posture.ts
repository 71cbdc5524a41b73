/**
 * `bulwark posture`: the node's shared responsibility posture, from the signed /_bulwark/posture
 * endpoint. Prints a table grouped by responsibility with the commands that fix failing controls,
 * or JSON / OSCAL; exits 1 when a control at or above --fail-on (default HIGH) fails, to gate CI.
 */
import { Command, Option } from 'commander';
// The report logic only (not the checks): client commands start without loading the server.
import { failsAt } from '../posture/engine.js';
import { SEVERITIES, type ControlReport, type PostureReport, type Severity } from '../posture/types.js';
import { addressOption, dataDirOption, fail, signedCall, type ClientOptions } from './client.js';

const LABEL: Record<ControlReport['status'], string> = { PASS: 'PASS', FAIL: 'FAIL', NOT_APPLICABLE: 'N/A ', ERROR: 'ERR ' };
const GROUPS: readonly [ControlReport['responsibility'], string][] = [
  ['inherited', "INHERITED — Bulwark's part, proven by self-tests"],
  ['shared', 'SHARED — Bulwark provides the mechanism, you configure it'],
  ['customer', 'CUSTOMER — yours to do; Bulwark checks it'],
];

/** Options of `bulwark posture`. */
interface PostureOptions extends ClientOptions {
  failOn: string;
  format: 'table' | 'json' | 'oscal-ar' | 'oscal-cd';
}

function wrap(text: string, indent: string, width = 110): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + w.length > width) {
      out.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(indent + line);
  return out;
}

/** Renders the report as the grouped table `bulwark posture` prints. */
export function renderTable(r: PostureReport, failOn: string): string {
  const L: string[] = [`Bulwark ${r.bulwarkVersion} posture at ${r.generatedAt}`, ''];
  const idWidth = Math.max(...r.controls.map((c) => c.id.length));
  for (const [resp, heading] of GROUPS) {
    const cs = r.controls.filter((c) => c.responsibility === resp);
    if (cs.length === 0) continue;
    L.push(heading);
    for (const c of cs) {
      L.push(`  ${LABEL[c.status]}  ${c.id.padEnd(idWidth)}  ${c.severity.padEnd(8)}  ${c.title}`);
      const pad = ' '.repeat(8);
      if (c.status !== 'PASS') L.push(...wrap(c.evidence, pad));
      if (c.status === 'FAIL') {
        if (c.remediation) L.push(...wrap(`Fix: ${c.remediation}`, pad));
        for (const cmd of c.commands ?? []) L.push(`${pad}  $ ${cmd}`);
      }
    }
    L.push('');
  }
  const s = r.summary;
  const sev = SEVERITIES.slice().reverse().filter((x) => s.bySeverity[x] > 0).map((x) => `${s.bySeverity[x]} ${x}`).join(', ');
  const gate = failOn === 'NONE' ? 'not gating' : failsAt(r.controls, failOn as Severity | 'NONE') ? `controls at or above ${failOn} fail: exit 1` : `nothing at or above ${failOn} fails`;
  L.push(`Summary: ${s.pass} pass, ${s.fail} fail${sev ? ` (${sev})` : ''}, ${s.notApplicable} not applicable, ${s.error} error — ${gate}`);
  return L.join('\n') + '\n';
}

/** The findings of OSCAL assessment results as severity/status pairs, for the exit code. */
function oscalFindings(doc: Record<string, unknown>): { severity: Severity; status: string }[] {
  const ar = doc['assessment-results'] as { results?: { findings?: { props?: { name: string; value: string }[]; target: { status: { state: string; reason?: string } } }[] }[] } | undefined;
  return (ar?.results?.[0]?.findings ?? []).map((f) => ({
    severity: (f.props?.find((p) => p.name === 'severity')?.value ?? 'LOW') as Severity,
    status: f.target.status.state === 'not-satisfied' ? 'FAIL' : 'PASS',
  }));
}

/** The `posture` command. */
export function postureCommand(): Command {
  return new Command('posture')
    .description('Shared responsibility posture: what Bulwark covers, what is shared, what the operator still has to do (with the commands)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a control of this severity or higher fails or errors').choices(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'NONE']).default('HIGH'))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'oscal-ar', 'oscal-cd']).default('table'))
    .addOption(addressOption())
    .addOption(dataDirOption())
    .action(async (o: PostureOptions) => {
      try {
        const wire = o.format === 'table' ? 'json' : o.format;
        const r = await signedCall(o, '/_bulwark/posture', { format: wire });
        const controls = o.format === 'oscal-ar' ? oscalFindings(r) : o.format === 'oscal-cd' ? [] : (r as unknown as PostureReport).controls;
        const text = o.format === 'table' ? renderTable(r as unknown as PostureReport, o.failOn) : JSON.stringify(r, null, 2) + '\n';
        // Exit only once the output is flushed: a pipe would otherwise lose its tail.
        process.stdout.write(text, () => process.exit(failsAt(controls, o.failOn as Severity | 'NONE') ? 1 : 0));
      } catch (e) {
        fail(e);
      }
    });
}
