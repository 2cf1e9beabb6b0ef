// Runs a command to its end in a process group of its own, with a time limit and a cancel signal
// that stop the whole group (SIGTERM, then SIGKILL after a grace): what a job step and a migration
// share. Whatever the command left running in its group when it exits is stopped with it.
import { spawn } from 'node:child_process';
import { setLongTimeout } from '../../base/long-timeout.ts';
import { followLines } from '../follow-lines.ts';
import { terminateGroup } from './process-group.ts';

export interface BoundedProcess {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL when it is stopped. */
  killGraceMs: number;
  signal?: AbortSignal;
  onStdout: (text: string) => void;
  onStderr: (text: string) => void;
}

export interface BoundedEnd {
  /** How the process ended, or why it could not start. */
  end: { code: number | null; signal: NodeJS.Signals | null } | { error: Error };
  /** Set when the time limit or the signal stopped it. */
  stopped: 'timeout' | 'cancelled' | undefined;
}

/** Never rejects: every line of its output has been passed on when it resolves. */
export async function runBounded(o: BoundedProcess): Promise<BoundedEnd> {
  const child = spawn(o.file, o.args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const outputs = [followLines(child.stdout, o.onStdout), followLines(child.stderr, o.onStderr)];

  let stopped: BoundedEnd['stopped'];
  let stopping: Promise<void> | undefined;
  let exited = false;
  const stop = (why: 'timeout' | 'cancelled'): void => {
    if (exited || stopped || child.pid === undefined) return;
    stopped = why;
    stopping = terminateGroup(child.pid, o.killGraceMs);
  };
  const cancelTimer = setLongTimeout(() => stop('timeout'), o.timeoutMs);
  const onAbort = (): void => stop('cancelled');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();

  const end = await new Promise<BoundedEnd['end']>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ error }));
  });
  exited = true;
  cancelTimer();
  o.signal?.removeEventListener('abort', onAbort);
  if (child.pid !== undefined) await (stopping ?? terminateGroup(child.pid, o.killGraceMs));
  await Promise.all(outputs.map((done) => done()));
  return { end, stopped };
}
