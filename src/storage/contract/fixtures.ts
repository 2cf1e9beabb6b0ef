// Plain records for the store contract suite: a project, a run with stages, an agent, a job spec.
import type { SlipwayConfig } from '../../core/model.ts';
import type { Command, JobSpec } from '../../core/protocol/messages.ts';
import type { NewLogLine, NewRun, Store } from '../store.ts';

export const config: SlipwayConfig = {
  version: 1,
  app: 'hello',
  build: { steps: [{ name: 'unit tests', run: 'npm test', timeoutMs: 600_000 }], artifact: ['server.js'] },
  run: { command: 'node server.js', port: 8080, health: { http: '/healthz', timeoutMs: 20_000 }, stopTimeoutMs: 10_000 },
  logs: [],
  migrate: null,
  environments: {
    testing: { hosts: { env: 'testing' }, batch: 1, after: null, approval: 'auto', verify: [], loadBalancer: null, rehearseRollback: true },
    production: { hosts: { env: 'production' }, batch: '50%', after: 'testing', approval: { required: 1, notAuthor: false }, verify: [], loadBalancer: null, rehearseRollback: false },
  },
};

export async function addProject(store: Store, name = 'hello', at = 1000) {
  return store.projects.create(
    { name, repoUrl: `https://git.example.com/${name}.git`, branch: 'main', pollIntervalMs: 60_000, webhookSecret: 's3cret' },
    at,
  );
}

export function newRun(projectId: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    projectId,
    sha: '0123456789abcdef0123456789abcdef01234567',
    ref: 'refs/heads/main',
    message: 'Add a greeting',
    author: 'Ada <ada@example.com>',
    trigger: 'webhook',
    config,
    error: null,
    stages: [
      { name: 'build', kind: 'build' },
      { name: 'testing', kind: 'environment' },
      { name: 'production', kind: 'environment' },
    ],
    ...overrides,
  };
}

/** A project with one run: what most tests of jobs, artifacts and deployments start from. */
export async function addProjectWithRun(store: Store, name = 'hello') {
  const project = await addProject(store, name);
  const run = await store.runs.create(newRun(project.id), 2000);
  const stages = await store.runs.stages(run.id);
  return { project, run, stages };
}

/** A project with one run and a deployment of its version to testing (one host). */
export async function addProjectWithDeployment(store: Store, name = 'hello') {
  const { project, run, stages } = await addProjectWithRun(store, name);
  const host = await enrollAgent(store, `${name}-web-1`);
  const deployment = await store.deployments.create({
    projectId: project.id, env: 'testing', version: run.version, runId: run.id, kind: 'deploy', batch: 1, forced: false, requestedBy: 'engine',
  }, [{ agentId: host.id, hostName: host.name, batch: 0 }], 3000);
  return { project, run, stages, host, deployment };
}

export async function enrollAgent(store: Store, name: string, labels: Record<string, string> = { env: 'testing' }, at = 1000) {
  return store.agents.enroll({ name, labels, tokenHash: `hash-of-${name}`, address: `${name}.internal`, port: null }, at);
}

export function jobSpec(jobId: string, runId: string, kind: JobSpec['kind'] = 'build', deploymentId: string | null = null): JobSpec {
  return {
    jobId,
    runId,
    deploymentId,
    kind,
    project: 'hello',
    sha: '0123456789abcdef0123456789abcdef01234567',
    version: '1-0123456',
    sourcePath: `/api/v1/runs/${runId}/source.tar.gz`,
    steps: [{ name: 'unit tests', run: 'npm test', timeoutMs: 600_000 }],
    artifactPaths: ['server.js'],
    env: { CI: 'true' },
  };
}

export const prepareCommand: Command = {
  kind: 'prepare',
  app: 'hello',
  version: '1-0123456',
  artifactPath: '/api/v1/artifacts/hello/1-0123456',
  sha256: 'a'.repeat(64),
  size: 1234,
};

export function logLine(source: string, seq: number, overrides: Partial<NewLogLine> = {}): NewLogLine {
  return {
    at: 5000 + seq,
    source,
    seq,
    host: 'web-1',
    app: 'hello',
    env: 'testing',
    stream: 'app',
    level: null,
    runId: null,
    deploymentId: null,
    text: `line ${seq} from ${source}`,
    ...overrides,
  };
}
