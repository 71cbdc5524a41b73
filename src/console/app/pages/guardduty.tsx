/** GuardDuty: findings (filter, sort, archive), finding detail with raw JSON, suppression rules, findings over time. */
import { useState } from 'preact/hooks';
import type { Clients, Json } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { DataTable, nextSort, type Column, type Sort } from '../table.tsx';
import { Async, AsyncList, Card, Empty, ErrorBox, Facts, FormActions, Outcome, Panel, TimeChart, fmtTime, useLoad, usePaged, useSubmit, type Page } from '../ui.tsx';

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

/** Lists and fetches one page (50) of the findings matching criteria; `token` is the previous page's nextToken. */
export async function loadFindingsPage(api: Clients, id: string, criterion: Json, sort: { attributeName: string; orderBy: string }, token?: string): Promise<Page<Json>> {
  const list = await api.gd<{ findingIds?: string[]; nextToken?: string }>('ListFindings', 'POST', `/detector/${id}/findings`, { findingCriteria: { criterion }, sortCriteria: sort, maxResults: 50, ...(token ? { nextToken: token } : {}) });
  const ids = list.findingIds ?? [];
  const next = list.nextToken || undefined;
  if (ids.length === 0) return { items: [], next };
  const got = await api.gd<{ findings?: Json[] }>('GetFindings', 'POST', `/detector/${id}/findings/get`, { findingIds: ids, sortCriteria: sort });
  return { items: got.findings ?? [], next };
}

/** The first page (50) of the findings matching criteria. */
export async function loadFindings(api: Clients, id: string, criterion: Json, sort: { attributeName: string; orderBy: string }): Promise<Json[]> {
  return (await loadFindingsPage(api, id, criterion, sort)).items;
}

/** The default direction of each sort attribute: type A→Z, severity and last seen highest/newest first. */
const initialDir = (key: string) => (key === 'type' ? 'ascending' : 'descending');

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
  const [sort, setSort] = useState<Sort>({ key: 'updatedAt', dir: 'descending' });
  const [open, setOpen] = useState<Json | undefined>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [actionError, setActionError] = useState<unknown>();
  const [message, setMessage] = useState<string | undefined>();
  const [suppressing, setSuppressing] = useState(false);
  const det = useLoad(() => detectorId(api));
  const id = det.data;
  const findings = usePaged(
    async (token) => {
      if (!id) return { items: [] };
      const criterion: Json = { 'service.archived': { eq: [String(archived)] } };
      if (Number(minSeverity) > 0) criterion.severity = { gte: Number(minSeverity) };
      if (type.trim()) criterion.type = { eq: [type.trim()] };
      return loadFindingsPage(api, id, criterion, { attributeName: sort.key, orderBy: sort.dir === 'ascending' ? 'ASC' : 'DESC' }, token);
    },
    [id, minSeverity, type, archived, sort.key, sort.dir],
    'Load more findings',
  );
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
  const columns: Column<Json>[] = [
    {
      header: 'Severity',
      sortKey: 'severity',
      cell: (f) => {
        const sev = severityName(Number(f.severity));
        return (
          <>
            <span class={`badge sev-${sev}`}>{sev}</span> {String(f.severity)}
          </>
        );
      },
    },
    {
      header: 'Type',
      sortKey: 'type',
      cell: (f) => (
        <button type="button" class="link" onClick={() => setOpen(f)}>
          {String(f.type)}
        </button>
      ),
    },
    { header: 'Resource', cell: resourceOf },
    { header: 'Count', cell: (f) => String(((f.service ?? {}) as Json).count ?? 1) },
    { header: 'First seen', cell: (f) => fmtTime(((f.service ?? {}) as Json).eventFirstSeen ?? f.createdAt) },
    { header: 'Last seen', sortKey: 'updatedAt', cell: (f) => fmtTime(((f.service ?? {}) as Json).eventLastSeen ?? f.updatedAt) },
  ];
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
      <Outcome message={message} error={actionError} />
      {open ? (
        <Panel title={`Finding ${String(open.title ?? open.id)}`}>
          <Facts
            items={[
              ['Type', String(open.type)],
              ['Severity', `${severityName(Number(open.severity))} (${String(open.severity)})`],
              ['Resource', resourceOf(open)],
              ['Description', String(open.description ?? '—')],
            ]}
          />
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
          <select
            id="gd-sort"
            value={sort.key}
            onChange={(e) => {
              const key = (e.target as HTMLSelectElement).value;
              setSort({ key, dir: initialDir(key) });
            }}
          >
            <option value="updatedAt">Last seen</option>
            <option value="severity">Severity</option>
            <option value="type">Type</option>
          </select>
          <label class="inline">
            <input type="checkbox" checked={archived} onChange={(e) => setArchived((e.target as HTMLInputElement).checked)} /> Show archived
          </label>
        </form>
        <Async state={findings} what="listing findings">
          {(list) => (
            <>
              {days.size > 0 ? <TimeChart title="Findings over time" kind="bars" unit="findings per day" height={160} times={times} series={[{ label: 'Findings', color: '#5b3cc4', values: times.map((t) => days.get(t) ?? 0) }]} /> : null}
              <DataTable
                class="findings"
                columns={columns}
                rows={list}
                rowKey={(f) => String(f.id)}
                keyAttr="data-finding-id"
                selection={{ selected, onChange: setSelected, label: (f) => `Select finding ${String(f.type)}` }}
                sort={sort}
                onSort={(key) => setSort(nextSort(sort, key, initialDir(key)))}
                paging={findings.paging}
                empty={archived ? 'No archived findings.' : 'No open findings. Bulwark records findings when its detectors see suspicious activity.'}
              />
            </>
          )}
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
        <AsyncList
          state={filters}
          what="listing suppression rules"
          empty="No suppression rules. A suppression rule archives new findings that match it automatically."
          item={(f) => (
            <>
              <strong>{String(f.name)}</strong> ({String(f.action)}): <code>{JSON.stringify((f.findingCriteria as Json | undefined)?.criterion ?? {})}</code>
            </>
          )}
        />
      </Card>
    </>
  );
}

function SuppressionForm({ api, detector, onDone }: { api: Clients; detector: string; onDone: (name?: string) => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await api.gd('CreateFilter', 'POST', `/detector/${detector}/filter`, { name, action: 'ARCHIVE', findingCriteria: { criterion: { type: { eq: [type] } } } });
    onDone(name);
  });
  return (
    <form class="form-grid" onSubmit={submit}>
      <label for="sup-name">Rule name</label>
      <input id="sup-name" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      <label for="sup-type">Finding type to suppress</label>
      <input id="sup-type" required value={type} onInput={(e) => setType((e.target as HTMLInputElement).value)} />
      <FormActions submit="Create" busy={busy} error={error} what="creating the suppression rule" onCancel={() => onDone()} />
    </form>
  );
}
