// Logs: search across every machine with filters, and a live tail of what matches. The filters
// live in the address, so a search is a link.
import { useMemo, useState } from 'react';
import type { AgentView, WhoAmIAnswer, ProjectOverview } from '../../../src/core/api/answers.ts';
import { useResource } from '../api/use-resource.ts';
import { filtersFromSearch, filtersKey, type LogFilters } from '../logs/log-filters.ts';
import { LogFilterBar } from '../logs/log-filter-bar.tsx';
import { LogView } from '../logs/log-view.tsx';
import { useLogFeed } from '../logs/use-log-feed.ts';
import { useRouter } from '../routing/router.tsx';
import { paths } from '../routing/routes.ts';

export function LogsPage() {
  const { location, navigate } = useRouter();
  const filters = useMemo(() => filtersFromSearch(location.search), [location.search]);
  const [live, setLive] = useState(true);
  const me = useResource<WhoAmIAnswer>('/api/v1/me');
  // Log lines carry no project: who reads only some projects searches the log of one run or
  // deployment (from its page), and is not sent to be refused (and audited) at every search.
  const acrossProjects = !filters.run && !filters.deployment;
  const onlySome = me.data !== undefined && !me.data.permissions.includes('project.read');
  // Until /me answers (or fails), a search across projects waits: it might be refused.
  const undecided = me.data === undefined && me.error === undefined;
  const feed = useLogFeed(acrossProjects && (undecided || onlySome) ? null : filters, live);
  const agents = useResource<AgentView[]>('/api/v1/agents');
  const overview = useResource<ProjectOverview[]>('/api/v1/overview');
  const hosts = useMemo(() => [...(agents.data ?? []).map((a) => a.name), 'server'].sort(), [agents.data]);
  const envs = useMemo(() => [...new Set((overview.data ?? []).flatMap((o) => o.environments.map((e) => e.name)))].sort(), [overview.data]);
  const search = (next: LogFilters) => navigate(paths.logs({ ...next }), { replace: filtersKey(next) === filtersKey(filters) });
  const active = Object.entries(filters).filter(([, v]) => v);

  return (
    <div className="logs-page">
      <div className="page-head">
        <h1>Logs</h1>
        <span className="muted">
          {feed.loading ? 'searching…' : `${feed.buffer.length.toLocaleString()} line${feed.buffer.length === 1 ? '' : 's'}${feed.hasOlder ? ' (scroll up for older)' : ''}`}
        </span>
        <button type="button" className={`button small live-toggle${live ? ' on' : ''}`} aria-pressed={live} onClick={() => setLive(!live)}>
          <span className={`live-dot ${live && feed.tail === 'open' ? 'open' : ''}`} aria-hidden="true" />
          {live ? (feed.tail === 'open' ? 'Live' : 'Connecting…') : 'Paused'}
        </button>
      </div>
      <LogFilterBar key={filtersKey(filters)} filters={filters} hosts={hosts} envs={envs} onSearch={search} />
      {active.length > 0 && (
        <div className="chips" aria-label="Active filters">
          {active.map(([k, v]) => (
            <button key={k} type="button" className="chip on" onClick={() => search({ ...filters, [k]: undefined })} aria-label={`Remove filter ${k}`}>
              {k}: {v} ✕
            </button>
          ))}
        </div>
      )}
      {onlySome && acrossProjects && (
        <p className="note tone-warn" role="note">
          Your grants name projects: the log opens for a run or a deployment of yours. Open it from the run's page.
        </p>
      )}
      <div className="card log-pane tall">
        <LogView
          feed={feed}
          label="Search results"
          emptyText={active.length ? 'No line matches these filters yet.' : 'No lines yet. They appear here live as hosts write them.'}
        />
      </div>
    </div>
  );
}
