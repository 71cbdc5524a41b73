/** Overview: health, seal state, sites and their traffic, open findings, active attacks, posture summary. */
import type { Json } from '../aws.ts';
import { publicGet } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { traffic } from '../metrics.ts';
import { DataTable, type Column } from '../table.tsx';
import { Async, AsyncList, Card, Empty, Facts, TimeChart, useLoad } from '../ui.tsx';
import { detectorId, loadFindings, severityName } from './guardduty.tsx';
import { runPosture } from './posture.tsx';
import { listAttacks, vectors } from './shield.tsx';
import { useTraffic, type Site } from './waf.tsx';

/** The Overview page. */
export function OverviewPage({ api, navigate }: PageProps) {
  const health = useLoad(async () => {
    const [h, s] = await Promise.all([publicGet('/_bulwark/health').then((r) => r.json() as Promise<Json>), publicGet('/_bulwark/seal-status').then((r) => r.json() as Promise<Json>)]);
    return { h, s };
  });
  const sites = useLoad(async () => {
    const list = (await api.bulwark<{ sites: Site[] }>('sites')).sites;
    return Promise.all(
      list.map(async (site) => {
        const acl = await api.waf<{ WebACL?: Json }>('GetWebACLForResource', { ResourceArn: site.arn }).then(
          (r) => r.WebACL,
          () => undefined,
        );
        return { site, acl, metric: acl ? String((acl.VisibilityConfig as Json).MetricName) : undefined };
      }),
    );
  });
  const findings = useLoad(async () => {
    const id = await detectorId(api);
    if (!id) return undefined;
    const fs = await loadFindings(api, id, { 'service.archived': { eq: ['false'] } }, { attributeName: 'severity', orderBy: 'DESC' });
    const by: Record<string, number> = { Critical: 0, High: 0, Medium: 0, Low: 0 };
    for (const f of fs) by[severityName(Number(f.severity))] = (by[severityName(Number(f.severity))] ?? 0) + 1;
    return { total: fs.length, by };
  });
  const attacks = useLoad(() => listAttacks(api, 1).then((as) => as.filter((a) => a.EndTime === undefined)));
  const posture = useLoad(() => runPosture(api));
  useTraffic();
  const go = (p: string) => (e: Event) => {
    e.preventDefault();
    navigate(p);
  };
  const attackItem = (a: Json) => (
    <>
      <a href="/console/shield" onClick={go('shield')}>
        {String(a.ResourceArn)}
      </a>{' '}
      {vectors(a)}
    </>
  );
  const count = (metric: string | undefined, action: string) => (metric ? (traffic.totals.get(`${metric}\u0000ALL\u0000${action}`) ?? 0) : '—');
  const siteColumns: Column<NonNullable<typeof sites.data>[number]>[] = [
    { header: 'Site', cell: ({ site }) => site.name },
    { header: 'Listens on', cell: ({ site }) => site.listen },
    { header: 'Upstream', cell: ({ site }) => site.upstream },
    {
      header: 'Web ACL',
      cell: ({ acl }) =>
        acl ? (
          <a href="/console/waf" onClick={go('waf')}>
            {String(acl.Name)}
          </a>
        ) : (
          <span class="muted">none: unprotected</span>
        ),
    },
    { header: 'Allowed (since start)', cell: ({ metric }) => count(metric, 'AllowedRequests') },
    { header: 'Blocked (since start)', cell: ({ metric }) => count(metric, 'BlockedRequests') },
  ];
  return (
    <>
      <h1>Overview</h1>
      <div class="grid3">
        <Card title="Health">
          <Async state={health}>
            {({ h, s }) => (
              <Facts
                items={[
                  ['Status', <span class={`badge ${h.status === 'ok' ? 'status-PASS' : 'status-FAIL'}`}>{String(h.status)}</span>],
                  ['Seal', `${s.sealed ? 'sealed' : 'unsealed'} (${String(s.type ?? 'not initialized')}${s.type === 'shamir' ? `, ${String(s.threshold)} of ${String(s.shares)}` : ''})`],
                  ['Version', String(h.version)],
                  ['Storage', String(h.storage)],
                  ['Region / account', `${String(h.region)} / ${String(h.accountId)}`],
                ]}
              />
            )}
          </Async>
        </Card>
        <Card title="Open findings">
          <Async state={findings} what="GuardDuty findings">
            {(f) =>
              f === undefined ? (
                <Empty>No GuardDuty detector.</Empty>
              ) : (
                <>
                  <p class="big">
                    <a href="/console/guardduty" onClick={go('guardduty')}>
                      {f.total} open
                    </a>
                  </p>
                  <ul class="sev-list">
                    {Object.entries(f.by).map(([k, v]) => (
                      <li>
                        <span class={`badge sev-${k}`}>{k}</span> {v}
                      </li>
                    ))}
                  </ul>
                </>
              )
            }
          </Async>
        </Card>
        <Card title="Active attacks">
          <AsyncList state={attacks} what="Shield attacks" empty="No attack in progress." item={attackItem} />
        </Card>
      </div>
      <Card title="Sites">
        <Async state={sites} what="listing sites">
          {(list) => (
            <>
              <DataTable
                columns={siteColumns}
                rows={list}
                rowKey={({ site }) => site.arn}
                empty={
                  <>
                    No sites. Add one under <code>sites:</code> in the configuration file (name, listen, upstream) and restart.
                  </>
                }
              />
              {list.length ? (
                <TimeChart
                  live
                  title="All sites: requests by action"
                  times={traffic.times.slice()}
                  series={[
                    { label: 'Allowed', color: '#1b7f3b', values: sumAll('AllowedRequests') },
                    { label: 'Blocked', color: '#c0262d', values: sumAll('BlockedRequests') },
                  ]}
                  height={160}
                />
              ) : null}
            </>
          )}
        </Async>
      </Card>
      <Card title="Posture">
        <Async state={posture} what="posture checks">
          {(r) => (
            <p>
              <span class="badge status-PASS">{r.summary.pass} pass</span> <span class="badge status-FAIL">{r.summary.fail} fail</span> <span class="badge status-NOT_APPLICABLE">{r.summary.notApplicable} n/a</span>{' '}
              <span class="badge status-ERROR">{r.summary.error} error</span>{' '}
              <a href="/console/posture" onClick={go('posture')}>
                See the matrix
              </a>
            </p>
          )}
        </Async>
      </Card>
    </>
  );
}

/** Per-interval sum over every web ACL's total ('ALL') series of one action. */
function sumAll(action: string): number[] {
  const out = new Array<number>(traffic.times.length).fill(0);
  for (const [k, d] of traffic.deltas) {
    const [, rule, a] = k.split('\u0000');
    if (rule !== 'ALL' || a !== action) continue;
    for (let i = 0; i < d.length; i++) out[i] = (out[i] ?? 0) + (d[i] ?? 0);
  }
  return out;
}
