// The server's view of secrets: sealing values for the store, opening the ones a command needs
// when the gateway sends it (values never enter agent_commands), and masking every known value in
// what comes in from agents and in what the server writes.
import type { Logger } from 'pino';
import { errorMessage } from '../../base/errors.ts';
import { SecretMasker } from '../../core/secrets/secret-masker.ts';
import type { Command, CommandResult } from '../../core/protocol/messages.ts';
import type { Store, StoredSecret } from '../../storage/store.ts';
import type { SecretAddress, SecretCipher } from './secret-cipher.ts';

export interface ProjectSecretsDeps {
  store: Store;
  cipher: SecretCipher;
  log: Logger;
}

/** Which of a project's secrets a process gets. */
export interface SecretAudience {
  projectId: string;
  /** The environment: its secrets and the project-wide ones. Null: the project-wide ones only. */
  env: string | null;
  /** A build job: only the secrets marked --build. */
  build: boolean;
}

export class ProjectSecrets {
  private readonly masker = new SecretMasker();

  constructor(private readonly deps: ProjectSecretsDeps) {}

  seal(value: string, address: SecretAddress): string {
    return this.deps.cipher.seal(value, address);
  }

  /**
   * Reads every secret again and rebuilds the matcher `mask` uses. Called at start and after each
   * change this server made. A secret that cannot be opened (another key) is logged by name and
   * left out.
   */
  async refresh(): Promise<void> {
    const values: string[] = [];
    for (const secret of await this.deps.store.secrets.listAll()) {
      const value = this.open(secret);
      if (value !== undefined) values.push(value);
    }
    this.masker.replace(values);
  }

  /** `text` with every form of every secret's value masked. */
  mask(text: string): string {
    return this.masker.mask(text);
  }

  /** An agent's result with its error and log tail masked. */
  maskResult(result: CommandResult): CommandResult {
    return {
      ...result,
      ...(result.error === undefined ? {} : { error: this.mask(result.error) }),
      ...(result.logTail === undefined ? {} : { logTail: result.logTail.map((line) => this.mask(line)) }),
    };
  }

  /**
   * The values the process a command starts gets, by name: an app (activate), a migration
   * (migrate) and a verify job get their environment's secrets and the project-wide ones (the environment's win
   * on a name both have); a build job gets the project-wide secrets marked --build. Other commands
   * get none.
   */
  async forCommand(command: Command): Promise<Record<string, string>> {
    const audience = await this.audienceOf(command);
    return audience === undefined ? {} : this.valuesFor(audience);
  }

  async valuesFor(audience: SecretAudience): Promise<Record<string, string>> {
    const chosen = (await this.deps.store.secrets.list(audience.projectId))
      .filter((s) => (audience.build ? s.build && s.env === null : s.env === null || s.env === audience.env))
      // Project-wide first, so that the environment's value of the same name replaces it.
      .sort((a, b) => Number(a.env !== null) - Number(b.env !== null));
    const values: Record<string, string> = {};
    for (const secret of chosen) {
      const value = this.open(secret);
      if (value !== undefined) values[secret.name] = value;
    }
    return values;
  }

  private async audienceOf(command: Command): Promise<SecretAudience | undefined> {
    const { store } = this.deps;
    if (command.kind === 'activate' || command.kind === 'migrate') {
      const deployment = command.deploymentId === null ? undefined : await store.deployments.get(command.deploymentId);
      return deployment && { projectId: deployment.projectId, env: command.env, build: false };
    }
    if (command.kind !== 'job') return undefined;
    const { job } = command;
    const project = await store.projects.getByName(job.project);
    if (!project) return undefined;
    if (job.kind === 'build') return { projectId: project.id, env: null, build: true };
    // The server wrote the job's spec (SLIPWAY_ENV of a verify job); a deployment's job is of its env.
    const deployment = job.deploymentId === null ? undefined : await store.deployments.get(job.deploymentId);
    return { projectId: project.id, env: deployment?.env ?? job.env.SLIPWAY_ENV ?? null, build: false };
  }

  private open(secret: StoredSecret): string | undefined {
    try {
      return this.deps.cipher.open(secret.ciphertext, secret);
    } catch (err) {
      this.deps.log.error({ secret: secret.name, env: secret.env, err: errorMessage(err) }, 'a secret cannot be opened; it is left out');
      return undefined;
    }
  }
}
