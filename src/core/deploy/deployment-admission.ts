// Deployment admission: whether a version may be deployed to an environment now, on which hosts in
// which batches, and which version a rollback goes back to. Pure: the engine and the API read what
// these need, ask, and write the deployment down when it is admitted.
import type { Agent, Artifact, DeploymentKind, NewDeploymentHostPlan, SlipwayConfig } from '../model.ts';
import { assignBatches } from './batches.ts';
import { formatLabels, selectHosts } from './select-hosts.ts';

/** Why a deployment may not start: an error of the kind the API answers with. */
export interface Refusal {
  kind: 'input' | 'conflict';
  code: string;
  message: string;
}

export interface AdmissionRequest {
  projectName: string;
  /** The slipway.yml of the version to deploy. */
  config: SlipwayConfig;
  env: string;
  version: string;
  kind: DeploymentKind;
  /** A person said to deploy it anyway: past quarantine and `after:`. */
  forced: boolean;
  artifact: Pick<Artifact, 'quarantinedAt' | 'quarantineReason'>;
  /** The environments whose stage of the version's run succeeded. */
  passedEnvs: string[];
  /** The agents that may take part (enrolled and accepted). */
  agents: Pick<Agent, 'id' | 'name' | 'labels'>[];
  /** The environment's deployment that has not ended, if any. */
  active: { id: string; version: string; status: string } | null;
}

export type Admission =
  | { admitted: true; hosts: NewDeploymentHostPlan[] }
  | { admitted: false; refusal: Refusal };

export function admitDeployment(req: AdmissionRequest): Admission {
  const refuse = (kind: Refusal['kind'], code: string, message: string): Admission => ({ admitted: false, refusal: { kind, code, message } });
  const { env, version, config } = req;
  const envConfig = config.environments[env];
  if (!envConfig) {
    const known = Object.keys(config.environments).join(', ');
    return refuse('input', 'SLIPWAY_UNKNOWN_ENVIRONMENT', `version ${version} of ${req.projectName} has no environment "${env}" in its slipway.yml (has: ${known})`);
  }
  if (envConfig.loadBalancer) {
    // Until the deployment planner drains and readies servers, deploying would restart hosts that
    // HAProxy still sends requests to: refused, so nobody believes they are protected when they are not.
    const lb = envConfig.loadBalancer;
    return refuse('input', 'SLIPWAY_LB_NOT_SUPPORTED', `environment ${env} has a loadBalancer (${lb.kind} backend ${lb.backend}), and deploying through a load balancer is not supported yet: Slipway would restart hosts without draining them first. Remove loadBalancer: from ${env} in slipway.yml to deploy without it`);
  }
  if (req.artifact.quarantinedAt !== null && !req.forced) {
    return refuse('conflict', 'SLIPWAY_VERSION_QUARANTINED', `version ${version} is quarantined (${req.artifact.quarantineReason ?? 'rolled back'}); use --force to deploy it anyway`);
  }
  if (envConfig.after && req.kind === 'deploy' && !req.forced && !req.passedEnvs.includes(envConfig.after)) {
    return refuse('conflict', 'SLIPWAY_NOT_PROMOTED', `version ${version} has not passed "${envConfig.after}", which "${env}" comes after; use --force to deploy it anyway`);
  }
  if (req.active) {
    return refuse('conflict', 'SLIPWAY_DEPLOYMENT_ACTIVE', `environment ${env} already has a deployment in progress (${req.active.id}: ${req.active.version}, ${req.active.status})`);
  }
  const hosts = selectHosts(req.agents, envConfig.hosts);
  if (hosts.length === 0) {
    const labels = formatLabels(envConfig.hosts);
    return refuse('input', 'SLIPWAY_NO_HOSTS', `no hosts match the labels of "${env}" (${labels}); start agents with --labels ${labels}`);
  }
  const batches = assignBatches(hosts.length, envConfig.batch);
  return { admitted: true, hosts: hosts.map((h, i) => ({ agentId: h.id, hostName: h.name, batch: batches[i]! })) };
}

export interface RollbackTargetRequest {
  projectName: string;
  env: string;
  knownGood: string | null;
  /** What each host of the environment runs now (null: nothing). */
  currentOnHosts: (string | null)[];
  /** The versions of the environment's succeeded deployments, newest first, with their artifacts. */
  succeeded: { version: string; artifact: Pick<Artifact, 'quarantinedAt'> | undefined }[];
}

export type RollbackTarget =
  | { ok: true; version: string; leaving: string | null }
  | { ok: false; refusal: Refusal };

/**
 * The version `slipway rollback` goes back to: known-good when some host runs something else (a
 * deployment that could not restore), else the known-good before it. `leaving` is the version to
 * quarantine: the one being left, when every host runs it.
 */
export function chooseRollbackTarget(req: RollbackTargetRequest): RollbackTarget {
  const nothing = (why: string): RollbackTarget => ({ ok: false, refusal: { kind: 'conflict', code: 'SLIPWAY_NOTHING_TO_ROLL_BACK_TO', message: `${req.env} of ${req.projectName} ${why}` } });
  const { knownGood } = req;
  if (!knownGood) return nothing('has no known-good version yet');
  if (req.currentOnHosts.some((current) => current !== knownGood)) return { ok: true, version: knownGood, leaving: null };
  const earlier = req.succeeded.find((d) => d.version !== knownGood && d.artifact && d.artifact.quarantinedAt === null);
  if (earlier) return { ok: true, version: earlier.version, leaving: knownGood };
  return nothing(`runs ${knownGood} everywhere and has no earlier known-good version`);
}
