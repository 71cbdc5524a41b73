/** GuardDuty: findings (filter, sort, archive), finding detail with raw JSON, suppression rules, findings over time. */
import { useState } from 'preact/hooks';
import type { Clients, Json } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { Async, Card, Empty, ErrorBox, Panel, TimeChart, fmtTime, useLoad } from '../ui.tsx';

/** GuardDuty's severity bands. */
export function severityName(s: number): 'Critical' | 'High' | 'Medium' | 'Low' {
  if (s >= 9) return 'Critical';
  if (s >= 7) return 'High';
  if (s >= 4) return 'Medium';
  return 'Low';
}

/** The first detector id, or undefined when there is none. */
export async function detectorId(api: Clients): Promise<string | undefined> {
  const r = await api.gd<{ detectorIds?: string[] }>('ListDetectors', 'GET', '/detector');
  return r.detectorIds?.[0];
}

/** Lists and fetches findings matching criteria. */
export async function loadFindings(api: Clients, id: string, criterion: Json, sort: { attributeName: string; orderBy: string }): Promise<Json[]> {
  const list = await api.gd<{ findingIds?: string[] }>('ListFindings', 'POST', `/detector/${id}/findings`, { findingCriteria: { criterion }, sortCriteria: sort, maxResults: 50 });
  const ids = list.findingIds ?? [];
  if (ids.length === 0) return [];
  const got = await api.gd<{ findings?: Json[] }>('GetFindings', 'POST', `/detector/${id}/findings/get`, { findingIds: ids, sortCriteria: sort });
  return got.findings ?? [];
}

/** A finding's resource in a few words. */
export function resourceOf(f: Json): string {
  const r = (f.resource ?? {}) as Json;
  const t = String(r.resourceType ?? '—');
  const ak = r.accessKeyDetails as Json | undefined;
  const inst = r.instanceDetails as Json | undefined;
  if (ak?.accessKeyId) return `${t}: ${String(ak.userName ?? ak.accessKeyId)}`;
  if (inst?.instanceId) return `${t}: ${String(inst.instanceId)}`;
  return t;
}

