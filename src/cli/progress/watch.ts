// Follows a run, a deployment, or the newest run of a project live until it ends, showing its
// progress on a ProgressView: driven by the events stream, refetching on each event that concerns it.
import type { RunSummary } from '../../core/api/answers.ts';
import type { Run, Stage } from '../../core/model.ts';
import type { ApiClient } from '../api-client.ts';
import { projectPath } from '../api-client.ts';
import type { EventServer } from './event-stream.ts';
import { followProgress } from './follow-progress.ts';
import { deploymentEnded, type DeploymentDetail, type RunDetail } from './progress-state.ts';
import type { ProgressView } from './progress-view.ts';

export interface ProgressContext {
  api: ApiClient;
  /** Where the events stream is: the API's URL and token. */
  server: EventServer;
  view: ProgressView;
}

export interface WatchOptions {
  /** Stop following a run when it waits for a manual approval. */
  stopAtApproval?: boolean;
  /** Called once for each stage that starts waiting for a manual approval. */
  onApproval?: (run: Run, stage: Stage) => void;
  signal?: AbortSignal;
}

/** Shows the run until it ends (or waits for approval, with stopAtApproval); returns it as it was then. */
export async function watchRun(ctx: ProgressContext, project: string, number: number, options: WatchOptions = {}): Promise<RunDetail> {
  const fetch = () => ctx.api.get<RunDetail>(projectPath(project, `/runs/${number}`));
  const run = await fetch();
  const approvals = approvalNotices(options.onApproval);
  const ended = await followProgress(ctx.server, {
    filter: { run: run.id },
    fetch,
    update: (detail) => {
      ctx.view.show({ kind: 'run', project, run: detail });
      approvals(detail);
      return runEnded(detail) || Boolean(options.stopAtApproval && awaitingApproval(detail));
    },
  }, options.signal);
  ctx.view.finish();
  return ended ?? run;
}

/** Shows the deployment until it ends; returns it as it ended. */
export async function watchDeployment(ctx: ProgressContext, project: string, id: string, options: Pick<WatchOptions, 'signal'> = {}): Promise<DeploymentDetail> {
  const fetch = () => ctx.api.get<DeploymentDetail>(`/api/v1/deployments/${encodeURIComponent(id)}`);
  const ended = await followProgress(ctx.server, {
    filter: { deployment: id },
    fetch,
    update: (deployment) => {
      ctx.view.show({ kind: 'deployment', project, deployment });
      return deploymentEnded.includes(deployment.status);
    },
  }, options.signal);
  ctx.view.finish();
  return ended ?? fetch();
}

/** Shows the project's newest run, and each newer one as it is created, until the signal aborts. */
export async function watchNewestRuns(ctx: ProgressContext, project: string, options: Pick<WatchOptions, 'onApproval'> & { signal: AbortSignal }): Promise<void> {
  let shown: RunDetail | undefined;
  const approvals = approvalNotices(options.onApproval);
  await followProgress<RunDetail | undefined>(ctx.server, {
    filter: { project },
    concerns: (event, latest) => event.kind === 'run.created' || !latest || event.runId === latest.id,
    fetch: async () => {
      const [newest] = await ctx.api.get<RunSummary[]>(projectPath(project, '/runs?limit=1'));
      return newest ? ctx.api.get<RunDetail>(projectPath(project, `/runs/${newest.number}`)) : undefined;
    },
    update: (run) => {
      if (!run) return false;
      if (shown && shown.id !== run.id) ctx.view.finish();
      shown = run;
      ctx.view.show({ kind: 'run', project, run });
      approvals(run);
      return false;
    },
  }, options.signal);
  ctx.view.finish();
}

export function runEnded(run: Run): boolean {
  return run.status === 'succeeded' || run.status === 'failed';
}

/** The stage waiting for someone to approve it, if any. */
export function awaitingApproval(run: RunDetail): Stage | undefined {
  return run.stages.find((s) => s.status === 'awaiting_approval' && !s.approvedBy);
}

function approvalNotices(onApproval: WatchOptions['onApproval']): (run: RunDetail) => void {
  const noticed = new Set<string>();
  return (run) => {
    const stage = awaitingApproval(run);
    if (!stage || noticed.has(stage.id)) return;
    noticed.add(stage.id);
    onApproval?.(run, stage);
  };
}
