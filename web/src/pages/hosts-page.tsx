// Hosts: every agent with its labels, whether it is connected, the version of each app, and a
// mark on hosts that run something other than their environment's known-good version.
import type { CSSProperties } from 'react';
import type { AgentView, ProjectOverview } from '../../../src/core/api/answers.ts';
import { useResource } from '../api/use-resource.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { hostHue } from '../components/host-colour.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { useNow } from '../components/use-now.ts';
import { timeAgo } from '../format.ts';
import { driftByHost, type Drift } from '../hosts/drift.ts';
import { useLiveReload } from '../live/live-events.tsx';
import { Link } from '../routing/router.tsx';
import { paths } from '../routing/routes.ts';
import { useInterval } from '../components/use-interval.ts';

export function HostsPage() {
  const agents = useResource<AgentView[]>('/api/v1/agents');
  const overview = useResource<ProjectOverview[]>('/api/v1/overview');
  const reload = () => {
    agents.reload();
    overview.reload();
  };
  // Versions change with deployments; agents connecting or going away raise no event, so health
  // is also looked at every few seconds.
  useLiveReload(reload, (e) => e.kind.startsWith('deployment.'));
  useInterval(reload, 5000);
  const now = useNow(5000);
  const drift = overview.data ? driftByHost(overview.data) : new Map<string, Drift[]>();
  const inEnvironment = new Set((overview.data ?? []).flatMap((o) => o.environments.flatMap((e) => e.hosts.map((h) => h.name))));
  const list = agents.data ?? [];
  const online = list.filter((a) => a.online).length;

  return (
    <>
      <div className="page-head">
        <h1>Hosts</h1>
        {agents.data && (
          <span className="muted">
            {online} of {list.length} online{drift.size > 0 && <> · <span className="tone-text-warn">{drift.size} differ from known-good</span></>}
          </span>
        )}
      </div>
      {agents.error && <ErrorNote error={agents.error} what="the hosts" />}
      {agents.loading && !agents.error && <div className="skeleton" aria-busy="true">Loading…</div>}
      {agents.data?.length === 0 && <div className="empty-state"><h2>No hosts yet</h2><p>Start <code>slipway agent</code> on a machine with the join token; it appears here.</p></div>}
      {list.length > 0 && (
        <div className="card table-card">
          <table className="hosts-table">
            <thead>
              <tr><th>Host</th><th>Agent</th><th>Labels</th><th>Apps</th><th>Known-good</th></tr>
            </thead>
            <tbody>
              {list.map((agent) => {
                const differs = drift.get(agent.name) ?? [];
                return (
                  <tr key={agent.id} data-host={agent.name} className={differs.length ? 'drifted' : undefined}>
                    <td data-label="Host">
                      <span className="host-name" style={{ '--hue': hostHue(agent.name) } as CSSProperties}>{agent.name}</span>
                      <div className="muted small-text">{agent.address}{agent.port ? `:${agent.port}` : ''}</div>
                    </td>
                    <td data-label="Agent">
                      <StatusBadge status={agent.online ? 'online' : 'offline'} />
                      <div className="muted small-text" title={new Date(agent.lastSeenAt).toLocaleString()}>seen {timeAgo(agent.lastSeenAt, now)}</div>
                    </td>
                    <td data-label="Labels">
                      <span className="labels">{Object.entries(agent.labels).map(([k, v]) => <span key={k} className="label">{k}={v}</span>)}</span>
                    </td>
                    <td data-label="Apps">
                      {agent.apps.length === 0 ? <span className="muted">none</span> : agent.apps.map((app) => (
                        <div key={app.app} className="app-version">
                          <span>{app.app}</span> <code className="version">{app.current ?? '—'}</code>
                          <span className="muted small-text"> {app.releases.length} release{app.releases.length === 1 ? '' : 's'} kept</span>
                        </div>
                      ))}
                    </td>
                    <td data-label="Known-good">
                      {!inEnvironment.has(agent.name) ? (
                        <span className="muted small-text">in no environment</span>
                      ) : differs.length === 0 ? (
                        <StatusBadge status="succeeded" label="matches" />
                      ) : differs.map((d) => (
                        <div key={`${d.project}/${d.env}`} className="drift-note">
                          <StatusBadge status="drift" label="differs" />{' '}
                          <span className="small-text">{d.project} {d.env}: runs <code className="version">{d.runs ?? 'nothing'}</code>, known-good <code className="version">{d.knownGood}</code></span>
                        </div>
                      ))}
                      <div><Link className="small-text" to={paths.logs({ host: agent.name })}>Logs of {agent.name}</Link></div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
