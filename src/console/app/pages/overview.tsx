/** Overview: health, seal state, sites and their traffic, open findings, active attacks, posture summary. */
import type { Json } from '../aws.ts';
import { publicGet } from '../aws.ts';
import type { PageProps } from '../main.tsx';
import { traffic } from '../metrics.ts';
import { Async, Card, Empty, TimeChart, useLoad } from '../ui.tsx';
import { detectorId, loadFindings, severityName } from './guardduty.tsx';
import { runPosture } from './posture.tsx';
import { listAttacks } from './shield.tsx';
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
  return (
    <>
      <h1>Overview</h1>
      <div class="grid3">
        <Card title="Health">
          <Async state={health}>
            {({ h, s }) => (
              <dl class="facts">
                <dt>Status</dt>
                <dd>
                  <span class={`badge ${h.status === 'ok' ? 'status-PASS' : 'status-FAIL'}`}>{String(h.status)}</span>
                </dd>
                <dt>Seal</dt>
                <dd>
                  {s.sealed ? 'sealed' : 'unsealed'} ({String(s.type ?? 'not initialized')}
                  {s.type === 'shamir' ? `, ${String(s.threshold)} of ${String(s.shares)}` : ''})
                </dd>
                <dt>Version</dt>
                <dd>{String(h.version)}</dd>
                <dt>Storage</dt>
                <dd>{String(h.storage)}</dd>
                <dt>Region / account</dt>
                <dd>
                  {String(h.region)} / {String(h.accountId)}
                </dd>
              </dl>
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
          <Async state={attacks} what="Shield attacks">
            {(as) =>
              as.length === 0 ? (
                <Empty>No attack in progress.</Empty>
              ) : (
                <ul class="plain">
                  {as.map((a) => (
                    <li>
                      <a href="/console/shield" onClick={go('shield')}>
                        {String(a.ResourceArn)}
                      </a>{' '}
                      {((a.AttackVectors as { VectorType: string }[] | undefined) ?? []).map((v) => v.VectorType).join(', ')}
                    </li>
                  ))}
                </ul>
              )
            }
          </Async>
        </Card>
      </div>
      <Card title="Sites">
        <Async state={sites} what="listing sites">
          {(list) =>
            list.length === 0 ? (
              <Empty>No sites. Add one under <code>sites:</code> in the configuration file (name, listen, upstream) and restart.</Empty>
            ) : (
              <>
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Site</th>
                        <th scope="col">Listens on</th>
                        <th scope="col">Upstream</th>
                        <th scope="col">Web ACL</th>
                        <th scope="col">Allowed (since start)</th>
                        <th scope="col">Blocked (since start)</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.map(({ site, acl, metric }) => (
                        <tr>
                          <td>{site.name}</td>
                          <td>{site.listen}</td>
                          <td>{site.upstream}</td>
                          <td>{acl ? <a href="/console/waf" onClick={go('waf')}>{String(acl.Name)}</a> : <span class="muted">none: unprotected</span>}</td>
                          <td>{metric ? (traffic.totals.get(`${metric}\u0000ALL\u0000AllowedRequests`) ?? 0) : '—'}</td>
                          <td>{metric ? (traffic.totals.get(`${metric}\u0000ALL\u0000BlockedRequests`) ?? 0) : '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
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
              </>
            )
          }
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
