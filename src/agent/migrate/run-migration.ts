// The agent's side of a `migrate` command: runs slipway.yml's `migrate.run` once in the staged
// release, with the app's environment and secrets, every line to the central log, and a marker on
// disk so that neither a replay nor an agent restart runs it a second time.
import { stat } from 'node:fs/promises';
import type { Clock } from '../../base/clock.ts';
import { formatLimit } from '../../base/duration.ts';
import { errorMessage } from '../../base/errors.ts';
import { MIGRATION_OUTCOME_UNKNOWN } from '../../core/deploy/migration-plan.ts';
import { SecretMasker } from '../../core/secrets/secret-masker.ts';
import type { Command, CommandResult } from '../../core/protocol/messages.ts';
import { parseLevel } from '../logs/parse-level.ts';
import { appPaths } from '../releases/app-paths.ts';
import { runBounded } from '../runner/run-bounded.ts';
import { checkReleaseNames } from '../releases/release-names.ts';
import { appEnvironment } from '../supervisor/app-environment.ts';
import { LogRing } from '../supervisor/log-ring.ts';
import type { LogLineDraft } from '../spool/log-spool.ts';
import { claimMigration, readMigrationMarker, recordMigrationResult, removeMigrationMarker, type MigrationMarker } from './migration-marker.ts';

export type MigrateCommand = Extract<Command, { kind: 'migrate' }>;

/** The lines of output a result carries, for a failure's cause. */
export const MIGRATION_TAIL_LINES = 20;

export interface RunMigrationDeps {
  /** The agent's --root: releases and markers live there. */
  root: string;
  /** SLIPWAY_HOST: the agent's name. */
  host: string;
  /** The environment apps inherit (default the agent's, without its SLIPWAY_* variables). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Between SIGTERM and SIGKILL when the migration is stopped (default 5 s). */
  killGraceMs?: number;
  clock: Clock;
  log: (line: LogLineDraft) => void;
  /** Aborted when the agent shuts down: the migration is stopped and its outcome stays unrecorded. */
  signal?: AbortSignal;
  /**
   * Run it in a PID namespace of its own (an agent running as root): when its shell ends or is
   * stopped, the kernel ends everything it started, also what left its process group with `setsid`,
   * so nothing of a failed or stopped migration goes on changing the database behind the deployment.
   */
  pidNamespace?: boolean;
}

/**
 * Runs `command` (the server's command `commandId`) once on this host and answers its result. A
 * marker that says it was begun before is answered from: its recorded result again, or
 * SLIPWAY_MIGRATION_OUTCOME_UNKNOWN when it has none (the agent stopped while it ran), and the
 * migration does not run. Otherwise the marker is made first (nothing runs when it cannot be), then
 * `sh -c run` runs in <root>/apps/<app>/releases/<version> in a process group of its own, with the
 * app's environment, PORT `port`, SLIPWAY_DEPLOYMENT_ID and `secrets`; past `timeoutMs` the whole
 * group is stopped. The result is written into the marker, except when `deps.signal` stopped it:
 * then it may have half-run, which a restarted agent answers as outcome unknown. Never rejects.
 */
export async function runMigration(deps: RunMigrationDeps, commandId: string, command: MigrateCommand, secrets: Record<string, string>): Promise<CommandResult> {
  const refuse = (error: string): CommandResult => ({ ok: false, step: 'migrate', error });
  const bad = checkReleaseNames(command.app, command.version);
  if (bad) return refuse(bad);
  const cwd = appPaths(deps.root, command.app).release(command.version);
  const marker: MigrationMarker = {
    commandId, deploymentId: command.deploymentId, app: command.app, version: command.version, startedAt: new Date(deps.clock.now()).toISOString(),
  };
  const notRun = refuse('the agent is stopping: the migration was not run');
  let claim;
  try {
    const earlier = await readMigrationMarker(deps.root, commandId);
    if (earlier) return answerBegun(earlier.marker?.result, earlier.startedAt);
    if (!(await isDirectory(cwd))) return refuse(`release ${command.version} of ${command.app} is not staged on this host`);
    if (deps.signal?.aborted) return notRun;
    claim = await claimMigration(deps.root, marker);
  } catch (err) {
    return refuse(`the migration was not run: its marker could not be read or written: ${errorMessage(err)}`);
  }
  // Another executor on this root made it in between (O_EXCL decides): it runs there, not here.
  if (!claim.claimed) return answerBegun(claim.marker?.result, claim.startedAt);
  if (deps.signal?.aborted) {
    // Stopped while the marker was written: nothing ran, so the marker goes and a re-delivery runs it.
    try {
      await removeMigrationMarker(deps.root, commandId);
      return notRun;
    } catch {
      return answerBegun(undefined, marker.startedAt);
    }
  }

  const { result, stoppedByAgent } = await runMigrationProcess(deps, command, cwd, secrets);
  if (stoppedByAgent) return result;
  try {
    await recordMigrationResult(deps.root, marker, result);
  } catch (err) {
    deps.log({ at: deps.clock.now(), stream: 'deploy', app: command.app, env: command.env, runId: command.runId ?? null, deploymentId: command.deploymentId, level: 'warn', text: `the migration's result could not be recorded on this host (a restarted agent would answer that its outcome is unknown): ${errorMessage(err)}` });
  }
  return result;
}

