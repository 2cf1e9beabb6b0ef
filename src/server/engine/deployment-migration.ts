// Sends a deployment's migration to its host: the command written down and the migration recorded
// `running` in one transaction, so that no restart of the server can send it a second time.
import { newId } from '../../base/ids.ts';
import type { DeploymentAction } from '../../core/deploy/deployment-planner.ts';
import type { Agent, Deployment, DeploymentMigration, Project } from '../../core/model.ts';
import type { Command } from '../../core/protocol/messages.ts';
import type { EngineContext } from './engine-context.ts';
import type { Tx } from './event-log.ts';
import { configOfVersion } from './version-config.ts';

/**
 * `agent` is the host as the deployment knows it (undefined when it was removed or enrolled anew):
 * then nothing is sent, and the migration fails without having run.
 */
export async function sendMigration(
  ctx: EngineContext, tx: Tx, project: Project, deployment: Deployment, agent: Agent | undefined,
  action: Extract<DeploymentAction, { type: 'migrate' }>, now: number,
): Promise<void> {
  const refs = { projectId: project.id, runId: deployment.runId, deploymentId: deployment.id };
  const { config } = await configOfVersion(tx.store, project, deployment.version);
  const before = deployment.migration;
  if (!before || !config.migrate) throw new Error(`deployment ${deployment.id} is migrating without a migration to run`);
  const where = { agentId: action.agentId, host: action.host };
  if (!agent) {
    const error = `agent ${action.host} was removed, revoked or enrolled anew since this deployment began: the migration did not run`;
    await tx.store.deployments.update(deployment.id, { migration: { ...before, ...where, state: 'failed', finishedAt: now, error } });
    await tx.emit('deployment.migration', `migration not sent: ${error}`, { ...refs, data: { state: 'failed', host: action.host } });
    return;
  }
  const command: Command = {
    kind: 'migrate', app: config.app, version: deployment.version, env: deployment.env, deploymentId: deployment.id, runId: deployment.runId,
    run: config.migrate.run, timeoutMs: config.migrate.timeoutMs, port: agent.port ?? config.run.port,
  };
  const id = newId();
  const running: DeploymentMigration = { ...before, ...where, state: 'running', commandId: id, sentAt: now };
  await tx.store.commands.create({ id, agentId: action.agentId, command }, now);
  await tx.store.deployments.update(deployment.id, { migration: running });
  await tx.emit('deployment.migration', `migration started on ${action.host}: ${config.migrate.run}`, { ...refs, data: { state: 'running', host: action.host } });
  tx.afterCommit(() => ctx.gateway.deliver(action.agentId));
}
