/** WAF: web ACLs and their rules, rule editing, live traffic charts, sampled requests, IP and regex sets. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Json } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { subscribeTraffic, traffic } from '../metrics.ts';
import { DataTable, type Column } from '../table.tsx';
import { Async, AsyncList, Card, ItemList, ErrorBox, Facts, FormActions, JsonEditor, Panel, TimeChart, fmtTime, useLoad, useSubmit, type Series } from '../ui.tsx';

/** A site as /_bulwark/sites lists it. */
export interface Site {
  name: string;
  arn: string;
  listen: string;
  upstream: string;
}

interface Summary {
  Name: string;
  Id: string;
  ARN: string;
  Description?: string;
  LockToken?: string;
}

const COLORS = { AllowedRequests: '#1b7f3b', BlockedRequests: '#c0262d', CountedRequests: '#8a5a00' };
const RULE_COLORS = ['#c0262d', '#5b3cc4', '#0b6e99', '#8a5a00', '#a0336b', '#2f6f3e', '#7a4b00', '#3b4f9a'];

/** Re-renders the caller on every traffic poll. */
export function useTraffic(): number {
  const [tick, setTick] = useState(0);
  useEffect(() => subscribeTraffic(() => setTick((t) => t + 1)), []);
  return tick;
}

/** The WAF page. */
export function WafPage({ api }: PageProps) {
  const [selected, setSelected] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const acls = useLoad(() => api.waf<{ WebACLs?: Summary[] }>('ListWebACLs', { Scope: 'REGIONAL', Limit: 100 }));
  const sites = useLoad(() => api.bulwark<{ sites: Site[] }>('sites').then((r) => r.sites));
  useTraffic();
  const list = acls.data?.WebACLs ?? [];
  const current = list.find((a) => a.ARN === selected) ?? list[0];
  return (
    <>
      <h1>WAF</h1>
      {creating ? (
        <CreateWebAcl
          api={api}
          sites={sites.data ?? []}
          onDone={(arn) => {
            setCreating(false);
            if (arn) {
              setSelected(arn);
              acls.reload();
            }
          }}
        />
      ) : null}
      <Card title="Web ACLs" actions={<><button type="button" onClick={() => setCreating(true)}>Create web ACL</button><button type="button" class="secondary" onClick={acls.reload}>Refresh</button></>}>
        <Async state={acls} what="listing web ACLs">
          {() => (
            <ItemList
              class="pills"
              label="Web ACLs"
              items={list}
              empty="No web ACLs yet. Choose “Create web ACL” to protect a site with a managed rule group."
              item={(a) => (
                <button type="button" class={a.ARN === current?.ARN ? 'pill active' : 'pill'} aria-pressed={a.ARN === current?.ARN} onClick={() => setSelected(a.ARN)}>
                  {a.Name}
                </button>
              )}
            />
          )}
        </Async>
      </Card>
      {current ? <WebAclDetail key={current.ARN} api={api} summary={current} sites={sites.data ?? []} /> : null}
      <SetsCard api={api} />
    </>
  );
}

