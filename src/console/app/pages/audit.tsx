/** Audit: CloudTrail event history (LookupEvents attributes and time range) and trail status with digest validation. */
import { useState } from 'preact/hooks';
import type { Clients, Json } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { Async, Card, Empty, ErrorBox, fmtTime, useLoad } from '../ui.tsx';

const KEYS = ['EventName', 'Username', 'EventSource', 'ResourceName', 'ResourceType', 'AccessKeyId', 'ReadOnly', 'EventId'];

function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The Audit page. */
export function AuditPage({ api }: PageProps) {
  const [key, setKey] = useState('EventName');
  const [value, setValue] = useState('');
  const [start, setStart] = useState(localInput(new Date(Date.now() - 24 * 3600_000)));
  const [end, setEnd] = useState('');
  const [query, setQuery] = useState<Json>({});
  const events = useLoad(
    () =>
      api.trail<{ Events?: Json[] }>('LookupEvents', { MaxResults: 50, ...query }).then((r) => r.Events ?? []),
    [JSON.stringify(query)],
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
          {(evs) =>
            evs.length === 0 ? (
              <Empty>No events match. Every API call to Bulwark is recorded; widen the time range or clear the attribute.</Empty>
            ) : (
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Time</th>
                      <th scope="col">Event</th>
                      <th scope="col">Source</th>
                      <th scope="col">User</th>
                      <th scope="col">Resources</th>
                    </tr>
                  </thead>
                  <tbody>
                    {evs.map((ev) => (
                      <tr>
                        <td>{fmtTime(ev.EventTime)}</td>
                        <td>
                          <details>
                            <summary>{String(ev.EventName)}</summary>
                            <pre class="evidence">{prettyJson(String(ev.CloudTrailEvent ?? '{}'))}</pre>
                          </details>
                        </td>
                        <td>{String(ev.EventSource ?? '—')}</td>
                        <td>{String(ev.Username ?? '—')}</td>
                        <td class="small">{((ev.Resources as { ResourceName?: string }[] | undefined) ?? []).map((r) => r.ResourceName).join(', ') || '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
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
  return (
    <Card title="Trails">
      <Async state={trails} what="describing trails">
        {(ts) =>
          ts.length === 0 ? (
            <Empty>No trails. Event history still works; create a trail to deliver signed log files: <code>aws cloudtrail create-trail --name main --s3-bucket-name audit</code>.</Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Trail</th>
                    <th scope="col">Logging</th>
                    <th scope="col">Last delivery</th>
                    <th scope="col">Last digest</th>
                    <th scope="col">Digest validation</th>
                  </tr>
                </thead>
                <tbody>
                  {ts.map(({ trail, status }) => {
                    const name = String(trail.Name);
                    const v = validation[name];
                    return (
                      <tr>
                        <td>
                          {name}
                          <div class="small muted">
                            s3://{String(trail.S3BucketName)}/{String(trail.S3KeyPrefix ?? '')}
                          </div>
                        </td>
                        <td>{status.IsLogging ? <span class="badge status-PASS">logging</span> : <span class="badge status-FAIL">stopped</span>}</td>
                        <td>{fmtTime(status.LatestDeliveryTime)}</td>
                        <td>{fmtTime(status.LatestDigestDeliveryTime)}</td>
                        <td>
                          {v && 'error' in v ? <ErrorBox error={v.error} what="validating" /> : null}
                          {v && 'ok' in v ? (
                            <p class={v.ok ? 'ok' : 'error'} role="status">
                              {v.ok ? 'Valid' : 'INVALID'}: {v.summary} <span class="muted small">({fmtTime(v.at.toISOString())})</span>
                            </p>
                          ) : null}
                          <button type="button" class="small" onClick={() => validate(name)}>
                            Validate digests
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </Async>
    </Card>
  );
}
