// The run planner: from a run, its stages and what their jobs and deployments did, the next actions.
// A run is a build stage, then one stage per environment in `after` order: approval (when manual),
// deployment, then verify, then (where the deployment migrated and the environment rehearses) the
// rollback rehearsal. Pure and idempotent: the engine applies the actions and asks again.
import { isDeploymentEnded, type Artifact, type Deployment, type Job, type Run, type Stage, type StageStatus } from '../model.ts';

export interface RunView {
  run: Run;
  stages: Stage[];
  /** The jobs and deployments the stages point at, by id. */
  jobs: Record<string, Job | undefined>;
  deployments: Record<string, Deployment | undefined>;
  /** The run's version, once its build stored it. */
  artifact: Artifact | undefined;
  /** Environments of this project with a deployment that has not ended. */
  busyEnvs: string[];
  /** Per environment, the newest run number of this project whose stage there went past pending. */
  newestRunPerEnv: Record<string, number>;
  /**
   * Per deployment of this run that migrated, the host its rollback rehearsal would use (the
   * plan's first that ran an earlier version, and that version); null when no host ran one.
   */
  rehearsalHosts?: Record<string, RehearsalHost | null>;
  /**
   * Per deployment of this run that migrated, the later deployment of its environment (not a
   * rehearsal) that began since, in words ("deployment of 8-… (run #8)"): the environment moved on.
   */
  envMovedOn?: Record<string, string>;
}

/** Where a rollback rehearsal puts the previous release back. */
export interface RehearsalHost {
  agentId: string;
  hostName: string;
  previousVersion: string;
}

export type RunAction =
  | { type: 'start-run' }
  | { type: 'create-build-job'; stageId: string }
  | { type: 'create-deployment'; stageId: string; env: string }
  | { type: 'create-verify-job'; stageId: string; env: string }
  | { type: 'create-rehearsal'; stageId: string; env: string; host: RehearsalHost }
  | { type: 'update-stage'; stageId: string; patch: { status: StageStatus; error?: string | null } }
  | { type: 'finish-run'; status: 'succeeded' | 'failed'; error?: string };

const ended: StageStatus[] = ['succeeded', 'failed', 'skipped'];
const waiting: StageStatus[] = ['pending', 'awaiting_approval'];

/**
 * The next actions for a run that has not ended; [] while it waits for a job, a deployment, an
 * approval or a busy environment. Once a stage fails, stages not started yet are skipped and the
 * run ends failed when the stages at work have ended.
 */
export function planRun(view: RunView): RunAction[] {
  const { run, stages } = view;
  if (run.status === 'succeeded' || run.status === 'failed') return [];
  const actions: RunAction[] = run.status === 'queued' ? [{ type: 'start-run' }] : [];

  // Stages at work first: one that fails in this pass must stop the waiting ones in this same pass,
  // before one of them deploys a version that just failed (and is about to be quarantined).
  const progress = stages.filter((s) => !ended.includes(s.status) && !waiting.includes(s.status)).flatMap((s) => planWorkingStage(view, s));
  const failsNow = (s: Stage) => progress.some((a) => a.type === 'update-stage' && a.stageId === s.id && a.patch.status === 'failed');
  const failed = stages.find((s) => s.status === 'failed' || failsNow(s));
  actions.push(...progress);
  for (const s of stages.filter((s) => waiting.includes(s.status))) {
    actions.push(...(failed
      ? [{ type: 'update-stage', stageId: s.id, patch: { status: 'skipped', error: `not started: stage "${failed.name}" failed` } } satisfies RunAction]
      : planWaitingStage(view, s, (status, error = null) => ({ type: 'update-stage', stageId: s.id, patch: { status, error } }))));
  }

  const after = stages.map((s) => {
    const update = actions.find((a) => a.type === 'update-stage' && a.stageId === s.id);
    return update?.type === 'update-stage' ? update.patch.status : s.status;
  });
  if (after.every((status) => ended.includes(status))) {
    const firstFailed = stages.find((_, i) => after[i] === 'failed');
    actions.push(firstFailed
      ? { type: 'finish-run', status: 'failed', error: `stage "${firstFailed.name}" failed` }
      : { type: 'finish-run', status: 'succeeded' });
  }
  return actions;
}

/** A stage whose build job, deployment or verify job is under way: what its outcome means. */
function planWorkingStage(view: RunView, stage: Stage): RunAction[] {
  const update = (status: StageStatus, error: string | null = null): RunAction => ({ type: 'update-stage', stageId: stage.id, patch: { status, error } });
  switch (stage.status) {
    case 'running': {
      const job = stage.jobId ? view.jobs[stage.jobId] : undefined;
      if (!job || job.status === 'queued' || job.status === 'running') return [];
      if (job.status === 'failed') return [update('failed', job.error ?? 'the build failed')];
      return view.artifact ? [update('succeeded')] : [update('failed', 'the build succeeded but stored no artifact')];
    }
    case 'deploying': {
      const deployment = stage.deploymentId ? view.deployments[stage.deploymentId] : undefined;
      if (!deployment || !isDeploymentEnded(deployment.status)) return [];
      if (deployment.status !== 'succeeded') return [update('failed', describeFailedDeployment(deployment))];
      const hasVerify = (view.run.config?.environments[stage.name]?.verify.length ?? 0) > 0;
      return hasVerify ? [{ type: 'create-verify-job', stageId: stage.id, env: stage.name }] : afterVerify(view, stage, deployment, update);
    }
    case 'verifying': {
      const job = stage.jobId ? view.jobs[stage.jobId] : undefined;
      if (!job || job.status === 'queued' || job.status === 'running') return [];
      const deployment = stage.deploymentId ? view.deployments[stage.deploymentId] : undefined;
      if (job.status !== 'succeeded') return [update('failed', `verify failed: ${job.error ?? 'a command failed'}`)];
      return deployment ? afterVerify(view, stage, deployment, update) : [update('succeeded')];
    }
    case 'rehearsing': {
      const rehearsal = stage.rehearsalId ? view.deployments[stage.rehearsalId] : undefined;
      if (!rehearsal || !isDeploymentEnded(rehearsal.status)) return [];
      return [rehearsal.status === 'succeeded' ? update('succeeded') : update('failed', describeFailedRehearsal(rehearsal))];
    }
    default:
      return [];
  }
}