function WebAclDetail({ api, summary, sites }: { api: PageProps['api']; summary: Summary; sites: Site[] }) {
  const [editing, setEditing] = useState(false);
  const [sampledTick, setSampledTick] = useState(0);
  const acl = useLoad(() => api.waf<{ WebACL: Json; LockToken: string }>('GetWebACL', { Name: summary.Name, Scope: 'REGIONAL', Id: summary.Id }), [summary.ARN]);
  const resources = useLoad(() => api.waf<{ ResourceArns?: string[] }>('ListResourcesForWebACL', { WebACLArn: summary.ARN }).then((r) => r.ResourceArns ?? []), [summary.ARN]);
  const web = acl.data?.WebACL;
  const rules = ((web?.Rules as Json[] | undefined) ?? []).slice().sort((a, b) => Number(a.Priority) - Number(b.Priority));
  const aclMetric = String((web?.VisibilityConfig as Json | undefined)?.MetricName ?? summary.Name);
  const ruleMetrics = rules.map((r) => String((r.VisibilityConfig as Json).MetricName));
  const tick = useTraffic();
  // Refresh the sampled requests when new blocked or counted requests show up.
  const recentHits = traffic.values(aclMetric, 'ALL', 'BlockedRequests').slice(-1)[0] ?? 0;
  const recentCounts = ruleMetrics.reduce((a, m) => a + (traffic.values(aclMetric, m, 'CountedRequests').slice(-1)[0] ?? 0), 0);
  useEffect(() => {
    if (recentHits + recentCounts > 0) setSampledTick((t) => t + 1);
  }, [tick]);
  return (
    <>
      <Card title={`Web ACL ${summary.Name}`} actions={<button type="button" onClick={() => setEditing(true)} disabled={!web}>Edit rules</button>}>
        <Async state={acl} what="reading the web ACL">
          {(d) => (
            <>
              <Facts
                items={[
                  ['ARN', <code>{summary.ARN}</code>],
                  ['Default action', Object.keys((d.WebACL.DefaultAction as Json) ?? {}).join(', ')],
                  ['Capacity', `${String(d.WebACL.Capacity ?? '—')} WCU`],
                  ['Protects', resources.data === undefined ? '…' : resources.data.length === 0 ? <span class="muted">no site (associate it to see traffic)</span> : resources.data.map((r) => sites.find((s) => s.arn === r)?.name ?? r).join(', ')],
                ]}
              />
              {editing ? (
                <Panel title="Edit rules">
                  <p class="muted small">The rules of this web ACL as wafv2 Rule objects. Saving calls UpdateWebACL; validation errors from the API show under the editor.</p>
                  <JsonEditor
                    label="Rules (JSON)"
                    initial={JSON.stringify(rules, null, 2)}
                    saveLabel="Save rules"
                    onCancel={() => setEditing(false)}
                    onSave={async (v) => {
                      const w = d.WebACL;
                      await api.waf('UpdateWebACL', {
                        Name: w.Name,
                        Scope: 'REGIONAL',
                        Id: w.Id,
                        DefaultAction: w.DefaultAction,
                        VisibilityConfig: w.VisibilityConfig,
                        Rules: v,
                        LockToken: d.LockToken,
                        ...(w.Description ? { Description: w.Description } : {}),
                        ...(w.CustomResponseBodies ? { CustomResponseBodies: w.CustomResponseBodies } : {}),
                      });
                      setEditing(false);
                      acl.reload();
                    }}
                  />
                </Panel>
              ) : null}
              <h3>Rules in priority order</h3>
              <DataTable columns={RULE_COLUMNS} rows={rules} rowKey={(r) => String(r.Name)} empty="This web ACL has no rules: every request gets the default action." />
            </>
          )}
        </Async>
      </Card>
      {web ? <TrafficCard aclMetric={aclMetric} rules={rules} /> : null}
      {web ? <SampledCard api={api} aclArn={summary.ARN} aclMetric={aclMetric} ruleMetrics={ruleMetrics} tick={sampledTick} /> : null}
    </>
  );
}

const RULE_COLUMNS: Column<Json>[] = [
  { header: 'Priority', cell: (r) => String(r.Priority) },
  { header: 'Name', cell: (r) => String(r.Name) },
  { header: 'Statement', cell: (r) => describeStatement(r.Statement as Json) },
  { header: 'Action', cell: (r) => `${Object.keys((r.Action ?? r.OverrideAction ?? {}) as Json).join(', ')}${r.OverrideAction ? ' (override)' : ''}` },
  { header: 'Metric', cell: (r) => <code>{String((r.VisibilityConfig as Json).MetricName)}</code> },
];

type Sampled = Json & { metric: string };

const SAMPLED_COLUMNS: Column<Sampled>[] = [
  { header: 'Time', cell: (s) => fmtTime(s.Timestamp) },
  { header: 'Action', cell: (s) => <span class={`badge action-${String(s.Action)}`}>{String(s.Action)}</span> },
  {
    header: 'Rule',
    cell: (s) => (
      <>
        {s.metric}
        {s.RuleNameWithinRuleGroup ? <div class="small">{String(s.RuleNameWithinRuleGroup)}</div> : null}
      </>
    ),
  },
  { header: 'Client IP', cell: (s) => String((s.Request as Json).ClientIP) },
  {
    header: 'Request',
    class: 'uri',
    cell: (s) => (
      <code>
        {String((s.Request as Json).Method)} {String((s.Request as Json).URI)}
      </code>
    ),
  },
  { header: 'Labels', class: 'small', cell: (s) => ((s.Labels as { Name: string }[] | undefined) ?? []).map((l) => l.Name).join(', ') || '—' },
];

