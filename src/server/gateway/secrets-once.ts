// The secrets of the commands sent in one delivery, each deployment's environment's read once: a
// restore sends every host of an environment an activation with the same secrets, and reading and
// opening them again for each of thousands of hosts cost more than sending.
import type { Command } from '../../core/protocol/messages.ts';
import type { ProjectSecrets } from '../secrets/project-secrets.ts';

export class SecretsOnce {
  private readonly byDeployment = new Map<string, Promise<Record<string, string>>>();

  constructor(private readonly secrets: Pick<ProjectSecrets, 'forCommand'> | undefined) {}

  /**
   * What ProjectSecrets.forCommand gives the command. An activation's and a migration's depend only
   * on their deployment and environment: kept for the others of this delivery (a rejected read is
   * not kept). Jobs' are read each time.
   */
  forCommand(command: Command): Promise<Record<string, string>> {
    if (!this.secrets) return Promise.resolve({});
    if ((command.kind !== 'activate' && command.kind !== 'migrate') || command.deploymentId === null) return this.secrets.forCommand(command);
    const key = `${command.kind}\n${command.deploymentId}\n${command.env}`;
    let values = this.byDeployment.get(key);
    if (!values) {
      values = this.secrets.forCommand(command);
      this.byDeployment.set(key, values);
      values.catch(() => this.byDeployment.delete(key));
    }
    return values;
  }
}