/**
 * After the deployment (and its verify) succeeded: the rollback rehearsal where the deployment
 * migrated and the environment rehearses, else the stage is done. With no host that ran an earlier
 * version there is nothing to roll back to, so nothing to rehearse.
 */
function afterVerify(view: RunView, stage: Stage, deployment: Deployment, update: (s: StageStatus, e?: string | null) => RunAction): RunAction[] {
  const rehearses = view.run.config?.environments[stage.name]?.rehearseRollback ?? false;
  const host = view.rehearsalHosts?.[deployment.id];
  if (!rehearses || deployment.migration?.state !== 'succeeded' || !host) return [update('succeeded')];
  // Another deployment (a newer run's, by hand, a rollback) changed the environment during the
  // verify: the rehearsal would end by activating this version again on a host that now runs
  // something else, against a database it did not leave. Not rehearsed, so not promoted.
  const movedOn = view.envMovedOn?.[deployment.id];
  if (movedOn) {
    const { version } = view.run;
    return [update('failed', `the rollback rehearsal did not run: the ${movedOn} changed ${stage.name} after ${version}, so ${version} no longer runs there to rehearse against; its rollback safety is not known`)];
  }
  // Another deployment of the environment started meanwhile (by hand): the rehearsal waits for it.
  if (view.busyEnvs.includes(stage.name)) return [];
  return [{ type: 'create-rehearsal', stageId: stage.id, env: stage.name, host }];
}

function planWaitingStage(view: RunView, stage: Stage, update: (s: StageStatus, e?: string | null) => RunAction): RunAction[] {
  if (stage.kind === 'build') return [{ type: 'create-build-job', stageId: stage.id }];
  const config = view.run.config?.environments[stage.name];
  if (!config) return [update('failed', `slipway.yml has no environment "${stage.name}"`)];

  const prerequisite = config.after ?? 'build';
  const before = config.after
    ? view.stages.find((s) => s.kind === 'environment' && s.name === config.after)
    : view.stages.find((s) => s.kind === 'build');
  if (before?.status === 'skipped') return [update('skipped', `not started: "${prerequisite}" was skipped`)];
  if (before?.status !== 'succeeded') return [];

  const newest = view.newestRunPerEnv[stage.name] ?? 0;
  if (newest > view.run.number) return [update('skipped', `superseded by run #${newest}`)];
  if (view.artifact?.quarantinedAt) return [update('failed', `version ${view.run.version} is quarantined: ${view.artifact.quarantineReason ?? ''}`)];
  const safety = view.artifact?.rollbackSafety;
  if (config.after && safety?.safe === false) {
    return [update('failed', `version ${view.run.version} is not rollback-safe (${safety.previousVersion} failed on ${safety.host} in the rehearsal): deploy it with --force to go on`)];
  }
  if (config.approval !== 'auto' && !stage.approvedBy) {
    return stage.status === 'awaiting_approval' ? [] : [update('awaiting_approval')];
  }
  if (view.busyEnvs.includes(stage.name)) return [];
  return [{ type: 'create-deployment', stageId: stage.id, env: stage.name }];
}

/** Why the rehearsal failed, with the last lines of the previous release on its host. */
function describeFailedRehearsal(rehearsal: Deployment): string {
  const lines = rehearsal.cause?.logTail.slice(-5) ?? [];
  return `rollback rehearsal: ${rehearsal.error ?? 'failed'}${lines.length > 0 ? `\n${lines.join('\n')}` : ''}`;
}

function describeFailedDeployment(deployment: Deployment): string {
  const cause = deployment.cause;
  if (deployment.status === 'failed_migration') return describeFailedMigration(deployment);
  const what = deployment.status === 'rolled_back' ? 'rolled back' : 'failed and could not restore every host';
  const why = cause ? `: ${cause.host} failed at ${cause.step}: ${cause.error}` : '';
  // A failed deployment also says which hosts still need a person.
  const unrestored = deployment.status === 'failed' && deployment.error ? `; ${deployment.error}` : '';
  return `deployment ${what}${why}${unrestored}`;
}

/** A deployment stopped by its migration changed no host: said so, with the migration's last lines. */
function describeFailedMigration(deployment: Deployment): string {
  const { cause, migration } = deployment;
  const host = cause?.host ?? migration?.host ?? 'the host';
  const error = cause?.error ?? deployment.error ?? 'failed';
  const lines = cause?.logTail.slice(-5) ?? [];
  const tail = lines.length > 0 ? `\n${lines.join('\n')}` : '';
  if (migration?.state === 'unknown') {
    return `whether the migration finished on ${host} is not known, so no host changed and it is not run again: a person must check the database: ${error}${tail}`;
  }
  return `the migration failed on ${host}, so no host changed: ${error}${tail}`;
}
