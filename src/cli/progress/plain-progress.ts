// Progress as plain lines for output that is not a terminal (a pipe, a CI log): one line for each
// change of a run, stage, deployment, migration or host, and the failing host's last log lines.
import { hostStepView } from '../../core/api/host-step-view.ts';
import { failedMigrationText, migrationLogTail, migrationView } from '../../core/api/migration-view.ts';
import { notRollbackSafeText, rehearsalView } from '../../core/api/rehearsal-view.ts';
import { deploymentEnded, type DeploymentDetail, type ProgressState, type RunDetail } from './progress-state.ts';
import { cleanText } from './styled-text.ts';

export class PlainProgress {
  private readonly seen = new Map<string, string>();

  constructor(private readonly write: (line: string) => void) {}

  /** Writes a line for each thing whose status changed since the last state shown. */
  show(state: ProgressState): void {
    if (state.kind === 'run') this.run(state.run);
    else this.deployment(state.deployment);
  }

  private run(run: RunDetail): void {
    this.note(`run:${run.id}`, run.status, () => this.write(`run #${run.number} ${run.version} ${run.status}${run.error ? `: ${cleanText(run.error)}` : ''}`));
    for (const stage of run.stages) {
      this.note(`stage:${stage.id}`, stage.status, () => {
        this.write(`  ${stage.name.padEnd(12)} ${stage.status.replace('_', ' ')}${stage.error ? `: ${cleanText(stage.error)}` : ''}`);
      });
    }
    // The not-rollback-safe notice below carries the failed rehearsal's log lines.
    for (const deployment of run.deployments) this.deployment(deployment, deployment.id === run.rollbackSafety?.deploymentId);
    const unsafe = notRollbackSafeText(run.rollbackSafety);
    if (unsafe && run.rollbackSafety) {
      const { logTail } = run.rollbackSafety;
      this.note(`safety:${run.id}`, unsafe, () => {
        this.write(`  ${cleanText(unsafe)}`);
        for (const line of logTail.slice(-10)) this.write(`    | ${cleanText(line)}`);
      });
    }
  }

  /**
   * The deployment's status, then its migration's state and its hosts' steps; once it ended, the
   * migration's and hosts' last ones come first.
   */
  private deployment(deployment: DeploymentDetail, logsShownElsewhere = false): void {
    const ended = deploymentEnded.includes(deployment.status);
    if (ended) this.steps(deployment);
    this.note(`deployment:${deployment.id}`, deployment.status, () => {
      if (deployment.status === 'failed_migration') {
        this.write(`  ${deployment.env}: ${what(deployment)} ${cleanText(failedMigrationText(deployment))}`);
        for (const line of migrationLogTail(deployment).slice(-10)) this.write(`    | ${cleanText(line)}`);
        return;
      }
      this.write(`  ${deployment.env}: ${what(deployment)} ${deployment.status.replace(/_/g, ' ')}`);
      if (deployment.cause && deployment.status !== 'staging') {
        const { cause } = deployment;
        this.write(`    cause: ${cause.host} failed at ${cause.step}: ${cleanText(cause.error)}`);
        if (!logsShownElsewhere) for (const line of cause.logTail.slice(-10)) this.write(`    | ${cleanText(line)}`);
      }
      if (deployment.error) this.write(`    ${cleanText(deployment.error)}`);
    });
    if (!ended) this.steps(deployment);
  }

  private steps(deployment: DeploymentDetail): void {
    const { migration } = deployment;
    if (migration) {
      this.note(`migration:${deployment.id}`, migration.state, () => this.write(`    ${'migrate'.padEnd(16)} ${cleanText(migrationView(migration).text)}`));
    }
    this.hosts(deployment);
  }

  private hosts(deployment: DeploymentDetail): void {
    for (const host of deployment.hosts) {
      this.note(`host:${deployment.id}:${host.agentId}`, host.step, () => {
        this.write(`    ${host.hostName.padEnd(16)} ${hostStepView(host.step).word}${host.error ? `: ${cleanText(host.error)}` : ''}`);
      });
    }
  }

  private note(key: string, value: string, print: () => void): void {
    if (this.seen.get(key) === value) return;
    this.seen.set(key, value);
    print();
  }
}

/** "deploy of 2-bbbbbbb", "rollback of 1-aaaaaaa", "rehearsal of 1-aaaaaaa on web-1". */
function what(deployment: DeploymentDetail): string {
  if (deployment.kind !== 'rehearsal') return `${deployment.kind} of ${deployment.version}`;
  const view = rehearsalView(deployment);
  return `rehearsal of ${view.previousVersion ?? 'the previous release'}${view.host ? ` on ${view.host}` : ''}`;
}
