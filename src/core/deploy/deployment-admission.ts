// Deployment admission: whether a version may be deployed to an environment now, on which hosts in
// which batches, and which version a rollback goes back to. Pure: the engine and the API read what
// these need, ask, and write the deployment down when it is admitted.
import type { Agent, Artifact, Deployment, DeploymentKind, NewDeploymentHostPlan, SlipwayConfig } from '../model.ts';
import { lbServerName } from '../lb/lb-server-name.ts';
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
  artifact: Pick<Artifact, 'quarantinedAt' | 'quarantineReason'> & Partial<Pick<Artifact, 'rollbackSafety'>>;
  /** The environments whose stage of the version's run succeeded. */
  passedEnvs: string[];
  /** The agents that may take part (enrolled and accepted); `online` matters for LB agents. */
  agents: (Pick<Agent, 'id' | 'name' | 'labels'> & Partial<Pick<Agent, 'online' | 'status'>>)[];
  /** The environment's deployment that has not ended, if any. */
  active: { id: string; version: string; status: string } | null;
  /**
   * The environment's last deployment, when its migration's outcome is not known (its host was
   * lost or restarted while it ran): nothing migrates there again until a person forces it.
   */
  unresolvedMigration?: Pick<Deployment, 'id' | 'version' | 'migration'> | null;
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
  if (req.artifact.quarantinedAt !== null && !req.forced) {
    return refuse('conflict', 'SLIPWAY_VERSION_QUARANTINED', `version ${version} is quarantined (${req.artifact.quarantineReason ?? 'rolled back'}); use --force to deploy it anyway`);
  }
  const safety = req.artifact.rollbackSafety;
  if (envConfig.after && req.kind === 'deploy' && !req.forced && safety?.safe === false) {
    // Checked before `after:`: the rehearsal's failure is also why the version did not pass there.
    return refuse('conflict', 'SLIPWAY_NOT_ROLLBACK_SAFE', `version ${version} is not rollback-safe: in the rollback rehearsal ${safety.previousVersion} failed on ${safety.host}`
      + `${safety.reason ? ` (${safety.reason})` : ''}; use --force to deploy it anyway (a failure in "${env}" then stops for a person instead of rolling back)`);
  }
  if (envConfig.after && req.kind === 'deploy' && !req.forced && !req.passedEnvs.includes(envConfig.after)) {
    return refuse('conflict', 'SLIPWAY_NOT_PROMOTED', `version ${version} has not passed "${envConfig.after}", which "${env}" comes after; use --force to deploy it anyway`);
  }
  const unresolved = req.unresolvedMigration;
  if (unresolved && config.migrate && req.kind === 'deploy' && !req.forced) {
    return refuse('conflict', 'SLIPWAY_MIGRATION_UNRESOLVED', `the migration of ${unresolved.version} in "${env}" (deployment ${unresolved.id}, on ${unresolved.migration?.host ?? 'its host'}) `
      + 'may or may not have finished: check the database, then deploy with --force; nothing migrates there until then');
  }
  if (req.active) {
    return refuse('conflict', 'SLIPWAY_DEPLOYMENT_ACTIVE', `environment ${env} already has a deployment in progress (${req.active.id}: ${req.active.version}, ${req.active.status})`);
  }
  const hosts = selectHosts(req.agents, envConfig.hosts);
  if (hosts.length === 0) {
    const labels = formatLabels(envConfig.hosts);
    return refuse('input', 'SLIPWAY_NO_HOSTS', `no hosts match the labels of "${env}" (${labels}); start agents with --labels ${labels}`);
  }
  const lb = envConfig.loadBalancer;
  if (lb) {
    // What can be told without asking HAProxy; the deployment's first step reads the backend
    // through every LB agent before anything changes (lb-preflight-decision.ts).
    const lbAgents = selectHosts(req.agents, lb.on);
    const on = formatLabels(lb.on);
    if (lbAgents.length === 0) {
      return refuse('input', 'SLIPWAY_LB_NO_AGENTS', `no agent matches loadBalancer on: ${on} of "${env}": start one next to HAProxy with --labels ${on} --haproxy-socket ${lb.socket}`);
    }
    const offline = lbAgents.filter((a) => a.online === false);
    if (offline.length > 0) {
      return refuse('conflict', 'SLIPWAY_LB_AGENT_OFFLINE', `LB agent ${offline.map((a) => a.name).join(', ')} of "${env}" is not connected: nothing was changed`);
    }
    const unnamed = hosts.filter((h) => lbServerName(lb.server, h.name) === undefined);
    if (unnamed.length > 0) {
      return refuse('input', 'SLIPWAY_LB_BAD_SERVER_NAME', `loadBalancer server: "${lb.server}" of "${env}" makes no HAProxy server name for ${unnamed.map((h) => h.name).join(', ')} (at most 100 characters)`);
    }
    // Two hosts on one server would be drained and readied through it together (no {host} in it).
    const server = (name: string) => lbServerName(lb.server, name);
    const shared = hosts.find((h, i) => hosts.findIndex((o) => server(o.name) === server(h.name)) !== i);
    if (shared) {
      const names = hosts.filter((h) => server(h.name) === server(shared.name)).map((h) => h.name).sort().join(', ');
      return refuse('input', 'SLIPWAY_LB_BAD_SERVER_NAME', `loadBalancer server: "${lb.server}" of "${env}" gives ${names} one server ${server(shared.name) ?? ''}: each host needs its own (put {host} in it)`);
    }
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
