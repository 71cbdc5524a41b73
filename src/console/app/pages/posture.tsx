/** Posture: the shared responsibility matrix with pass/fail per control and the fix command. */
import { useState } from 'preact/hooks';
import type { Clients } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { DataTable, type Column } from '../table.tsx';
import { Async, Card, fmtTime, useLoad } from '../ui.tsx';

/** One control of the posture report. */
export interface Control {
  id: string;
  title: string;
  description: string;
  responsibility: 'inherited' | 'shared' | 'customer';
  service: string;
  topic: string;
  severity: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  nist: string[];
  status: 'PASS' | 'FAIL' | 'NOT_APPLICABLE' | 'ERROR';
  evidence: unknown;
  platformPart?: string;
  customerPart?: string;
  remediation?: string;
  commands?: string[];
  resources?: { id: string; status: string; detail?: string }[];
}

/** The posture report (POST /_bulwark/posture). */
export interface PostureReport {
  generatedAt: string;
  bulwarkVersion: string;
  summary: { pass: number; fail: number; notApplicable: number; error: number; bySeverity?: Record<string, unknown> };
  controls: Control[];
}

/** Runs the posture checks. */
export function runPosture(api: Clients): Promise<PostureReport> {
  return api.bulwark<PostureReport>('posture', { format: 'json' });
}

const STATUS_LABEL = { PASS: 'Pass', FAIL: 'Fail', NOT_APPLICABLE: 'Not applicable', ERROR: 'Error' } as const;

const COLUMNS: Column<Control>[] = [
  {
    header: 'Control',
    cell: (c) => (
      <details>
        <summary>
          <strong>{c.id}</strong> {c.title}
        </summary>
        <p>{c.description}</p>
        {c.platformPart ? <p><strong>Bulwark does:</strong> {c.platformPart}</p> : null}
        {c.customerPart ? <p><strong>You do:</strong> {c.customerPart}</p> : null}
        <p class="small">
          {c.service} · {c.topic} · NIST {c.nist.join(', ')}
        </p>
        <pre class="evidence">{typeof c.evidence === 'string' ? c.evidence : JSON.stringify(c.evidence, null, 2)}</pre>
        {c.resources?.length ? (
          <ul class="plain small">
            {c.resources.map((x) => (
              <li>
                {x.id}: {x.status}
                {x.detail ? ` (${x.detail})` : ''}
              </li>
            ))}
          </ul>
        ) : null}
      </details>
    ),
  },
  { header: 'Responsibility', cell: (c) => c.responsibility },
  { header: 'Severity', cell: (c) => c.severity },
  { header: 'Status', cell: (c) => <span class={`badge status-${c.status}`}>{STATUS_LABEL[c.status] ?? c.status}</span> },
  {
    header: 'Fix',
    cell: (c) =>
      c.status === 'FAIL' || c.status === 'ERROR' ? (
        <>
          {c.remediation ? <p class="small">{c.remediation}</p> : null}
          {(c.commands ?? []).map((cmd) => (
            <pre class="cmd">
              <code>{cmd}</code>
            </pre>
          ))}
        </>
      ) : (
        <span class="muted">—</span>
      ),
  },
];

/** The Posture page. */
export function PosturePage({ api }: PageProps) {
  const report = useLoad(() => runPosture(api));
  const [show, setShow] = useState<'all' | 'FAIL'>('all');
  return (
    <>
      <h1>Posture</h1>
      <Card title="Shared responsibility matrix" actions={<button type="button" onClick={report.reload}>Run checks</button>}>
        <Async state={report} what="running the posture checks">
          {(r) => {
            const controls = r.controls.filter((c) => show === 'all' || c.status === 'FAIL');
            return (
              <>
                <p class="summary" data-testid="posture-summary">
                  <span class="badge status-PASS">{r.summary.pass} pass</span> <span class="badge status-FAIL">{r.summary.fail} fail</span> <span class="badge status-NOT_APPLICABLE">{r.summary.notApplicable} not applicable</span>{' '}
                  <span class="badge status-ERROR">{r.summary.error} error</span> <span class="muted small">checked {fmtTime(r.generatedAt)} by Bulwark {r.bulwarkVersion}</span>
                </p>
                <label class="inline">
                  <input type="checkbox" checked={show === 'FAIL'} onChange={(e) => setShow((e.target as HTMLInputElement).checked ? 'FAIL' : 'all')} /> Failing controls only
                </label>
                <DataTable class="posture" columns={COLUMNS} rows={controls} rowKey={(c) => c.id} keyAttr="data-control" empty={show === 'FAIL' ? 'No failing controls.' : 'The report has no controls.'} />
              </>
            );
          }}
        </Async>
      </Card>
    </>
  );
}
