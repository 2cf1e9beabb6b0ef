// The migrate step of a deployment: slipway.yml's `migrate:` run once, on the plan's first host,
// after every host staged the release and before any switches. Once means once: the command is
// written down once (the migration is `running` from then on, in the same transaction), and an
// answer that never comes, or an agent that restarted while it ran, ends the deployment for a
// person to decide. It is never sent again.
import { isAgentLost } from '../agents/agent-liveness.ts';
import { resolveInFlight } from '../agents/command-in-flight.ts';
import type { DeploymentMigration, RollbackCause } from '../model.ts';
import type { DeploymentAction, DeploymentLimits, DeploymentView } from './deployment-planner.ts';

/** The agent's answer when it began this migration before it restarted (agent/migrate). */
export const MIGRATION_OUTCOME_UNKNOWN = 'SLIPWAY_MIGRATION_OUTCOME_UNKNOWN';

/** The next actions of a deployment that is `migrating`. */
export function planMigration(view: DeploymentView, now: number, limits: DeploymentLimits): DeploymentAction[] {
  const { deployment } = view;
  const migration = deployment.migration;
  if (!migration || migration.state === 'succeeded') return [{ type: 'set-status', status: 'activating' }];
  if (migration.state === 'failed' || migration.state === 'unknown') return [failedMigration(view, migration)];
  if (migration.state === 'pending') return [sendOrFail(view, migration, now, limits)];

  const host = view.hosts.find((h) => h.agentId === migration.agentId);
  const outcome = resolveInFlight({
    sentAt: migration.sentAt ?? now, result: view.migrationResult ?? null, agent: host?.agent, timeoutMs: limits.migrateTimeoutMs,
    waitsForLostAgent: true, who: 'the host',
  }, now, limits);
  if (outcome.kind === 'waiting') return [];
  const took = `${((now - (migration.sentAt ?? now)) / 1000).toFixed(1)} s`;
  if (outcome.kind === 'given_up') {
    const unknown: DeploymentMigration = {
      ...migration, state: 'unknown', finishedAt: now,
      error: `${outcome.failure.reason}, while the migration may have been running: whether it finished is not known, so it is not run again; check the database, then deploy again`,
    };
    return [failedMigration(view, unknown, migration.commandId ?? undefined)];
  }
  const { result } = outcome;
  const logTail = result.logTail ?? [];
  if (result.ok) {
    return [{
      type: 'migration', status: 'activating', migration: { ...migration, state: 'succeeded', finishedAt: now, error: null, logTail },
      note: `migration succeeded on ${migration.host ?? 'the host'} in ${took}`,
    }];
  }
  const state = result.errorCode === MIGRATION_OUTCOME_UNKNOWN ? 'unknown' : 'failed';
  return [failedMigration(view, { ...migration, state, finishedAt: now, error: result.error ?? 'the migration failed without a message', logTail })];
}

/** Sends the migration to the plan's first host (hosts come by batch, then name), or fails it when that host is gone. */
function sendOrFail(view: DeploymentView, migration: DeploymentMigration, now: number, limits: DeploymentLimits): DeploymentAction {
  const first = view.hosts[0];
  if (first && !isAgentLost(first.agent, now, limits)) return { type: 'migrate', agentId: first.agentId, host: first.hostName };
  return failedMigration(view, {
    ...migration, state: 'failed', agentId: first?.agentId ?? null, host: first?.hostName ?? null, finishedAt: now,
    error: 'agent lost: the host to run the migration on is not connected; the migration did not run',
  });
}

/** Ends the deployment `failed_migration`: no host switched; the version is quarantined. */
function failedMigration(view: DeploymentView, migration: DeploymentMigration, cancelCommandId?: string): DeploymentAction {
  const { deployment } = view;
  const host = migration.host ?? 'the host';
  const error = migration.error ?? 'the migration failed';
  const cause: RollbackCause = { host, step: 'migrate', error, logTail: migration.logTail };
  const outcome = migration.state === 'unknown' ? 'outcome unknown' : 'failed';
  return {
    type: 'finish', status: 'failed_migration', cause, migration,
    error: `migration ${outcome} on ${host}: ${error}`,
    quarantine: `${deployment.env}: the migration ${outcome} on ${host}: ${error}`,
    ...(cancelCommandId ? { cancelCommandId } : {}),
  };
}
