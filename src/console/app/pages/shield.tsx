/** Shield: protections, attacks on a timeline, and an attack's top contributors and mitigations. */
import { useState } from 'preact/hooks';
import { ApiError, type Clients, type Json } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { DataTable, type Column } from '../table.tsx';
import { Async, Card, Empty, ErrorBox, Facts, FormActions, Panel, TimeChart, fmtTime, useLoad, useSubmit } from '../ui.tsx';
import type { Site } from './waf.tsx';

/** AWS answers ResourceNotFoundException for "no subscription" and "no protections yet". */
const notFound = (e: unknown): boolean => e instanceof ApiError && e.code === 'ResourceNotFoundException';

const DAY = 86_400;

/** Epoch seconds of an AWS JSON timestamp. */
export function epoch(t: unknown): number {
  if (typeof t === 'number') return t;
  return Math.floor(new Date(String(t)).getTime() / 1000);
}

/** Lists attacks of the last `days` days. */
export async function listAttacks(api: Clients, days = 7): Promise<Json[]> {
  const now = Math.floor(Date.now() / 1000);
  const r = await api.shield<{ AttackSummaries?: Json[] }>('ListAttacks', { StartTime: { FromInclusive: now - days * DAY }, EndTime: { ToExclusive: now + 60 }, MaxResults: 100 });
  return r.AttackSummaries ?? [];
}

/** An attack's vector types, comma-separated. */
export const vectors = (a: Json): string => ((a.AttackVectors as { VectorType: string }[] | undefined) ?? []).map((v) => v.VectorType).join(', ');

const arnCell = (x: Json) => <code>{String(x.ResourceArn)}</code>;

const PROTECTION_COLUMNS: Column<Json>[] = [
  { header: 'Name', cell: (p) => String(p.Name) },
  { header: 'Resource', cell: arnCell },
  { header: 'Health checks', cell: (p) => ((p.HealthCheckIds as string[] | undefined) ?? []).length || '—' },
];

const CONTRIBUTOR_COLUMNS: Column<{ Name: string; Value: number }>[] = [
  { header: 'Top contributor', cell: (c) => c.Name },
  { header: 'Value', cell: (c) => c.Value },
];

/** The Shield page. */
export function ShieldPage({ api }: PageProps) {
  const [open, setOpen] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const subscription = useLoad(() => api.shield<{ Subscription?: Json }>('DescribeSubscription', {}).then((r) => r.Subscription ?? null, (e: unknown) => (notFound(e) ? null : Promise.reject(e))));
  const protections = useLoad(() => api.shield<{ Protections?: Json[] }>('ListProtections', { MaxResults: 100 }).then((r) => r.Protections ?? [], (e: unknown) => (notFound(e) ? [] : Promise.reject(e))));
  const attacks = useLoad(() => listAttacks(api));
  const attackColumns: Column<Json>[] = [
    {
      header: 'Attack',
      cell: (a) => (
        <button type="button" class="link" onClick={() => setOpen(String(a.AttackId))}>
          {String(a.AttackId)}
        </button>
      ),
    },
    { header: 'Resource', cell: arnCell },
    { header: 'Vectors', cell: (a) => vectors(a) || '—' },
    { header: 'Start', cell: (a) => fmtTime(a.StartTime) },
    { header: 'End', cell: (a) => (a.EndTime === undefined ? <span class="badge sev-High">ongoing</span> : fmtTime(a.EndTime)) },
  ];
  const subscribe = async () => {
    setActionError(undefined);
    try {
      await api.shield('CreateSubscription', {});
      subscription.reload();
    } catch (e) {
      setActionError(e);
    }
  };
  return (
    <>
      <h1>Shield</h1>
      {actionError ? <ErrorBox error={actionError} /> : null}
      <Card title="Subscription">
        <Async state={subscription} what="describing the subscription">
          {(sub) =>
            sub === null ? (
              <div class="actions">
                <Empty>No Shield Advanced subscription: protections and attack diagnostics need one.</Empty>
                <button type="button" onClick={subscribe}>
                  Create subscription
                </button>
              </div>
            ) : (
              <Facts
                items={[
                  ['Since', fmtTime(sub.StartTime)],
                  ['Auto renew', String(sub.AutoRenew ?? '—')],
                  ['Proactive engagement', String(sub.ProactiveEngagementStatus ?? 'DISABLED')],
                ]}
              />
            )
          }
        </Async>
      </Card>
      {creating ? (
        <CreateProtection
          api={api}
          onDone={(ok) => {
            setCreating(false);
            if (ok) protections.reload();
          }}
        />
      ) : null}
      <Card title="Protections" actions={<><button type="button" onClick={() => setCreating(true)}>Create protection</button><button type="button" class="secondary" onClick={protections.reload}>Refresh</button></>}>
        <Async state={protections} what="listing protections">
          {(ps) => <DataTable columns={PROTECTION_COLUMNS} rows={ps} rowKey={(p) => String(p.Id ?? p.Name)} empty="No Shield protections. Choose “Create protection” to protect a site." />}
        </Async>
      </Card>
      <Card title="Attacks" actions={<button type="button" class="secondary" onClick={attacks.reload}>Refresh</button>}>
        <Async state={attacks} what="listing attacks">
          {(as) => {
            if (as.length === 0) return <Empty>No attacks detected in the last 7 days.</Empty>;
            const now = Math.floor(Date.now() / 1000);
            const start = Math.floor((now - 7 * DAY) / 3600) * 3600;
            const times: number[] = [];
            for (let t = start; t <= now; t += 3600) times.push(t);
            const active = times.map((t) => as.filter((a) => epoch(a.StartTime) < t + 3600 && (a.EndTime === undefined || epoch(a.EndTime) >= t)).length);
            return (
              <>
                <TimeChart title="Attacks in progress per hour" kind="bars" unit="attacks" height={160} times={times} series={[{ label: 'Attacks', color: '#c0262d', values: active }]} />
                <DataTable columns={attackColumns} rows={as} rowKey={(a) => String(a.AttackId)} empty="" />
              </>
            );
          }}
        </Async>
      </Card>
      {open ? <AttackDetail api={api} id={open} onClose={() => setOpen(undefined)} /> : null}
    </>
  );
}

