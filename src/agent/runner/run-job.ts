// The runner's job executor (DESIGN §2 build, §5 `job`): clean workspace, exact commit's tree, the
// steps with their output streamed, and for a build the artifact packed and uploaded.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration } from '../../base/duration.ts';
import { errorMessage } from '../../base/errors.ts';
import type { CommandResult, JobSpec } from '../../core/protocol/messages.ts';
import { fetchSource } from './fetch-source.ts';
import { packArtifact } from './pack-artifact.ts';
import { runStep } from './run-step.ts';
import { uploadArtifact } from './upload-artifact.ts';
import type { JobUser } from './job-user.ts';
import { chownTree, isSafeJobId, removeTree, resetWorkspace } from './workspace.ts';

const TAIL_LINES = 30;
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface JobLine {
  stream: 'job';
  text: string;
  /** The step's name for its command, output and exit lines; absent for the job's own lines. */
  step?: string;
}

export interface RunJobDeps {
  serverUrl: string;
  /** The agent's token, sent as `Authorization: Bearer`. */
  token: string;
  /** A build's one-time upload token from its command: sent with the artifact, never given to a step. */
  uploadToken?: string;
  /** Workspaces are `<workRoot>/<jobId>`. */
  workRoot: string;
  onLine: (line: JobLine) => void;
  /** Cancels the job: the running step's process group is stopped. */
  signal?: AbortSignal;
  /** The PATH steps get; a system PATH when absent. Nothing else comes from the agent's environment. */
  path?: string;
  /** The LANG steps get; C.UTF-8 when absent. */
  lang?: string;
  /**
   * The user steps run as (the agent's own when absent): the workspace is handed to this user
   * before the first step, so a step can write there and nowhere the agent keeps its own files.
   */
  user?: JobUser;
  /** Between SIGTERM and SIGKILL when a step is stopped; 5 s when absent. */
  killGraceMs?: number;
}

/**
 * Runs a build or verify job to its end and returns the result to send back; never rejects.
 * In a fresh `<workRoot>/<jobId>`, it unpacks the commit's tree from `serverUrl + spec.sourcePath`,
 * runs each step with `sh -c` as deps.user, and stops at the first failing one with `{ ok: false, error, exitCode, logTail }`. A build
 * then packs `spec.artifactPaths` and uploads it; success is `{ ok: true, artifact: { sha256, size } }`.
 * Every line (step commands, output, exit lines, the job's own notes) goes through `onLine`. The
 * workspace is removed at the end, whatever happened.
 *
 * A step's environment is clean (see jobEnvironment): nothing of the agent's own environment, where
 * its join token may be, reaches a step; nor does HOME point at the agent's home.
 */
export async function runJob(spec: JobSpec, deps: RunJobDeps): Promise<CommandResult> {
  const tail: string[] = [];
  const say = (text: string, step?: string): void => {
    tail.push(text);
    if (tail.length > TAIL_LINES) tail.shift();
    deps.onLine(step === undefined ? { stream: 'job', text } : { stream: 'job', text, step });
  };
  const fail = (error: string, exitCode?: number | null): CommandResult => {
    if (!tail.includes(error)) say(error);
    return { ok: false, error, logTail: [...tail], ...(exitCode === undefined ? {} : { exitCode }) };
  };

  if (!isSafeJobId(spec.jobId)) return fail(`job id '${spec.jobId}' cannot name a workspace folder`);
  const workspace = join(deps.workRoot, spec.jobId);
  const artifactFile = join(deps.workRoot, `${spec.jobId}.artifact.tar.gz`);
  const base = deps.serverUrl.replace(/\/+$/, '');
  try {
    await resetWorkspace(workspace, deps.user);
    const fetchStarted = performance.now();
    say(`fetching ${spec.project} at ${spec.sha.slice(0, 7)}`);
    const fetched = await fetchSource({
      url: base + spec.sourcePath,
      token: deps.token,
      dir: workspace,
      signal: deps.signal,
      onSkipped: (path, type) => say(`skipped ${path}: a ${type}; only files and folders are unpacked`),
    });
    if (!fetched.ok) return fail(fetched.error);
    say(`fetched ${fetched.files} files in ${formatDuration(performance.now() - fetchStarted)}`);

    // What the source brought in was unpacked by the agent: the steps' user gets it.
    if (deps.user) await chownTree(workspace, deps.user);
    const env = jobEnvironment(spec, { path: deps.path ?? SYSTEM_PATH, lang: deps.lang ?? 'C.UTF-8', home: workspace });
    for (const step of spec.steps) {
      if (deps.signal?.aborted) return fail('job cancelled');
      const [first = '', ...rest] = step.run.split('\n');
      say(`$ ${first}`, step.name);
      for (const line of rest) say(`> ${line}`, step.name);
      const result = await runStep({
        name: step.name,
        run: step.run,
        cwd: workspace,
        env,
        ...(deps.user ? { user: deps.user } : {}),
        timeoutMs: step.timeoutMs,
        killGraceMs: deps.killGraceMs ?? 5000,
        signal: deps.signal,
        onLine: (text) => say(text, step.name),
      });
      if (!result.ok) return fail(result.error, result.exitCode);
    }
    if (spec.kind !== 'build') return { ok: true };

    const packed = await packArtifact({ workspace, paths: spec.artifactPaths, file: artifactFile });
    if (!packed.ok) return fail(packed.error);
    say(`packed ${packed.entries} entries: ${packed.size} bytes, sha256 ${packed.sha256}`);
    const uploaded = await uploadArtifact({
      url: `${base}/api/v1/artifacts`,
      token: deps.token,
      ...(deps.uploadToken ? { uploadToken: deps.uploadToken } : {}),
      file: artifactFile,
      sha256: packed.sha256,
      size: packed.size,
      signal: deps.signal,
    });
    if (!uploaded.ok) return fail(uploaded.error);
    say('artifact uploaded');
    return { ok: true, artifact: { sha256: uploaded.sha256, size: uploaded.size } };
  } catch (err) {
    return fail(`the runner failed: ${errorMessage(err)}`);
  } finally {
    await cleanUp(workspace, artifactFile, say);
  }
}

/**
 * The whole environment of a job's steps: PATH, HOME (the workspace), LANG, CI=true, the variables
 * the server gave the job (spec.env) and the SLIPWAY_* variables of the job. Nothing else: the
 * agent's own environment may hold its join token.
 */
export function jobEnvironment(spec: JobSpec, base: { path: string; lang: string; home: string }): Record<string, string> {
  return {
    ...spec.env,
    PATH: base.path,
    HOME: base.home,
    LANG: base.lang,
    CI: 'true',
    // Empty when the job has no run (a deployment's migration) or no deployment (a build).
    SLIPWAY_RUN_ID: spec.runId ?? '',
    SLIPWAY_DEPLOYMENT_ID: spec.deploymentId ?? '',
    SLIPWAY_JOB_ID: spec.jobId,
    SLIPWAY_SHA: spec.sha,
    SLIPWAY_VERSION: spec.version,
  };
}

async function cleanUp(workspace: string, artifactFile: string, say: (text: string) => void): Promise<void> {
  try {
    await removeTree(workspace);
    await rm(artifactFile, { force: true });
  } catch (err) {
    say(`could not remove the workspace ${workspace}: ${errorMessage(err)}`);
  }
}
