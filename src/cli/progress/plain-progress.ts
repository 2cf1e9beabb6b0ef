// Progress as plain lines for output that is not a terminal (a pipe, a CI log): one line for each
// change of a run, stage, deployment or host, and the failing host's last log lines.
import { hostStepView } from '../../core/api/host-step-view.ts';
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
    for (const deployment of run.deployments) this.deployment(deployment);
  }

  /** The deployment's status, then its hosts' steps; once it ended, the hosts' last steps come first. */
  private deployment(deployment: DeploymentDetail): void {
    const ended = deploymentEnded.includes(deployment.status);
    if (ended) this.hosts(deployment);
    this.note(`deployment:${deployment.id}`, deployment.status, () => {
      this.write(`  ${deployment.env}: ${deployment.kind} of ${deployment.version} ${deployment.status.replace('_', ' ')}`);
      if (deployment.cause && deployment.status !== 'staging') {
        const { cause } = deployment;
        this.write(`    cause: ${cause.host} failed at ${cause.step}: ${cleanText(cause.error)}`);
        for (const line of cause.logTail.slice(-10)) this.write(`    | ${cleanText(line)}`);
      }
      if (deployment.error) this.write(`    ${cleanText(deployment.error)}`);
    });
    if (!ended) this.hosts(deployment);
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
