// Queues a build or verify job of a run, for a stage or a deployment (a rehearsal's verify): the
// job's spec from the run's commit and version, and the URLs its verify steps are pointed at.
import { newId } from '../../base/ids.ts';
import { appUrl } from '../../core/deploy/app-run-spec.ts';
import type { Job, JobOwner, Project, Run, SlipwayConfig } from '../../core/model.ts';
import type { StepConfig } from '../../core/pipeline/slipway-config.ts';
import type { JobSpec } from '../../core/protocol/messages.ts';
import type { AgentsById } from './engine-context.ts';
import type { Tx } from './event-log.ts';

export function queueJob(
  tx: Tx, now: number, project: Project, run: Run, owner: JobOwner, kind: Job['kind'], steps: StepConfig[], extra: Partial<JobSpec>,
): Promise<Job> {
  const spec: JobSpec = {
    jobId: newId(), runId: run.id, deploymentId: owner.kind === 'deployment' ? owner.deploymentId : null, kind, project: project.name, sha: run.sha, version: run.version,
    sourcePath: `/api/v1/projects/${encodeURIComponent(project.name)}/source/${run.sha}`,
    steps: steps.map(({ name, run: command, timeoutMs }) => ({ name, run: command, timeoutMs })), artifactPaths: [], env: {}, ...extra,
  };
  return tx.store.jobs.create({ owner, kind, spec }, now);
}

/** Where a verify job reaches the app on these hosts' agents (those still known). */
export function targetUrls(config: SlipwayConfig, agentIds: string[], agents: AgentsById): string[] {
  return agentIds.flatMap((id) => {
    const agent = agents.get(id);
    return agent ? [appUrl(config, agent)] : [];
  });
}
