import { describe, expect, it } from 'vitest';
import type { Command } from '../protocol/messages.ts';
import { scopesOfCommand, sourceRef } from './agent-scope.ts';

const sha256 = 'a'.repeat(64);
const run = { command: 'node server.js', port: 8080, healthPath: '/healthz', healthTimeoutMs: 1000, stopTimeoutMs: 1000 };

describe('scopesOfCommand', () => {
  it('makes a host part of the run and deployment it stages, and lets it download that artifact', () => {
    const prepare: Command = { kind: 'prepare', app: 'hello', version: '1-abcdef0', artifactPath: `/api/v1/artifacts/${sha256}`, sha256, size: 10, runId: 'r1', deploymentId: 'd1' };
    expect(scopesOfCommand(prepare)).toEqual([{ kind: 'run', ref: 'r1' }, { kind: 'deployment', ref: 'd1' }, { kind: 'artifact', ref: sha256 }]);
  });

  it('makes a host part of the run and deployment it activates, not of a rollback by hand\'s missing run', () => {
    const activate: Command = { kind: 'activate', app: 'hello', version: '1-abcdef0', env: 'testing', deploymentId: 'd2', runId: null, run };
    expect(scopesOfCommand(activate)).toEqual([{ kind: 'deployment', ref: 'd2' }]);
    expect(scopesOfCommand({ kind: 'deactivate', app: 'hello' })).toEqual([]);
  });

  it('makes a runner part of its job\'s run and deployment, and lets it download the job\'s source tree', () => {
    const job: Command = {
      kind: 'job',
      job: { jobId: 'j1', runId: 'r1', deploymentId: null, kind: 'build', project: 'hello', sha: 'f'.repeat(40), version: '1-fffffff', sourcePath: '/x', steps: [], artifactPaths: [], env: {} },
    };
    expect(scopesOfCommand(job)).toEqual([{ kind: 'run', ref: 'r1' }, { kind: 'source', ref: sourceRef('hello', 'f'.repeat(40)) }]);
  });

  it('makes an LB agent part of the run and deployment whose servers it drains and readies', () => {
    const lb: Command = { kind: 'lb', socket: '/run/haproxy/admin.sock', backend: 'shop', set: [{ server: 'web-1', state: 'drain' }], runId: 'r1', deploymentId: 'd1' };
    expect(scopesOfCommand(lb)).toEqual([{ kind: 'run', ref: 'r1' }, { kind: 'deployment', ref: 'd1' }]);
  });
});
