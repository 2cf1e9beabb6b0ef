// Run page: the pipeline as a graph of stages with progress bars, a bar per host for each
// deployment, and beside them the central log of the run, all live.
import type { SlipwayEvent } from '../../../src/core/model.ts';
import { RerunButton } from '../actions/rerun-button.tsx';
import { projectPath } from '../api/api-client.ts';
import type { RunDetail } from '../../../src/core/api/answers.ts';
import { useResource } from '../api/use-resource.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useNow } from '../components/use-now.ts';
import { elapsed, fullTime, timeAgo } from '../format.ts';
import { useLiveReload } from '../live/live-events.tsx';
import { DeploymentHosts } from '../run/deployment-hosts.tsx';
import { RollbackSafetyNotice } from '../run/rollback-safety-notice.tsx';
import { RunLogPane } from '../run/run-log-pane.tsx';
import { StagePipeline } from '../run/stage-pipeline.tsx';
import { Link } from '../routing/router.tsx';
import { paths } from '../routing/routes.ts';

export function RunPage({ project, number }: { project: string; number: number }) {
  const run = useResource<RunDetail>(projectPath(project, `/runs/${number}`));
  const data = run.data;
  const concerns = (event: SlipwayEvent) => !data || event.runId === data.id || data.deployments.some((d) => d.id === event.deploymentId)
    || (event.kind === 'deployment.started' && event.projectId === data.projectId);
  useLiveReload(run.reload, concerns);
  const now = useNow();

  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to={paths.overview()}>Overview</Link>
        <span aria-hidden="true">›</span>
        <span>{project}</span>
        <span aria-hidden="true">›</span>
        <span>run #{number}</span>
        <span className="run-nav">
          {number > 1 && <Link to={paths.run(project, number - 1)} aria-label="Previous run">← #{number - 1}</Link>}
          <Link to={paths.run(project, number + 1)} aria-label="Next run">#{number + 1} →</Link>
        </span>
      </nav>
      {run.error && <ErrorNote error={run.error} what={`run #${number} of ${project}`} />}
      {run.loading && !run.error && <div className="skeleton" aria-busy="true">Loading…</div>}
      {data && (
        <>
          <header className="run-head">
            <div className="run-title">
              <h1>
                <span className="run-number">#{data.number}</span> {data.message.split('\n')[0]}
              </h1>
              <div className="muted small-text">
                <code>{data.sha.slice(0, 7)}</code> · {data.author} · {data.trigger} · <code className="version">{data.version}</code> ·{' '}
                <span title={fullTime(data.createdAt)}>started {timeAgo(data.createdAt, now)}</span>
                {data.finishedAt ? ` · took ${elapsed(data.createdAt, data.finishedAt)}` : ` · ${elapsed(data.createdAt, null, now)} so far`}
              </div>
            </div>
            <div className="run-actions">
              <StatusBadge status={data.status} />
              <RerunButton project={project} runNumber={data.number} />
            </div>
          </header>
          {data.error && <div className="note tone-fail">{data.error}</div>}
          <RollbackSafetyNotice safety={data.rollbackSafety} />
          <StagePipeline stages={data.stages} deployments={data.deployments} project={project} runNumber={data.number} onChanged={run.reload} />
          <div className="run-body">
            <div className="run-deployments">
              {data.deployments.length === 0 && <p className="muted card pad">No deployments yet: each environment's hosts appear here when its stage starts.</p>}
              {data.deployments.map((d) => <DeploymentHosts key={d.id} deployment={d} />)}
            </div>
            <RunLogPane run={data} />
          </div>
        </>
      )}
    </>
  );
}