/** What a begun migration answers: its recorded result, or that its outcome is not known. */
function answerBegun(result: CommandResult | undefined, startedAt: string): CommandResult {
  if (result) return result;
  return {
    ok: false, step: 'migrate', errorCode: MIGRATION_OUTCOME_UNKNOWN,
    error: `this migration began at ${startedAt} before the agent restarted; whether it finished is not known, so it is not run again: check the database, then deploy again`,
  };
}

/** Spawns the migration, streams its lines and waits for its end (and the end of its whole group). */
async function runMigrationProcess(deps: RunMigrationDeps, command: MigrateCommand, cwd: string, secrets: Record<string, string>): Promise<{ result: CommandResult; stoppedByAgent: boolean }> {
  const tail = new LogRing(MIGRATION_TAIL_LINES);
  // The tail is written into the marker on disk, where no secret may land (docs/security.md): masked
  // here with the values this migration got (the spool masks the lines sent to the log itself).
  const masker = new SecretMasker(Object.values(secrets));
  const tags = { app: command.app, env: command.env, runId: command.runId ?? null, deploymentId: command.deploymentId };
  // Levels as for an app's output (AppLogs): a stderr line that states none counts as an error.
  const line = (fromStderr: boolean) => (text: string) => {
    tail.push(masker.mask(text));
    deps.log({ at: deps.clock.now(), stream: 'migrate', ...tags, level: parseLevel(text) ?? (fromStderr ? 'error' : null), text });
  };
  const env = {
    ...appEnvironment({ baseEnv: deps.baseEnv, secrets, port: command.port, app: command.app, version: command.version, env: command.env, host: deps.host }),
    SLIPWAY_DEPLOYMENT_ID: command.deploymentId,
  };
  const [file, args] = deps.pidNamespace ? ['unshare', ['--pid', '--fork', '--kill-child', 'sh', '-c', command.run]] : ['sh', ['-c', command.run]];
  // What the shell left running in its group (a background job) ends with it: a migration is over when its shell is.
  const { end, stopped } = await runBounded({
    file, args, cwd, env, timeoutMs: command.timeoutMs, killGraceMs: deps.killGraceMs ?? 5000, onStdout: line(false), onStderr: line(true),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });

  const logTail = tail.toArray();
  const fail = (error: string, exitCode?: number | null): CommandResult => ({ ok: false, step: 'migrate', ...(exitCode === undefined ? {} : { exitCode }), error, logTail });
  // Not a failure: it may have half-run. Should this answer ever reach the server, it must stop the deployment for a person.
  if (stopped === 'cancelled') {
    return { result: { ...fail('the agent stopped while the migration ran: it was stopped, and may have half-run'), errorCode: MIGRATION_OUTCOME_UNKNOWN }, stoppedByAgent: true };
  }
  return { result: describeEnd(end, stopped === 'timeout', command.timeoutMs, fail, logTail), stoppedByAgent: false };
}

function describeEnd(
  end: { code: number | null; signal: NodeJS.Signals | null } | { error: Error }, timedOut: boolean, timeoutMs: number,
  fail: (error: string, exitCode?: number | null) => CommandResult, logTail: string[],
): CommandResult {
  if ('error' in end) return fail(`the migration could not start: ${errorMessage(end.error)}`);
  if (timedOut) return fail(`the migration did not end within ${formatLimit(timeoutMs)}: stopped`);
  if (end.code === null) return fail(`the migration was killed by ${end.signal ?? 'a signal'}`, null);
  if (end.code !== 0) return fail(`the migration exited with code ${end.code}`, end.code);
  return { ok: true, logTail };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
