// Carries out the server's commands on this host. Each command id runs once: a replay (after a
// reconnect) of one in flight waits for it, and a replay of one done gets the same result again;
// a migration runs once also across agent restarts (runMigration keeps a marker on disk).
import { systemClock } from '../base/clock.ts';
import { errorMessage } from '../base/errors.ts';
import type { Command, CommandResult } from '../core/protocol/messages.ts';
import type { LogLineDraft } from './spool/log-spool.ts';
import { applyLbCommand } from './lb/apply-lb-command.ts';
import { parseLevel } from './logs/parse-level.ts';
import { runMigration } from './migrate/run-migration.ts';
import { activateRelease } from './releases/activate-release.ts';
import { deactivateApp } from './releases/deactivate-app.ts';
import { prepareRelease } from './releases/prepare-release.ts';
import type { AppHostDeps } from './releases/start-app.ts';
import { runJob, type RunJobDeps } from './runner/run-job.ts';

export interface CommandExecutorDeps {
  host: AppHostDeps;
  serverUrl: string;
  token: () => string;
  /** The HAProxy stats sockets this agent drives (`--haproxy-socket`): `lb` commands for others are refused. */
  haproxySockets?: readonly string[];
  /** Where jobs run, as whom, with which PATH. */
  jobs: Pick<RunJobDeps, 'workRoot' | 'user' | 'path'>;
  log: (line: LogLineDraft) => void;
  /** Called with each result, also for replays. */
  onResult: (commandId: string, result: CommandResult) => void;
  /** Called after a command changed what the host runs or keeps. */
  onAppsChanged: () => void;
  /** Between SIGTERM and SIGKILL when a migration is stopped (default 5 s). */
  migrationKillGraceMs?: number;
  /** Migrations run in a PID namespace of their own (see RunMigrationDeps.pidNamespace): an agent running as root. */
  isolateMigrations?: boolean;
}

const REMEMBERED_RESULTS = 1000;