function describeStatement(s: Json | undefined): string {
  if (!s) return '—';
  const [type, body] = Object.entries(s)[0] ?? ['?', {}];
  const b = body as Json;
  if (type === 'ManagedRuleGroupStatement') return `Managed rule group ${String(b.VendorName)}/${String(b.Name)}`;
  if (type === 'RuleGroupReferenceStatement') return `Rule group ${String(b.ARN)}`;
  if (type === 'RateBasedStatement') return `Rate-based: ${String(b.Limit)} per ${String(b.EvaluationWindowSec ?? 300)} s`;
  return type.replace(/Statement$/, '');
}

function TrafficCard({ aclMetric, rules }: { aclMetric: string; rules: Json[] }) {
  useTraffic();
  const times = traffic.times.slice();
  const totals: Series[] = (['AllowedRequests', 'BlockedRequests', 'CountedRequests'] as const).map((a) => ({
    label: a.replace('Requests', ''),
    color: COLORS[a],
    values: traffic.values(aclMetric, 'ALL', a).slice(),
  }));
  const perRule: Series[] = [];
  rules.forEach((r, i) => {
    const m = String((r.VisibilityConfig as Json).MetricName);
    for (const a of ['BlockedRequests', 'CountedRequests'] as const) {
      perRule.push({ label: `${String(r.Name)} ${a.replace('Requests', '').toLowerCase()}`, color: RULE_COLORS[(i * 2 + (a === 'CountedRequests' ? 1 : 0)) % RULE_COLORS.length] as string, values: traffic.values(aclMetric, m, a).slice() });
    }
  });
  return (
    <Card title="Traffic">
      <p class="muted small">Requests per 2-second interval from the node's WAF counters (<code>/_bulwark/metrics</code>), live for the last 5 minutes.</p>
      <div class="charts">
        <TimeChart live title="Requests by action" times={times} series={totals} />
        {perRule.length ? <TimeChart live title="Requests per rule" times={times} series={perRule} /> : null}
      </div>
    </Card>
  );
}

function SampledCard({ api, aclArn, aclMetric, ruleMetrics, tick }: { api: PageProps['api']; aclArn: string; aclMetric: string; ruleMetrics: string[]; tick: number }) {
  const metrics = useMemo(() => [...ruleMetrics, aclMetric], [ruleMetrics.join(','), aclMetric]);
  const sampled = useLoad(async () => {
    const end = new Date();
    const start = new Date(end.getTime() - 3 * 3600_000 + 60_000);
    const all: Sampled[] = [];
    for (const m of metrics) {
      const r = await api.waf<{ SampledRequests?: Json[] }>('GetSampledRequests', {
        WebAclArn: aclArn,
        RuleMetricName: m,
        Scope: 'REGIONAL',
        TimeWindow: { StartTime: Math.floor(start.getTime() / 1000), EndTime: Math.ceil(end.getTime() / 1000) },
        MaxItems: 100,
      });
      for (const s of r.SampledRequests ?? []) all.push({ ...s, metric: m === aclMetric ? `${m} (web ACL, all requests)` : m });
    }
    all.sort((a, b) => Number(b.Timestamp) - Number(a.Timestamp));
    return all;
  }, [aclArn, metrics, tick]);
  return (
    <Card title="Sampled requests" actions={<button type="button" class="secondary" onClick={sampled.reload}>Refresh sampled requests</button>}>
      <Async state={sampled} what="reading sampled requests">
        {(rows) => <DataTable class="sampled" columns={SAMPLED_COLUMNS} rows={rows.slice(0, 200)} rowKey={(_, i) => String(i)} empty="No sampled requests in the last 3 hours. Requests that reach a site protected by this web ACL show up here." />}
      </Async>
    </Card>
  );
}

