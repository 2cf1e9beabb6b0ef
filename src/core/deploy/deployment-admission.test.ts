// Tests of deployment admission and the rollback target on plain data.
import { describe, expect, it } from 'vitest';
import type { Agent, SlipwayConfig } from '../model.ts';
import { admitDeployment, chooseRollbackTarget, type AdmissionRequest } from './deployment-admission.ts';

const config = {
  version: 1, app: 'shop',
  build: { steps: [{ name: 'test', run: 'npm test', timeoutMs: 600_000 }], artifact: ['dist/'] },
  run: { command: 'node server.js', port: 8080, health: { http: '/healthz', timeoutMs: 20_000 }, stopTimeoutMs: 10_000 },
  logs: [],
  migrate: null,
  environments: {
    testing: { hosts: { env: 'testing' }, batch: 1, after: null, approval: 'auto', verify: [], loadBalancer: null, rehearseRollback: false },
    production: { hosts: { env: 'production' }, batch: '50%', after: 'testing', approval: { required: 1, notAuthor: false }, verify: [], loadBalancer: null, rehearseRollback: false },
  },
} satisfies SlipwayConfig;

const agents: Pick<Agent, 'id' | 'name' | 'labels'>[] = [
  { id: 'a3', name: 'web-3', labels: { env: 'production' } },
  { id: 'a1', name: 'web-1', labels: { env: 'production', role: 'web' } },
  { id: 'a2', name: 'web-2', labels: { env: 'production' } },
  { id: 't1', name: 'test-1', labels: { env: 'testing' } },
];

function request(patch: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    projectName: 'shop', config, env: 'production', version: '7-abcdef0', kind: 'deploy', forced: false,
    artifact: { quarantinedAt: null, quarantineReason: null }, passedEnvs: ['testing'], agents, active: null, ...patch,
  };
}

const refusalCode = (req: AdmissionRequest) => {
  const admission = admitDeployment(req);
  return admission.admitted ? 'admitted' : admission.refusal.code;
};

