// Overview: every project with the version each environment runs, its last run, and whatever
// is running now, updated live.
import type { ProjectOverview } from '../../../src/core/api/answers.ts';
import { useResource } from '../api/use-resource.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { useNow } from '../components/use-now.ts';
import { useLiveReload } from '../live/live-events.tsx';
import { ProjectCard } from '../overview/project-card.tsx';

export function OverviewPage() {
  const overview = useResource<ProjectOverview[]>('/api/v1/overview');
  // Every event changes something the overview shows.
  useLiveReload(overview.reload, () => true);
  const now = useNow(5000);
  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        {overview.data && <span className="muted">{overview.data.length} project{overview.data.length === 1 ? '' : 's'}</span>}
      </div>
      {overview.error && <ErrorNote error={overview.error} what="the overview" />}
      {overview.loading && !overview.error && <div className="skeleton" aria-busy="true">Loading…</div>}
      {overview.data?.length === 0 && (
        <div className="empty-state">
          <h2>No projects yet</h2>
          <p>Add one with <code>slipway project add NAME --repo URL</code>; its first commit shows up here.</p>
        </div>
      )}
      <div className="projects">
        {overview.data?.map((o) => <ProjectCard key={o.project.id} overview={o} now={now} onChanged={overview.reload} />)}
      </div>
    </>
  );
}