function CreateWebAcl({ api, sites, onDone }: { api: PageProps['api']; sites: Site[]; onDone: (arn?: string) => void }) {
  const groups = useLoad(() => api.waf<{ ManagedRuleGroups?: { VendorName: string; Name: string; Description?: string }[] }>('ListAvailableManagedRuleGroups', { Scope: 'REGIONAL', Limit: 100 }).then((r) => r.ManagedRuleGroups ?? []));
  const [name, setName] = useState('');
  const [def, setDef] = useState('Allow');
  const [group, setGroup] = useState('');
  const [site, setSite] = useState('');
  const chosen = group || (groups.data?.[0] ? `${groups.data[0].VendorName}/${groups.data[0].Name}` : '');
  const chosenSite = site || sites[0]?.arn || '';
  const { busy, error, submit } = useSubmit(async () => {
    const metric = name.replace(/[^\w-]/g, '') || 'webacl';
    const rules = [];
    if (chosen && chosen !== 'none') {
      const [vendor, gname] = chosen.split('/') as [string, string];
      rules.push({
        Name: `${vendor}-${gname}`,
        Priority: 0,
        Statement: { ManagedRuleGroupStatement: { VendorName: vendor, Name: gname } },
        OverrideAction: { None: {} },
        VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: gname },
      });
    }
    const r = await api.waf<{ Summary: Summary }>('CreateWebACL', {
      Name: name,
      Scope: 'REGIONAL',
      DefaultAction: { [def]: {} },
      Rules: rules,
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: metric },
    });
    if (chosenSite && chosenSite !== 'none') await api.waf('AssociateWebACL', { WebACLArn: r.Summary.ARN, ResourceArn: chosenSite });
    onDone(r.Summary.ARN);
  });
  return (
    <Panel title="Create a web ACL">
      <form class="form-grid" onSubmit={submit}>
        <label for="acl-name">Name</label>
        <input id="acl-name" required pattern="[\w-]{1,128}" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for="acl-default">Default action</label>
        <select id="acl-default" value={def} onChange={(e) => setDef((e.target as HTMLSelectElement).value)}>
          <option value="Allow">Allow</option>
          <option value="Block">Block</option>
        </select>
        <label for="acl-group">Managed rule group</label>
        <select id="acl-group" value={chosen} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)}>
          {(groups.data ?? []).map((g) => (
            <option value={`${g.VendorName}/${g.Name}`}>
              {g.VendorName}/{g.Name}
            </option>
          ))}
          <option value="none">None (no rules)</option>
        </select>
        <label for="acl-site">Protect site</label>
        <select id="acl-site" value={chosenSite} onChange={(e) => setSite((e.target as HTMLSelectElement).value)}>
          {sites.map((s) => (
            <option value={s.arn}>
              {s.name} ({s.listen} → {s.upstream})
            </option>
          ))}
          <option value="none">None (associate later)</option>
        </select>
        {groups.error ? <ErrorBox error={groups.error} what="listing managed rule groups" /> : null}
        <FormActions submit="Create" busy={busy} error={error} what="creating the web ACL" onCancel={() => onDone()} />
      </form>
    </Panel>
  );
}

const ipSetItem = (s: Json) => (
  <>
    <strong>{String(s.Name)}</strong> ({String(s.IPAddressVersion)}): {((s.Addresses as string[]) ?? []).join(', ') || <span class="muted">empty</span>}
  </>
);

const regexSetItem = (s: Json) => (
  <>
    <strong>{String(s.Name)}</strong>:{' '}
    {((s.RegularExpressionList as { RegexString: string }[]) ?? []).map((x) => (
      <code class="chip">{x.RegexString}</code>
    ))}
  </>
);

function SetsCard({ api }: { api: PageProps['api'] }) {
  const ipsets = useLoad(async () => {
    const r = await api.waf<{ IPSets?: Summary[] }>('ListIPSets', { Scope: 'REGIONAL', Limit: 100 });
    return Promise.all((r.IPSets ?? []).map((s) => api.waf<{ IPSet: Json }>('GetIPSet', { Name: s.Name, Scope: 'REGIONAL', Id: s.Id }).then((x) => x.IPSet)));
  });
  const regex = useLoad(async () => {
    const r = await api.waf<{ RegexPatternSets?: Summary[] }>('ListRegexPatternSets', { Scope: 'REGIONAL', Limit: 100 });
    return Promise.all((r.RegexPatternSets ?? []).map((s) => api.waf<{ RegexPatternSet: Json }>('GetRegexPatternSet', { Name: s.Name, Scope: 'REGIONAL', Id: s.Id }).then((x) => x.RegexPatternSet)));
  });
  return (
    <div class="grid2">
      <Card title="IP sets">
        <AsyncList state={ipsets} what="listing IP sets" empty="No IP sets." item={ipSetItem} />
      </Card>
      <Card title="Regex pattern sets">
        <AsyncList state={regex} what="listing regex pattern sets" empty="No regex pattern sets." item={regexSetItem} />
      </Card>
    </div>
  );
}