/** The GuardDuty page. */
export function GuardDutyPage({ api }: PageProps) {
  const [minSeverity, setMinSeverity] = useState('0');
  const [type, setType] = useState('');
  const [archived, setArchived] = useState(false);
  const [sort, setSort] = useState('updatedAt');
  const [open, setOpen] = useState<Json | undefined>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [actionError, setActionError] = useState<unknown>();
  const [message, setMessage] = useState<string | undefined>();
  const [suppressing, setSuppressing] = useState(false);
  const det = useLoad(() => detectorId(api));
  const id = det.data;
  const findings = useLoad(async () => {
    if (!id) return [];
    const criterion: Json = { 'service.archived': { eq: [String(archived)] } };
    if (Number(minSeverity) > 0) criterion.severity = { gte: Number(minSeverity) };
    if (type.trim()) criterion.type = { eq: [type.trim()] };
    return loadFindings(api, id, criterion, { attributeName: sort, orderBy: sort === 'type' ? 'ASC' : 'DESC' });
  }, [id, minSeverity, type, archived, sort]);
  const filters = useLoad(async () => {
    if (!id) return [];
    const r = await api.gd<{ filterNames?: string[] }>('ListFilters', 'GET', `/detector/${id}/filter`);
    return Promise.all((r.filterNames ?? []).map((n) => api.gd<Json>('GetFilter', 'GET', `/detector/${id}/filter/${encodeURIComponent(n)}`)));
  }, [id]);
  const archive = async (ids: string[], un = false) => {
    if (!id) return;
    setActionError(undefined);
    try {
      await api.gd(un ? 'UnarchiveFindings' : 'ArchiveFindings', 'POST', `/detector/${id}/findings/${un ? 'unarchive' : 'archive'}`, { findingIds: ids });
      setMessage(`${un ? 'Unarchived' : 'Archived'} ${ids.length} finding${ids.length === 1 ? '' : 's'}`);
      setSelected(new Set());
      setOpen(undefined);
      findings.reload();
    } catch (e) {
      setActionError(e);
    }
  };
  if (det.error !== undefined) {
    return (
      <>
        <h1>GuardDuty</h1>
        <ErrorBox error={det.error} what="listing detectors" />
      </>
    );
  }
  if (det.loading && det.data === undefined) return <h1>GuardDuty</h1>;
  if (!id) {
    return (
      <>
        <h1>GuardDuty</h1>
        <Empty>No GuardDuty detector in this account. Create one with <code>aws guardduty create-detector --enable</code>.</Empty>
      </>
    );
  }
  const rows = findings.data ?? [];
  // Findings over time: per day of last update.
  const days = new Map<number, number>();
  for (const f of rows) {
    const d = Math.floor(new Date(String(f.updatedAt)).getTime() / 86_400_000) * 86_400;
    if (!Number.isNaN(d)) days.set(d, (days.get(d) ?? 0) + 1);
  }
  // Daily buckets for the last 14 days (and back to the oldest finding shown, up to 90 days).
  const today = Math.floor(Date.now() / 86_400_000) * 86_400;
  const oldest = Math.max(today - 90 * 86_400, Math.min(today - 13 * 86_400, ...days.keys()));
  const times: number[] = [];
  for (let t = oldest; t <= today; t += 86_400) times.push(t);
  return (
    <>
      <h1>GuardDuty</h1>
      {message ? (
        <p class="ok" role="status">
          {message}
        </p>
      ) : null}
      {actionError ? <ErrorBox error={actionError} /> : null}
      {open ? (
        <Panel title={`Finding ${String(open.title ?? open.id)}`}>
          <dl class="facts">
            <dt>Type</dt>
            <dd>{String(open.type)}</dd>
            <dt>Severity</dt>
            <dd>
              {severityName(Number(open.severity))} ({String(open.severity)})
            </dd>
            <dt>Resource</dt>
            <dd>{resourceOf(open)}</dd>
            <dt>Description</dt>
            <dd>{String(open.description ?? '—')}</dd>
          </dl>
          <label for="finding-json">Raw JSON</label>
          <textarea id="finding-json" readOnly rows={16} value={JSON.stringify(open, null, 2)} />
          <div class="actions">
            {(open.service as Json | undefined)?.archived ? (
              <button type="button" onClick={() => archive([String(open.id)], true)}>Unarchive</button>
            ) : (
              <button type="button" onClick={() => archive([String(open.id)])}>Archive</button>
            )}
            <button type="button" class="secondary" onClick={() => setOpen(undefined)}>
              Close
            </button>
          </div>
        </Panel>
      ) : null}
      <Card title="Findings" actions={<><button type="button" disabled={selected.size === 0} onClick={() => archive([...selected])}>Archive selected</button><button type="button" class="secondary" onClick={findings.reload}>Refresh</button></>}>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label for="gd-sev">Minimum severity</label>
          <select id="gd-sev" value={minSeverity} onChange={(e) => setMinSeverity((e.target as HTMLSelectElement).value)}>
            <option value="0">Any</option>
            <option value="4">Medium and above</option>
            <option value="7">High and above</option>
            <option value="9">Critical</option>
          </select>
          <label for="gd-type">Finding type</label>
          <input id="gd-type" placeholder="e.g. Recon:IAMUser/MaliciousIPCaller" value={type} onChange={(e) => setType((e.target as HTMLInputElement).value)} />
          <label for="gd-sort">Sort by</label>
          <select id="gd-sort" value={sort} onChange={(e) => setSort((e.target as HTMLSelectElement).value)}>
            <option value="updatedAt">Last seen</option>
            <option value="severity">Severity</option>
            <option value="type">Type</option>
          </select>
          <label class="inline">
            <input type="checkbox" checked={archived} onChange={(e) => setArchived((e.target as HTMLInputElement).checked)} /> Show archived
          </label>
        </form>
        <Async state={findings} what="listing findings">
          {(list) =>
            list.length === 0 ? (
              <Empty>{archived ? 'No archived findings.' : 'No open findings. Bulwark records findings when its detectors see suspicious activity.'}</Empty>
            ) : (
              <>
                {days.size > 0 ? <TimeChart title="Findings over time" kind="bars" unit="findings per day" height={160} times={times} series={[{ label: 'Findings', color: '#5b3cc4', values: times.map((t) => days.get(t) ?? 0) }]} /> : null}
                <div class="table-wrap">
                  <table class="findings">
                    <thead>
                      <tr>
                        <th scope="col">
                          <span class="sr-only">Select</span>
                        </th>
                        <th scope="col">Severity</th>
                        <th scope="col">Type</th>
                        <th scope="col">Resource</th>
                        <th scope="col">Count</th>
                        <th scope="col">First seen</th>
                        <th scope="col">Last seen</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map((f) => {
                        const fid = String(f.id);
                        const svc = (f.service ?? {}) as Json;
                        const sev = severityName(Number(f.severity));
                        return (
                          <tr data-finding-id={fid}>
                            <td>
                              <input
                                type="checkbox"
                                aria-label={`Select finding ${String(f.type)}`}
                                checked={selected.has(fid)}
                                onChange={(e) => {
                                  const s = new Set(selected);
                                  if ((e.target as HTMLInputElement).checked) s.add(fid);
                                  else s.delete(fid);
                                  setSelected(s);
                                }}
                              />
                            </td>
                            <td>
                              <span class={`badge sev-${sev}`}>{sev}</span> {String(f.severity)}
                            </td>
                            <td>
                              <button type="button" class="link" onClick={() => setOpen(f)}>
                                {String(f.type)}
                              </button>
                            </td>
                            <td>{resourceOf(f)}</td>
                            <td>{String(svc.count ?? 1)}</td>
                            <td>{fmtTime(svc.eventFirstSeen ?? f.createdAt)}</td>
                            <td>{fmtTime(svc.eventLastSeen ?? f.updatedAt)}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              </>
            )
          }
        </Async>
      </Card>
      <Card title="Suppression rules" actions={<button type="button" onClick={() => setSuppressing(true)}>Create suppression rule</button>}>
        {suppressing ? (
          <SuppressionForm
            api={api}
            detector={id}
            onDone={(name) => {
              setSuppressing(false);
              if (name) {
                setMessage(`Created suppression rule ${name}`);
                filters.reload();
                findings.reload();
              }
            }}
          />
        ) : null}
        <Async state={filters} what="listing suppression rules">
          {(fs) =>
            fs.length === 0 ? (
              <Empty>No suppression rules. A suppression rule archives new findings that match it automatically.</Empty>
            ) : (
              <ul class="plain">
                {fs.map((f) => (
                  <li>
                    <strong>{String(f.name)}</strong> ({String(f.action)}): <code>{JSON.stringify((f.findingCriteria as Json | undefined)?.criterion ?? {})}</code>
                  </li>
                ))}
              </ul>
            )
          }
        </Async>
      </Card>
    </>
  );
}

function SuppressionForm({ api, detector, onDone }: { api: Clients; detector: string; onDone: (name?: string) => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api.gd('CreateFilter', 'POST', `/detector/${detector}/filter`, { name, action: 'ARCHIVE', findingCriteria: { criterion: { type: { eq: [type] } } } });
      onDone(name);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="form-grid" onSubmit={submit}>
      <label for="sup-name">Rule name</label>
      <input id="sup-name" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <label for="sup-type">Finding type to suppress</label>
      <input id="sup-type" required value={type} onInput={(e) => setType((e.target as HTMLInputElement).value)} />
      {error ? <ErrorBox error={error} what="creating the suppression rule" /> : null}
      <div class="actions">
        <button type="submit">Create</button>
        <button type="button" class="secondary" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
