// Tests of the run planner: runs played out on plain data, applying its actions the way the engine does.
import { describe, expect, it } from 'vitest';
import type { Artifact, Deployment, Job, Run, Stage } from '../model.ts';
import { planRun, type RunAction, type RunView } from './run-planner.ts';
import type { EnvironmentConfig, SlipwayConfig } from './slipway-config.ts';

const version = '7-abcdef0';

function environment(patch: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { hosts: { env: 'x' }, batch: 1, after: null, approval: 'auto', verify: [], loadBalancer: null, rehearseRollback: false, ...patch };
}

/** testing (with acceptance tests), then production after it with a manual approval. */
function config(): SlipwayConfig {
  return {
    version: 1,
    app: 'hello',
    build: { steps: [{ name: 'npm test', run: 'npm test', timeoutMs: 600_000 }], artifact: ['dist'] },
    run: { command: 'node server.js', port: 8080, health: { http: '/healthz', timeoutMs: 20_000 }, stopTimeoutMs: 10_000 },
    logs: [],
    migrate: null,
    environments: {
      testing: environment({ hosts: { env: 'testing' }, verify: [{ name: 'npm run acceptance', run: 'npm run acceptance', timeoutMs: 600_000 }] }),
      production: environment({ hosts: { env: 'production' }, after: 'testing', approval: { required: 1, notAuthor: false }, batch: '50%' }),
    },
  };
}

function run(patch: Partial<Run> = {}): Run {
  return {
    id: 'run-1', projectId: 'proj-1', number: 7, sha: 'abcdef0123456789', ref: 'refs/heads/main', message: 'fix', author: 'ada',
    trigger: 'webhook', requestedBy: null, status: 'queued', config: config(), version, error: null, createdAt: 0, finishedAt: null, ...patch,
  };
}

function stage(name: string, position: number, patch: Partial<Stage> = {}): Stage {
  return {
    id: `stage-${name}`, runId: 'run-1', name, kind: name === 'build' ? 'build' : 'environment', position, status: 'pending',
    deploymentId: null, jobId: null, rehearsalId: null, approvedBy: null, error: null, startedAt: null, finishedAt: null, ...patch,
  };
}

function job(id: string, kind: Job['kind'], stageId: string): Job {
  return {
    id, owner: { kind: 'stage', runId: 'run-1', stageId }, kind, status: 'queued', agentId: null, commandId: null, error: null,
    createdAt: 0, startedAt: null, finishedAt: null,
  };
}

function deployment(id: string, env: string): Deployment {
  return {
    id, projectId: 'proj-1', env, version, runId: 'run-1', kind: 'deploy', status: 'staging', batch: 1, forced: false,
    requestedBy: 'engine', cause: null, error: null, migration: null, createdAt: 0, finishedAt: null,
  };
}

function artifact(patch: Partial<Artifact> = {}): Artifact {
  return {
    projectId: 'proj-1', version, runId: 'run-1', sha256: 'f'.repeat(64), size: 1234, createdAt: 0,
    quarantinedAt: null, quarantineReason: null, rollbackSafety: null, ...patch,
  };
}

/** A queued run with its build, testing and production stages, nothing done yet. */
function view(patch: Partial<RunView> = {}): RunView {
  return {
    run: run(),
    stages: [stage('build', 0), stage('testing', 1), stage('production', 2)],
    jobs: {},
    deployments: {},
    artifact: undefined,
    busyEnvs: [],
    newestRunPerEnv: {},
    ...patch,
  };
}

