// One project on the overview: its last run (with its stages live) and each environment.
import type { ProjectOverview } from '../../../src/core/api/answers.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { fullTime, timeAgo } from '../format.ts';
import { StagePipeline } from '../run/stage-pipeline.tsx';
import { Link } from '../routing/router.tsx';
import { paths } from '../routing/routes.ts';
import { EnvironmentTile } from './environment-tile.tsx';

export function ProjectCard({ overview, now, onChanged }: { overview: ProjectOverview; now: number; onChanged: () => void }) {
  const { project, lastRun, environments, activeDeployments } = overview;
  return (
    <article className="card project-card" data-project={project.name} aria-label={`project ${project.name}`}>
      <header className="project-head">
        <div>
          <h2>{project.name}</h2>
          <div className="muted small-text" title={project.repoUrl}>{project.branch} · {shortRepo(project.repoUrl)}</div>
        </div>
      </header>
      {project.pollError && (
        <div className="stage-error poll-error" role="alert" title={`failing since ${fullTime(project.pollError.at)}`}>
          Checking the repository fails: {project.pollError.message}
        </div>
      )}
      {lastRun ? (
        <div className="last-run" data-run={lastRun.number}>
          <div className="last-run-head">
            <Link to={paths.run(project.name, lastRun.number)} className="run-link">
              <span className="run-number">#{lastRun.number}</span>
              <span className="run-message">{firstLine(lastRun.message)}</span>
            </Link>
            <StatusBadge status={lastRun.status} />
          </div>
          <div className="muted small-text">
            <code>{lastRun.sha.slice(0, 7)}</code> · {lastRun.author} · {lastRun.trigger} · {timeAgo(lastRun.createdAt, now)}
          </div>
          {lastRun.error && <div className="stage-error">{lastRun.error}</div>}
          {lastRun.stages.length > 0 && <StagePipeline stages={lastRun.stages} deployments={activeDeployments} project={project.name} runNumber={lastRun.number} compact onChanged={onChanged} />}
        </div>
      ) : (
        <p className="muted">No runs yet: the first commit the server sees on {project.branch} starts one.</p>
      )}
      <div className="env-grid">
        {environments.length === 0 && <p className="muted">No environments yet (they come from the slipway.yml of a run).</p>}
        {environments.map((env) => (
          <EnvironmentTile key={env.name} project={project.name} env={env} active={activeDeployments.find((d) => d.env === env.name)} now={now} onChanged={onChanged} />
        ))}
      </div>
    </article>
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function shortRepo(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\.git$/, '');
}