export class CommandExecutor {
  private readonly running = new Map<string, Promise<CommandResult>>();
  private readonly done = new Map<string, CommandResult>();
  private readonly aborts = new Set<AbortController>();
  /** Per HAProxy stats socket, the `lb` command last begun: the next waits for it. */
  private readonly lbTurns = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: CommandExecutorDeps) {}

  /** Ids of the commands still running, for `hello`. */
  get inFlight(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Runs `command` once; `secrets` (name → value) go to the process it starts, as environment
   * variables; `uploadToken` (a build job's) goes with the artifact upload, never to a step.
   */
  handle(id: string, command: Command, secrets: Record<string, string> = {}, uploadToken?: string): void {
    const known = this.done.get(id);
    if (known) return this.deps.onResult(id, known);
    if (this.running.has(id)) return;
    const work = this.execute(id, command, secrets, uploadToken).catch((err: unknown): CommandResult => ({ ok: false, error: `the agent failed: ${errorMessage(err)}` }));
    this.running.set(id, work);
    void work.then((result) => {
      this.running.delete(id);
      this.remember(id, result);
      this.deps.onResult(id, result);
      if (command.kind !== 'job' && command.kind !== 'lb' && command.kind !== 'migrate') this.deps.onAppsChanged();
    });
  }

  /** Cancels running jobs, stops a running migration, and waits for every command to settle. */
  async close(): Promise<void> {
    for (const abort of this.aborts) abort.abort();
    await Promise.allSettled(this.running.values());
  }

  private async execute(id: string, command: Command, secrets: Record<string, string>, uploadToken: string | undefined): Promise<CommandResult> {
    const { deps } = this;
    // The agent's own lines about a deployment: tagged with its run and deployment for the central log.
    const tags = { runId: 'runId' in command ? (command.runId ?? null) : null, deploymentId: 'deploymentId' in command ? (command.deploymentId ?? null) : null };
    const deployLog = (app: string, env: string | null, text: string, level = 'info') =>
      deps.log({ at: Date.now(), stream: 'deploy', app, env, ...tags, level, text });
    switch (command.kind) {
      case 'prepare': {
        deployLog(command.app, null, `staging ${command.app} ${command.version} (${command.size} bytes)`);
        const outcome = await prepareRelease({
          root: deps.host.root, app: command.app, version: command.version, url: `${deps.serverUrl}${command.artifactPath}`,
          token: deps.token(), sha256: command.sha256, size: command.size,
        });
        deployLog(command.app, null, outcome.ok ? `staged ${command.version}` : `staging ${command.version} failed: ${outcome.error}`, outcome.ok ? 'info' : 'error');
        return outcome.ok ? { ok: true, previous: outcome.previous } : { ok: false, error: outcome.error, step: 'stage' };
      }
      case 'activate': {
        deployLog(command.app, command.env, `activating ${command.app} ${command.version} on port ${command.run.port}`);
        const outcome = await activateRelease(deps.host, {
          app: command.app, version: command.version, env: command.env, run: command.run, ...tags, logs: command.logs ?? [], secrets,
        });
        deployLog(command.app, command.env, outcome.ok ? `${command.version} is healthy` : `activating ${command.version} failed at ${outcome.step ?? 'activate'}: ${outcome.error ?? ''}`, outcome.ok ? 'info' : 'error');
        return outcome;
      }
      case 'deactivate': {
        const outcome = await deactivateApp(deps.host, command.app);
        deployLog(command.app, null, outcome.ok ? `stopped ${command.app}` : `stopping ${command.app} failed: ${outcome.error}`);
        return outcome;
      }
      case 'job':
        // The job's own variables (SLIPWAY_*) win over a secret of the same name.
        return this.runJob({ ...command.job, env: { ...secrets, ...command.job.env } }, uploadToken);
      case 'lb':
        return this.applyLb(command, tags);
      case 'migrate': {
        deployLog(command.app, command.env, `migrating ${command.app} ${command.version}: ${command.run}`);
        const outcome = await this.migrate(id, command, secrets);
        deployLog(command.app, command.env, outcome.ok ? `the migration of ${command.version} succeeded` : `the migration of ${command.version} failed: ${outcome.error ?? ''}`, outcome.ok ? 'info' : 'error');
        return outcome;
      }
    }
  }

  /**
   * Changes are logged (a read is not: the server reads a backend on every pass while it waits).
   * Commands for one HAProxy run one after the other, in the order they came: the server may give
   * up on a slow `set … drain` and send `set … ready`, and the drain must not land after the ready.
   */
  private async applyLb(command: Extract<Command, { kind: 'lb' }>, tags: { runId: string | null; deploymentId: string | null }): Promise<CommandResult> {
    const before = this.lbTurns.get(command.socket);
    const turn = (before ?? Promise.resolve()).catch(() => undefined).then(() => applyLbCommand(command, { sockets: this.deps.haproxySockets ?? [] }));
    this.lbTurns.set(command.socket, turn);
    const result = await turn.finally(() => {
      if (this.lbTurns.get(command.socket) === turn) this.lbTurns.delete(command.socket);
    });
    if (command.set.length > 0 || !result.ok) {
      const changes = command.set.map((s) => `${s.server} ${s.state}`).join(', ');
      const text = result.ok ? `HAProxy ${command.backend}: set ${changes}` : `HAProxy ${command.backend}${changes ? `: setting ${changes}` : ''} failed: ${result.error ?? ''}`;
      this.deps.log({ at: Date.now(), stream: 'deploy', app: null, env: null, ...tags, level: result.ok ? 'info' : 'error', text });
    }
    return result;
  }

  private async runJob(job: Extract<Command, { kind: 'job' }>['job'], uploadToken: string | undefined): Promise<CommandResult> {
    const abort = new AbortController();
    this.aborts.add(abort);
    try {
      return await runJob(job, {
        serverUrl: this.deps.serverUrl,
        token: this.deps.token(),
        ...(uploadToken ? { uploadToken } : {}),
        ...this.deps.jobs,
        signal: abort.signal,
        onLine: (line) => this.deps.log({ at: Date.now(), stream: 'job', runId: job.runId, deploymentId: job.deploymentId, app: null, env: job.env.SLIPWAY_ENV ?? null, level: parseLevel(line.text), text: line.text }),
      });
    } finally {
      this.aborts.delete(abort);
    }
  }

  /** Runs a migration once (see runMigration); the agent's close() stops it. */
  private async migrate(id: string, command: Extract<Command, { kind: 'migrate' }>, secrets: Record<string, string>): Promise<CommandResult> {
    const abort = new AbortController();
    this.aborts.add(abort);
    try {
      const { host } = this.deps;
      return await runMigration({
        root: host.root, host: host.host, ...(host.baseEnv ? { baseEnv: host.baseEnv } : {}), clock: host.clock ?? systemClock,
        ...(this.deps.migrationKillGraceMs === undefined ? {} : { killGraceMs: this.deps.migrationKillGraceMs }),
        pidNamespace: this.deps.isolateMigrations ?? false,
        log: this.deps.log, signal: abort.signal,
      }, id, command, secrets);
    } finally {
      this.aborts.delete(abort);
    }
  }

  private remember(id: string, result: CommandResult): void {
    this.done.set(id, result);
    if (this.done.size > REMEMBERED_RESULTS) this.done.delete(this.done.keys().next().value!);
  }
}