function AttackDetail({ api, id, onClose }: { api: Clients; id: string; onClose: () => void }) {
  const attack = useLoad(() => api.shield<{ Attack: Json }>('DescribeAttack', { AttackId: id }).then((r) => r.Attack), [id]);
  return (
    <Panel title={`Attack ${id}`}>
      <Async state={attack} what="describing the attack">
        {(a) => (
          <>
            <Facts
              items={[
                ['Resource', arnCell(a)],
                ['Time', `${fmtTime(a.StartTime)} – ${a.EndTime === undefined ? 'ongoing' : fmtTime(a.EndTime)}`],
                ['Mitigations', ((a.Mitigations as { MitigationName: string }[] | undefined) ?? []).map((m) => m.MitigationName).join(', ') || 'none recorded'],
              ]}
            />
            {((a.AttackProperties as Json[] | undefined) ?? []).map((p) => (
              <section>
                <h4>
                  {String(p.AttackLayer)} · {String(p.AttackPropertyIdentifier)} (total {String(p.Total ?? '—')} {String(p.Unit ?? '')})
                </h4>
                <DataTable columns={CONTRIBUTOR_COLUMNS} rows={(p.TopContributors as { Name: string; Value: number }[] | undefined) ?? []} rowKey={(c) => c.Name} empty="No top contributors recorded." />
              </section>
            ))}
            <div class="actions">
              <button type="button" class="secondary" onClick={onClose}>
                Close
              </button>
            </div>
          </>
        )}
      </Async>
    </Panel>
  );
}

function CreateProtection({ api, onDone }: { api: Clients; onDone: (ok: boolean) => void }) {
  const sites = useLoad(() => api.bulwark<{ sites: Site[] }>('sites').then((r) => r.sites));
  const [name, setName] = useState('');
  const [arn, setArn] = useState('');
  const chosen = arn || sites.data?.[0]?.arn || '';
  const { busy, error, submit } = useSubmit(async () => {
    await api.shield('CreateProtection', { Name: name, ResourceArn: chosen });
    onDone(true);
  });
  return (
    <Panel title="Create a Shield protection">
      <form class="form-grid" onSubmit={submit}>
        <label for="prot-name">Protection name</label>
        <input id="prot-name" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for="prot-site">Site to protect</label>
        <select id="prot-site" value={chosen} onChange={(e) => setArn((e.target as HTMLSelectElement).value)}>
          {(sites.data ?? []).map((s) => (
            <option value={s.arn}>{s.name}</option>
          ))}
        </select>
        {sites.error ? <ErrorBox error={sites.error} what="listing sites" /> : null}
        <FormActions submit="Create" busy={busy} error={error} what="creating the protection" onCancel={() => onDone(false)} />
      </form>
    </Panel>
  );
}
