// Runs one job step: `sh -c <run>` in its own process group, every output line streamed, a time
// limit and a cancel signal that stop the whole group, and a result saying how it ended.
import { formatDuration, formatLimit } from '../../base/duration.ts';
import { errorMessage } from '../../base/errors.ts';
import { runBounded } from './run-bounded.ts';

export interface StepOptions {
  /** The step's name, for messages: "step 'unit tests' exited with code 1". */
  name: string;
  run: string;
  cwd: string;
  env: Record<string, string | undefined>;
  /** The user and group the step runs as; the agent's own when absent. */
  user?: { uid: number; gid: number };
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL when the step is stopped. */
  killGraceMs: number;
  signal?: AbortSignal;
  /** Receives each line of stdout and stderr as it comes, then the closing line ("exit 0 in 1.2s"). */
  onLine: (text: string) => void;
}

export type StepResult =
  | { ok: true; durationMs: number }
  | { ok: false; reason: 'exit' | 'signal' | 'timeout' | 'cancelled' | 'spawn'; error: string; exitCode: number | null; durationMs: number };

/**
 * Runs the step to its end and reports it; never rejects. Success is exit code 0. On the time limit
 * or the abort signal the whole process group gets SIGTERM, then SIGKILL after `killGraceMs`.
 * Processes the step left running in its group when its shell exits are stopped the same way; as
 * the job user, so is everything it started at all (see stepCommand), so nothing it starts outlives it.
 */
export async function runStep(o: StepOptions): Promise<StepResult> {
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const [file, args] = stepCommand(o.run, o.user);
  const { end, stopped } = await runBounded({
    file, args, cwd: o.cwd, env: o.env, timeoutMs: o.timeoutMs, killGraceMs: o.killGraceMs, onStdout: o.onLine, onStderr: o.onLine,
    ...(o.signal ? { signal: o.signal } : {}),
  });

  const durationMs = elapsed();
  const fail = (reason: Exclude<StepResult, { ok: true }>['reason'], error: string, exitCode: number | null = null): StepResult => {
    o.onLine(error);
    return { ok: false, reason, error, exitCode, durationMs };
  };
  if ('error' in end) return fail('spawn', `step '${o.name}' could not start: ${errorMessage(end.error)}`);
  if (stopped === 'timeout') return fail('timeout', `step '${o.name}' timed out after ${formatLimit(o.timeoutMs)}`);
  if (stopped === 'cancelled') return fail('cancelled', `step '${o.name}' was cancelled`);
  if (end.code === null) return fail('signal', `step '${o.name}' was killed by ${end.signal ?? 'a signal'}`);
  o.onLine(`exit ${end.code} in ${formatDuration(durationMs)}`);
  if (end.code !== 0) return { ok: false, reason: 'exit', error: `step '${o.name}' exited with code ${end.code}`, exitCode: end.code, durationMs };
  return { ok: true, durationMs };
}

/**
 * The command line of a step. As the job user (a root agent), the step runs in a PID namespace of
 * its own, as that user: a process group is no fence (`setsid` leaves it), and a process left
 * behind would share the job user with every later job, of every project, and could read their
 * secrets and change their artifacts. When the namespace's first process (the step's shell) ends,
 * or `unshare` is stopped (`--kill-child`), the kernel kills everything in it. `setpriv` drops to
 * the job user after the namespace is made, which takes root. Without a job user, the step runs
 * as the agent's own user, who could read the agent's files anyway (see docs/security.md).
 */
function stepCommand(run: string, user: StepOptions['user']): [string, string[]] {
  if (!user) return ['sh', ['-c', run]];
  return ['unshare', ['--pid', '--fork', '--kill-child', 'setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', 'sh', '-c', run]];
}
