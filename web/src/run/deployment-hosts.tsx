// One deployment of a run: its state, its migrate step, and a bar per host showing the step it has
// reached; when it was rolled back, the host that caused it with its last log lines. A rollback
// rehearsal reads as the previous release put back on its one host.
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import { hostStepView } from '../../../src/core/api/host-step-view.ts';
import { rehearsalView } from '../../../src/core/api/rehearsal-view.ts';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { MigrateStep } from './migrate-step.tsx';
import { deploymentProgress, hostCountLabel, hostProgress } from './progress.ts';

export function DeploymentHosts({ deployment }: { deployment: DeploymentDetail }) {
  const overall = deploymentProgress(deployment);
  const { migration } = deployment;
  // A failed migration shows its error and lines in its own step.
  const cause = deployment.cause && !(migration && deployment.cause.step === 'migrate') ? deployment.cause : null;
  return (
    <section className={`card deployment kind-${deployment.kind}`} data-deployment={deployment.id} data-env={deployment.env} data-kind={deployment.kind} aria-label={`${deployment.env} ${deployment.kind === 'rehearsal' ? 'rollback rehearsal' : 'deployment'}`}>
      <header className="deployment-head">
        <div>
          <h3>{deployment.env}</h3>
          <div className="muted small-text">
            {deployment.kind === 'rehearsal' ? <RehearsalLine deployment={deployment} /> : (
              <>{deployment.kind === 'rollback' ? 'rollback to' : 'deploy'} <code className="version">{deployment.version}</code> · batch {String(deployment.batch)} · by {deployment.requestedBy}</>
            )}
          </div>
        </div>
        <div className="deployment-state">
          <StatusBadge status={deployment.status} />
          <span className="muted small-text">{hostCountLabel(deployment)}</span>
        </div>
      </header>
      <ProgressBar value={overall.value} tone={overall.tone} label={`${deployment.env} deployment progress`} />
      {migration && <MigrateStep deployment={deployment} migration={migration} />}
      <ul className="host-bars">
        {deployment.hosts.map((host) => {
          const progress = hostProgress(host.step);
          return (
            <li key={host.agentId} className="host-bar" data-host={host.hostName} data-step={host.step}>
              <span className="host-bar-name" title={host.hostName}>{host.hostName}</span>
              <ProgressBar value={progress.value} tone={progress.tone} label={`${host.hostName}: ${hostStepView(host.step).word}`} />
              <StatusBadge status={host.step} />
              {host.error && <div className="host-bar-error">{host.error}</div>}
            </li>
          );
        })}
      </ul>
      {cause && (
        <div className="cause">
          <strong>{cause.host}</strong> failed at {cause.step}: {cause.error}
          {cause.logTail.length > 0 && <pre className="cause-tail">{cause.logTail.join('\n')}</pre>}
        </div>
      )}
      {deployment.error && deployment.status !== 'failed_migration' && <div className="stage-error">{deployment.error}</div>}
    </section>
  );
}

/** "rollback rehearsal: 1-aaaaaaa back on web-1, then 2-bbbbbbb again" */
function RehearsalLine({ deployment }: { deployment: DeploymentDetail }) {
  const view = rehearsalView(deployment);
  return (
    <>
      rollback rehearsal: <code className="version">{view.previousVersion ?? 'the previous release'}</code> back on {view.host ?? 'one host'}, then{' '}
      <code className="version">{deployment.version}</code> again
    </>
  );
}