function apply(v: RunView, action: RunAction): void {
  const stageOf = (id: string) => v.stages.find((s) => s.id === id)!;
  switch (action.type) {
    case 'start-run':
      v.run.status = 'running';
      break;
    case 'create-build-job':
    case 'create-verify-job': {
      const kind = action.type === 'create-build-job' ? 'build' : 'verify';
      const id = `job-${kind}-${action.stageId}`;
      v.jobs[id] = job(id, kind, action.stageId);
      Object.assign(stageOf(action.stageId), { jobId: id, status: kind === 'build' ? 'running' : 'verifying' });
      break;
    }
    case 'create-deployment': {
      const id = `dep-${action.env}`;
      v.deployments[id] = deployment(id, action.env);
      Object.assign(stageOf(action.stageId), { deploymentId: id, status: 'deploying' });
      break;
    }
    case 'create-rehearsal': {
      const id = `rehearsal-${action.env}`;
      v.deployments[id] = { ...deployment(id, action.env), kind: 'rehearsal', status: 'rehearsing' };
      Object.assign(stageOf(action.stageId), { rehearsalId: id, status: 'rehearsing' });
      break;
    }
    case 'update-stage':
      Object.assign(stageOf(action.stageId), action.patch);
      break;
    case 'finish-run':
      Object.assign(v.run, { status: action.status, error: action.error ?? null });
      break;
  }
}

/** Plans and applies until the run waits for something outside it; returns every action taken. */
function settle(v: RunView): RunAction[] {
  const taken: RunAction[] = [];
  for (let pass = 0; pass < 20; pass++) {
    const actions = planRun(v);
    expect(planRun(structuredClone(v))).toEqual(actions);
    if (actions.length === 0) return taken;
    for (const action of actions) apply(v, action);
    taken.push(...actions);
  }
  throw new Error('the run planner did not settle');
}

const statuses = (v: RunView) => Object.fromEntries(v.stages.map((s) => [s.name, s.status]));
const stageNamed = (v: RunView, name: string) => v.stages.find((s) => s.name === name)!;

/** Lets the build finish with an artifact stored. */
function buildSucceeds(v: RunView): void {
  settle(v);
  v.jobs['job-build-stage-build']!.status = 'succeeded';
  v.artifact = artifact();
  settle(v);
}

