// One environment of a project on the overview: the version it runs, its hosts, its last
// deployment, the live bar of one under way, and the rollback action.
import { RollbackButton } from '../actions/rollback-button.tsx';
import type { DeploymentDetail, EnvironmentView } from '../../../src/core/api/answers.ts';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { timeAgo } from '../format.ts';
import { deploymentProgress, hostCountLabel } from '../run/progress.ts';

export function EnvironmentTile({ project, env, active, now, onChanged }: { project: string; env: EnvironmentView; active: DeploymentDetail | undefined; now: number; onChanged: () => void }) {
  const versions = new Set(env.hosts.map((h) => h.version));
  const online = env.hosts.filter((h) => h.online).length;
  const drifted = env.knownGood ? env.hosts.filter((h) => h.version !== env.knownGood).length : 0;
  const running = versions.size === 1 ? [...versions][0] : null;
  const last = env.lastDeployment;
  const progress = active ? deploymentProgress(active) : undefined;
  return (
    <section className="env-tile" data-env={env.name} aria-label={`${env.name} environment`}>
      <header className="env-head">
        <h3>{env.name}</h3>
        <span className={`host-count${online < env.hosts.length ? ' tone-fail' : ''}`} title="hosts online">
          {online}/{env.hosts.length} online
        </span>
      </header>
      <div className="env-version">
        {running ? <code className="version">{running}</code> : env.hosts.length === 0 ? <span className="muted">no hosts</span> : versions.size > 1 ? <span className="tone-text-warn">mixed versions</span> : <span className="muted">nothing deployed</span>}
      </div>
      <div className="env-meta">
        {env.knownGood ? <>known-good <code className="version">{env.knownGood}</code></> : <span className="muted">no known-good version yet</span>}
        {drifted > 0 && <StatusBadge status="drift" label={`${drifted} host${drifted === 1 ? '' : 's'} differ`} />}
      </div>
      {active && progress ? (
        <div className="env-active">
          <div className="env-active-head">
            <StatusBadge status={active.status} label={`${active.kind === 'rollback' ? 'rolling back to' : 'deploying'} ${active.version}`} />
            <span className="muted">{hostCountLabel(active)}</span>
          </div>
          <ProgressBar value={progress.value} tone={progress.tone} label={`${env.name} deployment progress`} />
        </div>
      ) : last ? (
        <div className="env-last">
          <StatusBadge status={last.status} label={`${last.kind === 'rollback' ? 'rollback' : 'deploy'} ${last.status.replace('_', ' ')}`} />
          <span className="muted" title={new Date(last.finishedAt ?? last.createdAt).toLocaleString()}>{timeAgo(last.finishedAt ?? last.createdAt, now)}</span>
        </div>
      ) : (
        <div className="env-last muted">never deployed</div>
      )}
      <div className="env-actions">
        <RollbackButton project={project} env={env} busy={Boolean(active)} onDone={onChanged} />
      </div>
    </section>
  );
}
