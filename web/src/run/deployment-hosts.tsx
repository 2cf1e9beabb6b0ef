// One deployment of a run: its state, and a bar per host showing the step it has reached; when
// it was rolled back, the host that caused it with its last log lines.
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import { hostStepView } from '../../../src/core/api/host-step-view.ts';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { deploymentProgress, hostCountLabel, hostProgress } from './progress.ts';

export function DeploymentHosts({ deployment }: { deployment: DeploymentDetail }) {
  const overall = deploymentProgress(deployment);
  return (
    <section className="card deployment" data-deployment={deployment.id} data-env={deployment.env} aria-label={`${deployment.env} deployment`}>
      <header className="deployment-head">
        <div>
          <h3>{deployment.env}</h3>
          <div className="muted small-text">
            {deployment.kind === 'rollback' ? 'rollback to' : 'deploy'} <code className="version">{deployment.version}</code> · batch {String(deployment.batch)} · by {deployment.requestedBy}
          </div>
        </div>
        <div className="deployment-state">
          <StatusBadge status={deployment.status} />
          <span className="muted small-text">{hostCountLabel(deployment)}</span>
        </div>
      </header>
      <ProgressBar value={overall.value} tone={overall.tone} label={`${deployment.env} deployment progress`} />
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
      {deployment.cause && (
        <div className="cause">
          <strong>{deployment.cause.host}</strong> failed at {deployment.cause.step}: {deployment.cause.error}
          {deployment.cause.logTail.length > 0 && <pre className="cause-tail">{deployment.cause.logTail.join('\n')}</pre>}
        </div>
      )}
      {deployment.error && <div className="stage-error">{deployment.error}</div>}
    </section>
  );
}
