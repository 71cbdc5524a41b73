/** Audit: CloudTrail event history (LookupEvents attributes and time range) and trail status with digest validation. */
import { useState } from 'preact/hooks';
import type { Clients, Json } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { DataTable, type Column } from '../table.tsx';
import { Async, Card, ErrorBox, fmtTime, useLoad, usePaged } from '../ui.tsx';

const KEYS = ['EventName', 'Username', 'EventSource', 'ResourceName', 'ResourceType', 'AccessKeyId', 'ReadOnly', 'EventId'];

function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const EVENT_COLUMNS: Column<Json>[] = [
  { header: 'Time', cell: (ev) => fmtTime(ev.EventTime) },
  {
    header: 'Event',
    cell: (ev) => (
      <details>
        <summary>{String(ev.EventName)}</summary>
        <pre class="evidence">{prettyJson(String(ev.CloudTrailEvent ?? '{}'))}</pre>
      </details>
    ),
  },
  { header: 'Source', cell: (ev) => String(ev.EventSource ?? '—') },
  { header: 'User', cell: (ev) => String(ev.Username ?? '—') },
  { header: 'Resources', class: 'small', cell: (ev) => ((ev.Resources as { ResourceName?: string }[] | undefined) ?? []).map((r) => r.ResourceName).join(', ') || '—' },
];

/** The Audit page. */
export function AuditPage({ api }: PageProps) {
  const [key, setKey] = useState('EventName');
  const [value, setValue] = useState('');
  const [start, setStart] = useState(localInput(new Date(Date.now() - 24 * 3600_000)));
  const [end, setEnd] = useState('');
  const [query, setQuery] = useState<Json>({});
  const events = usePaged(
    (token) => api.trail<{ Events?: Json[]; NextToken?: string }>('LookupEvents', { MaxResults: 50, ...query, ...(token ? { NextToken: token } : {}) }).then((r) => ({ items: r.Events ?? [], next: r.NextToken })),
    [JSON.stringify(query)],
    'Load more events',
  );
  const search = (e: Event) => {
    e.preventDefault();
    const q: Json = {};
    if (value.trim()) q.LookupAttributes = [{ AttributeKey: key, AttributeValue: value.trim() }];
    if (start) q.StartTime = Math.floor(new Date(start).getTime() / 1000);
    if (end) q.EndTime = Math.floor(new Date(end).getTime() / 1000);
    setQuery(q);
  };
  return (
    <>
      <h1>Audit</h1>
      <TrailsCard api={api} />
      <Card title="Event history">
        <form class="filters" onSubmit={search}>
          <label for="ev-key">Lookup attribute</label>
          <select id="ev-key" value={key} onChange={(e) => setKey((e.target as HTMLSelectElement).value)}>
            {KEYS.map((k) => (
              <option value={k}>{k}</option>
            ))}
          </select>
          <label for="ev-value">Attribute value</label>
          <input id="ev-value" value={value} placeholder="e.g. CreateKey" onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
          <label for="ev-start">From</label>
          <input id="ev-start" type="datetime-local" value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} />
          <label for="ev-end">To</label>
          <input id="ev-end" type="datetime-local" value={end} onInput={(e) => setEnd((e.target as HTMLInputElement).value)} />
          <button type="submit">Search events</button>
        </form>
        <Async state={events} what="looking up events">
          {(evs) => <DataTable columns={EVENT_COLUMNS} rows={evs} rowKey={(ev) => String(ev.EventId)} paging={events.paging} empty="No events match. Every API call to Bulwark is recorded; widen the time range or clear the attribute." />}
        </Async>
      </Card>
    </>
  );
}

function prettyJson(s: string): string {
  try {
    return JSON.stringify(JSON.parse(s), null, 2);
  } catch {
    return s;
  }
}

function TrailsCard({ api }: { api: Clients }) {
  const trails = useLoad(async () => {
    const r = await api.trail<{ trailList?: Json[] }>('DescribeTrails', {});
    return Promise.all((r.trailList ?? []).map(async (t) => ({ trail: t, status: await api.trail<Json>('GetTrailStatus', { Name: t.Name }) })));
  });
  const [validation, setValidation] = useState<Record<string, { ok: boolean; summary: string; at: Date } | { error: unknown }>>({});
  const validate = async (name: string) => {
    try {
      const r = await api.bulwark<{ ok: boolean; summary: string }>('trail/validate', { trail: name });
      setValidation((v) => ({ ...v, [name]: { ok: r.ok, summary: r.summary, at: new Date() } }));
    } catch (error) {
      setValidation((v) => ({ ...v, [name]: { error } }));
    }
  };
  const columns: Column<{ trail: Json; status: Json }>[] = [
    {
      header: 'Trail',
      cell: ({ trail }) => (
        <>
          {String(trail.Name)}
          <div class="small muted">
            s3://{String(trail.S3BucketName)}/{String(trail.S3KeyPrefix ?? '')}
          </div>
        </>
      ),
    },
    { header: 'Logging', cell: ({ status }) => (status.IsLogging ? <span class="badge status-PASS">logging</span> : <span class="badge status-FAIL">stopped</span>) },
    { header: 'Last delivery', cell: ({ status }) => fmtTime(status.LatestDeliveryTime) },
    { header: 'Last digest', cell: ({ status }) => fmtTime(status.LatestDigestDeliveryTime) },
    {
      header: 'Digest validation',
      cell: ({ trail }) => {
        const name = String(trail.Name);
        const v = validation[name];
        return (
          <>
            {v && 'error' in v ? <ErrorBox error={v.error} what="validating" /> : null}
            {v && 'ok' in v ? (
              <p class={v.ok ? 'ok' : 'error'} role="status">
                {v.ok ? 'Valid' : 'INVALID'}: {v.summary} <span class="muted small">({fmtTime(v.at.toISOString())})</span>
              </p>
            ) : null}
            <button type="button" class="small" onClick={() => validate(name)}>
              Validate digests
            </button>
          </>
        );
      },
    },
  ];
  return (
    <Card title="Trails">
      <Async state={trails} what="describing trails">
        {(ts) => (
          <DataTable
            columns={columns}
            rows={ts}
            rowKey={({ trail }) => String(trail.Name)}
            empty={
              <>
                No trails. Event history still works; create a trail to deliver signed log files: <code>aws cloudtrail create-trail --name main --s3-bucket-name audit</code>.
              </>
            }
          />
        )}
      </Async>
    </Card>
  );
}
