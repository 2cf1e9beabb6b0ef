// A rollback rehearsal's verify: the environment's verify job, owned by the rehearsal, pointed at
// the one host that runs the previous release (SLIPWAY_TARGETS names only it).
import type { Deployment, Project } from '../../core/model.ts';
import type { AgentsById, EngineContext } from './engine-context.ts';
import type { Tx } from './event-log.ts';
import { queueJob, targetUrls } from './queue-job.ts';
import { configOfVersion } from './version-config.ts';

export async function verifyRehearsal(ctx: EngineContext, tx: Tx, project: Project, deployment: Deployment, agents: AgentsById, agentId: string, now: number): Promise<void> {
  const { config, run } = await configOfVersion(tx.store, project, deployment.version);
  const targets = targetUrls(config, [agentId], agents);
  const steps = config.environments[deployment.env]?.verify ?? [];
  await queueJob(tx, now, project, run, { kind: 'deployment', deploymentId: deployment.id }, 'verify', steps, {
    env: { SLIPWAY_TARGETS: targets.join(','), SLIPWAY_ENV: deployment.env },
  });
  await tx.store.deployments.update(deployment.id, { status: 'verifying' });
  await tx.emit('deployment.verifying', `rehearsal: verifying the previous release against ${targets.join(', ')}`, {
    projectId: project.id, runId: deployment.runId, deploymentId: deployment.id,
  });
}