describe('planRun', () => {
  it('starts a queued run and creates its build job', () => {
    expect(planRun(view())).toEqual([{ type: 'start-run' }, { type: 'create-build-job', stageId: 'stage-build' }]);
  });

  it('fails the run when the build fails, skipping every later stage', () => {
    const v = view();
    settle(v);
    Object.assign(v.jobs['job-build-stage-build']!, { status: 'failed', error: 'step "npm test" exited with code 1' });
    settle(v);
    expect(statuses(v)).toEqual({ build: 'failed', testing: 'skipped', production: 'skipped' });
    expect(stageNamed(v, 'build').error).toBe('step "npm test" exited with code 1');
    expect(stageNamed(v, 'production').error).toBe('not started: stage "build" failed');
    expect(v.run).toMatchObject({ status: 'failed', error: 'stage "build" failed' });
  });

  it('skips the later stages and ends the run in the same pass as the build fails', () => {
    const v = view();
    settle(v);
    Object.assign(v.jobs['job-build-stage-build']!, { status: 'failed', error: 'exit 1' });
    expect(planRun(v)).toEqual([
      { type: 'update-stage', stageId: 'stage-build', patch: { status: 'failed', error: 'exit 1' } },
      { type: 'update-stage', stageId: 'stage-testing', patch: { status: 'skipped', error: 'not started: stage "build" failed' } },
      { type: 'update-stage', stageId: 'stage-production', patch: { status: 'skipped', error: 'not started: stage "build" failed' } },
      { type: 'finish-run', status: 'failed', error: 'stage "build" failed' },
    ]);
  });

  it('starts no other environment in the pass where a deployment of the version rolls back', () => {
    const v = view({ busyEnvs: ['us'] });
    v.run.config!.environments = { eu: environment(), us: environment() };
    v.stages = [stage('build', 0), stage('eu', 1), stage('us', 2)];
    buildSucceeds(v);
    expect(statuses(v)).toEqual({ build: 'succeeded', eu: 'deploying', us: 'pending' });

    v.busyEnvs = [];
    Object.assign(v.deployments['dep-eu']!, { status: 'rolled_back', cause: { host: 'eu-1', step: 'activate', error: 'exit 1', logTail: [] } });
    const actions = planRun(v);
    expect(actions).not.toContainEqual(expect.objectContaining({ type: 'create-deployment' }));
    expect(actions).toContainEqual({ type: 'update-stage', stageId: 'stage-us', patch: { status: 'skipped', error: 'not started: stage "eu" failed' } });
  });

  it('fails the build stage when the build succeeded without storing an artifact', () => {
    const v = view();
    settle(v);
    v.jobs['job-build-stage-build']!.status = 'succeeded';
    settle(v);
    expect(stageNamed(v, 'build')).toMatchObject({ status: 'failed', error: 'the build succeeded but stored no artifact' });
    expect(v.run.status).toBe('failed');
  });

  it('deploys to testing once the build stored its artifact, and keeps production waiting for testing', () => {
    const v = view();
    buildSucceeds(v);
    expect(statuses(v)).toEqual({ build: 'succeeded', testing: 'deploying', production: 'pending' });
    expect(v.deployments['dep-testing']).toMatchObject({ env: 'testing', version });
  });

  it('verifies testing after its deployment succeeded, then waits for an approval before production', () => {
    const v = view();
    buildSucceeds(v);
    v.deployments['dep-testing']!.status = 'succeeded';
    expect(settle(v)).toEqual([{ type: 'create-verify-job', stageId: 'stage-testing', env: 'testing' }]);
    expect(statuses(v)).toEqual({ build: 'succeeded', testing: 'verifying', production: 'pending' });

    v.jobs['job-verify-stage-testing']!.status = 'succeeded';
    settle(v);
    expect(statuses(v)).toEqual({ build: 'succeeded', testing: 'succeeded', production: 'awaiting_approval' });
    expect(settle(v)).toEqual([]);

    stageNamed(v, 'production').approvedBy = 'ada';
    expect(settle(v)).toEqual([{ type: 'create-deployment', stageId: 'stage-production', env: 'production' }]);
  });

  it('marks an environment without verify steps succeeded as soon as its deployment succeeded', () => {
    const v = view();
    v.run.config!.environments.testing!.verify = [];
    buildSucceeds(v);
    v.deployments['dep-testing']!.status = 'succeeded';
    settle(v);
    expect(statuses(v)).toMatchObject({ testing: 'succeeded', production: 'awaiting_approval' });
  });

  it('fails the stage when its acceptance tests fail', () => {
    const v = view();
    buildSucceeds(v);
    v.deployments['dep-testing']!.status = 'succeeded';
    settle(v);
    Object.assign(v.jobs['job-verify-stage-testing']!, { status: 'failed', error: 'npm run acceptance exited with code 2' });
    settle(v);
    expect(stageNamed(v, 'testing')).toMatchObject({ status: 'failed', error: 'verify failed: npm run acceptance exited with code 2' });
    expect(statuses(v)).toMatchObject({ production: 'skipped' });
    expect(v.run.status).toBe('failed');
  });

  it('rehearses the rollback in testing after a deployment that migrated and its verify, and promotes only once it passed', () => {
    const v = view();
    v.run.config!.environments.testing!.rehearseRollback = true;
    buildSucceeds(v);
    Object.assign(v.deployments['dep-testing']!, { status: 'succeeded', migration: { state: 'succeeded' } });
    const host = { agentId: 'a1', hostName: 'test-1', previousVersion: '6-1234567' };
    v.rehearsalHosts = { 'dep-testing': host };
    settle(v);
    v.jobs['job-verify-stage-testing']!.status = 'succeeded';
    expect(settle(v)).toEqual([{ type: 'create-rehearsal', stageId: 'stage-testing', env: 'testing', host }]);
    expect(statuses(v)).toMatchObject({ testing: 'rehearsing', production: 'pending' });
    v.deployments['rehearsal-testing']!.status = 'succeeded';
    settle(v);
    expect(statuses(v)).toMatchObject({ testing: 'succeeded', production: 'awaiting_approval' });
  });

  it('fails the stage with the previous release\'s lines when the rehearsal finds the version not rollback-safe', () => {
    const v = view();
    v.run.config!.environments.testing!.rehearseRollback = true;
    v.run.config!.environments.testing!.verify = [];
    buildSucceeds(v);
    Object.assign(v.deployments['dep-testing']!, { status: 'succeeded', migration: { state: 'succeeded' } });
    v.rehearsalHosts = { 'dep-testing': { agentId: 'a1', hostName: 'test-1', previousVersion: '6-1234567' } };
    settle(v);
    Object.assign(v.deployments['rehearsal-testing']!, {
      status: 'failed', error: `${version} is not rollback-safe: 6-1234567 failed on test-1 at health: GET /healthz answered 503.`,
      cause: { host: 'test-1', step: 'health', error: 'GET /healthz answered 503', logTail: ['ERROR:  column "name" does not exist'] },
    });
    settle(v);
    expect(stageNamed(v, 'testing').error).toBe(`rollback rehearsal: ${version} is not rollback-safe: 6-1234567 failed on test-1 at health: GET /healthz answered 503.\nERROR:  column "name" does not exist`);
    expect(statuses(v)).toMatchObject({ testing: 'failed', production: 'skipped' });
  });

  it('rehearses nothing where the deployment ran no migration, or no host ran an earlier version', () => {
    const v = view();
    v.run.config!.environments.testing!.rehearseRollback = true;
    v.run.config!.environments.testing!.verify = [];
    buildSucceeds(v);
    v.deployments['dep-testing']!.status = 'succeeded';
    settle(v);
    expect(statuses(v)).toMatchObject({ testing: 'succeeded' });

    const first = view();
    first.run.config!.environments.testing!.rehearseRollback = true;
    first.run.config!.environments.testing!.verify = [];
    buildSucceeds(first);
    Object.assign(first.deployments['dep-testing']!, { status: 'succeeded', migration: { state: 'succeeded' } });
    first.rehearsalHosts = { 'dep-testing': null };
    settle(first);
    expect(statuses(first)).toMatchObject({ testing: 'succeeded' });
  });

  it('does not rehearse a version the environment moved on from during its verify, and fails its stage instead of putting it back on a host', () => {
    // Run #8 deployed 8-… to testing (or someone rolled testing back) while run #7's verify ran:
    // rehearsing 7-… now would end by activating 7-… again on a host that runs something else.
    const v = view();
    v.run.config!.environments.testing!.rehearseRollback = true;
    buildSucceeds(v);
    Object.assign(v.deployments['dep-testing']!, { status: 'succeeded', migration: { state: 'succeeded' } });
    v.rehearsalHosts = { 'dep-testing': { agentId: 'a1', hostName: 'test-1', previousVersion: '6-1234567' } };
    settle(v);
    v.jobs['job-verify-stage-testing']!.status = 'succeeded';
    v.envMovedOn = { 'dep-testing': 'deployment of 8-9876543 (by run #8)' };
    const actions = settle(v);
    expect(actions.filter((a) => a.type === 'create-rehearsal')).toEqual([]);
    expect(stageNamed(v, 'testing')).toMatchObject({
      status: 'failed',
      error: `the rollback rehearsal did not run: the deployment of 8-9876543 (by run #8) changed testing after ${version}, so ${version} no longer runs there to rehearse against; its rollback safety is not known`,
    });
    expect(statuses(v)).toMatchObject({ production: 'skipped' });
  });

  it('says a failed migration stopped the deployment before any host changed, not that hosts could not be restored', () => {
    const stageAfter = (state: 'failed' | 'unknown', error: string) => {
      const v = view();
      buildSucceeds(v);
      Object.assign(v.deployments['dep-testing']!, {
        status: 'failed_migration', error: `migration failed on test-1: ${error}`, migration: { state },
        cause: { host: 'test-1', step: 'migrate', error, logTail: ['ERROR:  relation "no_such_table" does not exist'] },
      });
      settle(v);
      return stageNamed(v, 'testing');
    };
    expect(stageAfter('failed', 'the migration exited with code 3')).toMatchObject({
      status: 'failed',
      error: 'the migration failed on test-1, so no host changed: the migration exited with code 3\nERROR:  relation "no_such_table" does not exist',
    });
    expect(stageAfter('unknown', 'agent lost: the host did not come back within 6m').error).toBe('whether the migration finished on test-1 is not known, so no host changed '
      + 'and it is not run again: a person must check the database: agent lost: the host did not come back within 6m\nERROR:  relation "no_such_table" does not exist');
  });

  it('does not promote a version the rehearsal found not rollback-safe', () => {
    const v = view();
    v.run.config!.environments.production!.approval = 'auto';
    buildSucceeds(v);
    v.artifact = artifact({ rollbackSafety: { safe: false, deploymentId: 'r', host: 'test-1', previousVersion: '6-1234567', reason: 'health: 503', logTail: [], at: 1 } });
    v.deployments['dep-testing']!.status = 'succeeded';
    settle(v);
    v.jobs['job-verify-stage-testing']!.status = 'succeeded';
    settle(v);
    expect(stageNamed(v, 'production')).toMatchObject({ status: 'failed', error: `version ${version} is not rollback-safe (6-1234567 failed on test-1 in the rehearsal): deploy it with --force to go on` });
  });

  it('waits while another deployment holds the environment', () => {
    const v = view({ busyEnvs: ['testing'] });
    buildSucceeds(v);
    expect(statuses(v)).toMatchObject({ build: 'succeeded', testing: 'pending' });
    v.busyEnvs = [];
    expect(settle(v)).toEqual([{ type: 'create-deployment', stageId: 'stage-testing', env: 'testing' }]);
  });

  it('skips a pending stage that a newer run already went past, and still succeeds', () => {
    const v = view({ newestRunPerEnv: { testing: 8 } });
    buildSucceeds(v);
    expect(stageNamed(v, 'testing')).toMatchObject({ status: 'skipped', error: 'superseded by run #8' });
    expect(stageNamed(v, 'production')).toMatchObject({ status: 'skipped', error: 'not started: "testing" was skipped' });
    expect(v.run).toMatchObject({ status: 'succeeded', error: null });
  });

  it('does not count its own stage as a newer run', () => {
    const v = view({ newestRunPerEnv: { testing: 7 } });
    buildSucceeds(v);
    expect(stageNamed(v, 'testing').status).toBe('deploying');
  });

  it('fails the stage of a quarantined version instead of deploying it', () => {
    const v = view();
    settle(v);
    v.jobs['job-build-stage-build']!.status = 'succeeded';
    v.artifact = artifact({ quarantinedAt: 5, quarantineReason: 'rolled back in production' });
    settle(v);
    expect(stageNamed(v, 'testing')).toMatchObject({ status: 'failed', error: `version ${version} is quarantined: rolled back in production` });
    expect(v.deployments).toEqual({});
    expect(v.run.status).toBe('failed');
  });

  it('fails the stage with the cause when its deployment was rolled back', () => {
    const v = view();
    buildSucceeds(v);
    Object.assign(v.deployments['dep-testing']!, {
      status: 'rolled_back',
      cause: { host: 'web-3', step: 'health', error: 'GET /healthz answered 503', logTail: [] },
    });
    settle(v);
    expect(stageNamed(v, 'testing')).toMatchObject({
      status: 'failed',
      error: 'deployment rolled back: web-3 failed at health: GET /healthz answered 503',
    });
    expect(v.run).toMatchObject({ status: 'failed', error: 'stage "testing" failed' });
  });

  it('succeeds the run when every stage ended without failure', () => {
    const v = view();
    buildSucceeds(v);
    v.deployments['dep-testing']!.status = 'succeeded';
    settle(v);
    v.jobs['job-verify-stage-testing']!.status = 'succeeded';
    stageNamed(v, 'production').approvedBy = 'ada';
    settle(v);
    expect(v.run.status).toBe('running');
    v.deployments['dep-production']!.status = 'succeeded';
    expect(settle(v)).toEqual([
      { type: 'update-stage', stageId: 'stage-production', patch: { status: 'succeeded', error: null } },
      { type: 'finish-run', status: 'succeeded' },
    ]);
    expect(statuses(v)).toEqual({ build: 'succeeded', testing: 'succeeded', production: 'succeeded' });
    expect(planRun(v)).toEqual([]);
  });
});