describe('admitDeployment', () => {
  it('admits a promoted version onto the environment\'s hosts by name, in batches', () => {
    expect(admitDeployment(request())).toEqual({
      admitted: true,
      hosts: [{ agentId: 'a1', hostName: 'web-1', batch: 0 }, { agentId: 'a2', hostName: 'web-2', batch: 0 }, { agentId: 'a3', hostName: 'web-3', batch: 1 }],
    });
  });

  it('refuses a quarantined version unless forced, and says why', () => {
    const quarantined = request({ artifact: { quarantinedAt: 5, quarantineReason: 'testing: web-1 failed at health' } });
    expect(admitDeployment(quarantined)).toEqual({
      admitted: false,
      refusal: { kind: 'conflict', code: 'SLIPWAY_VERSION_QUARANTINED', message: 'version 7-abcdef0 is quarantined (testing: web-1 failed at health); use --force to deploy it anyway' },
    });
    expect(refusalCode({ ...quarantined, forced: true })).toBe('admitted');
  });

  it('refuses to promote a version the rollback rehearsal found not rollback-safe, unless forced, and says why', () => {
    const rollbackSafety = { safe: false, deploymentId: 'r1', host: 'test-1', previousVersion: '6-1234567', reason: 'health: GET /healthz answered 503', logTail: [], at: 1 };
    const unsafe = request({ artifact: { quarantinedAt: null, quarantineReason: null, rollbackSafety }, passedEnvs: [] });
    expect(admitDeployment(unsafe)).toEqual({
      admitted: false,
      refusal: {
        kind: 'conflict', code: 'SLIPWAY_NOT_ROLLBACK_SAFE',
        message: 'version 7-abcdef0 is not rollback-safe: in the rollback rehearsal 6-1234567 failed on test-1 (health: GET /healthz answered 503); use --force to deploy it anyway (a failure in "production" then stops for a person instead of rolling back)',
      },
    });
    expect(refusalCode({ ...unsafe, forced: true })).toBe('admitted');
    expect(refusalCode({ ...unsafe, env: 'testing' })).toBe('admitted');
    expect(refusalCode(request({ artifact: { quarantinedAt: null, quarantineReason: null, rollbackSafety: { ...rollbackSafety, safe: true } } }))).toBe('admitted');
  });

  it('migrates nothing more in an environment whose last migration has an unknown outcome, until a person forces it', () => {
    const migrating = { ...config, migrate: { run: './migrate.sh up', timeoutMs: 60_000 } };
    const unresolvedMigration = {
      id: 'd9', version: '6-1234567',
      migration: { state: 'unknown' as const, agentId: 'a1', host: 'web-1', commandId: 'c1', sentAt: 1, finishedAt: 2, error: 'agent lost', logTail: [] },
    };
    const admission = admitDeployment(request({ config: migrating, unresolvedMigration }));
    expect(admission.admitted ? undefined : admission.refusal).toEqual({
      kind: 'conflict', code: 'SLIPWAY_MIGRATION_UNRESOLVED',
      message: 'the migration of 6-1234567 in "production" (deployment d9, on web-1) may or may not have finished: check the database, then deploy with --force; nothing migrates there until then',
    });
    expect(refusalCode(request({ config: migrating, unresolvedMigration, forced: true }))).toBe('admitted');
    expect(refusalCode(request({ config: migrating, unresolvedMigration, kind: 'rollback' }))).toBe('admitted');
    expect(refusalCode(request({ unresolvedMigration }))).toBe('admitted');
  });

  it('refuses a version that has not passed the environment it comes after, unless forced or a rollback', () => {
    expect(refusalCode(request({ passedEnvs: [] }))).toBe('SLIPWAY_NOT_PROMOTED');
    expect(refusalCode(request({ passedEnvs: [], forced: true }))).toBe('admitted');
    expect(refusalCode(request({ passedEnvs: [], kind: 'rollback' }))).toBe('admitted');
    expect(refusalCode(request({ env: 'testing', passedEnvs: [] }))).toBe('admitted');
  });

  it('admits a deployment behind a load balancer only with its LB agents connected and a server name for every host', () => {
    const loadBalancer = { kind: 'haproxy' as const, on: { role: 'lb' }, socket: '/run/haproxy/admin.sock', backend: 'shop', server: '{host}', drainMs: 30_000 };
    const withLb = (lb = loadBalancer) => ({ ...config, environments: { ...config.environments, production: { ...config.environments.production, loadBalancer: lb } } });
    const lbAgent = { id: 'a-lb', name: 'lb-1', labels: { role: 'lb' }, online: true };
    expect(refusalCode(request({ config: withLb(), agents: [...agents, lbAgent] }))).toBe('admitted');
    expect(admitDeployment(request({ config: withLb() }))).toEqual({
      admitted: false,
      refusal: { kind: 'input', code: 'SLIPWAY_LB_NO_AGENTS', message: 'no agent matches loadBalancer on: role=lb of "production": start one next to HAProxy with --labels role=lb --haproxy-socket /run/haproxy/admin.sock' },
    });
    expect(admitDeployment(request({ config: withLb(), agents: [...agents, { ...lbAgent, online: false }], kind: 'rollback' }))).toEqual({
      admitted: false,
      refusal: { kind: 'conflict', code: 'SLIPWAY_LB_AGENT_OFFLINE', message: 'LB agent lb-1 of "production" is not connected: nothing was changed' },
    });
    expect(refusalCode(request({ config: withLb({ ...loadBalancer, server: `${'x'.repeat(95)}-{host}` }), agents: [...agents, lbAgent] }))).toBe('SLIPWAY_LB_BAD_SERVER_NAME');
    expect(admitDeployment(request({ config: withLb({ ...loadBalancer, server: 'app' }), agents: [...agents, lbAgent] }))).toEqual({
      admitted: false,
      refusal: { kind: 'input', code: 'SLIPWAY_LB_BAD_SERVER_NAME', message: 'loadBalancer server: "app" of "production" gives web-1, web-2, web-3 one server app: each host needs its own (put {host} in it)' },
    });
  });

  it('refuses an unknown environment, one without hosts, and one with a deployment in progress', () => {
    expect(admitDeployment(request({ env: 'staging' }))).toMatchObject({ refusal: { kind: 'input', code: 'SLIPWAY_UNKNOWN_ENVIRONMENT' } });
    expect(admitDeployment(request({ agents: agents.slice(3) }))).toMatchObject({
      refusal: { kind: 'input', code: 'SLIPWAY_NO_HOSTS', message: 'no hosts match the labels of "production" (env=production); start agents with --labels env=production' },
    });
    expect(admitDeployment(request({ active: { id: 'd1', version: '6-1234567', status: 'activating' } }))).toMatchObject({
      refusal: { kind: 'conflict', code: 'SLIPWAY_DEPLOYMENT_ACTIVE' },
    });
  });
});

describe('chooseRollbackTarget', () => {
  const base = { projectName: 'shop', env: 'production', knownGood: '7-abcdef0' };
  const good = { quarantinedAt: null };

  it('goes back to known-good when some host runs something else', () => {
    expect(chooseRollbackTarget({ ...base, currentOnHosts: ['7-abcdef0', '8-1111111'], succeeded: [] })).toEqual({ ok: true, version: '7-abcdef0', leaving: null });
  });

  it('goes to the known-good before it when every host runs known-good, skipping quarantined and missing versions', () => {
    const succeeded = [
      { version: '7-abcdef0', artifact: good },
      { version: '6-2222222', artifact: { quarantinedAt: 3 } },
      { version: '5-3333333', artifact: undefined },
      { version: '4-4444444', artifact: good },
    ];
    expect(chooseRollbackTarget({ ...base, currentOnHosts: ['7-abcdef0', '7-abcdef0'], succeeded })).toEqual({ ok: true, version: '4-4444444', leaving: '7-abcdef0' });
  });

  it('refuses when there is nothing to go back to', () => {
    expect(chooseRollbackTarget({ ...base, knownGood: null, currentOnHosts: [], succeeded: [] })).toMatchObject({ ok: false, refusal: { code: 'SLIPWAY_NOTHING_TO_ROLL_BACK_TO' } });
    expect(chooseRollbackTarget({ ...base, currentOnHosts: ['7-abcdef0'], succeeded: [{ version: '7-abcdef0', artifact: good }] })).toMatchObject({
      ok: false, refusal: { message: 'production of shop runs 7-abcdef0 everywhere and has no earlier known-good version' },
    });
  });
});
