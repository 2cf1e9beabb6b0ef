// Tests of normalizeConfig: durations become milliseconds and every default is applied, once.
import { describe, expect, it } from 'vitest';
import { normalizeConfig } from './normalize-config.ts';
import type { SlipwayFile } from './slipway-file.ts';

/** The least a slipway.yml must say. */
const minimal: SlipwayFile = {
  app: 'hello',
  build: { steps: [{ run: 'make' }], artifact: ['dist'] },
  run: { command: 'node server.js', health: { http: '/healthz' } },
  environments: { testing: { hosts: { env: 'testing' } } },
};

describe('normalizeConfig', () => {
  it('fills in every default of a minimal file', () => {
    expect(normalizeConfig(minimal)).toEqual({
      version: 1,
      app: 'hello',
      build: { steps: [{ name: 'make', run: 'make', timeoutMs: 600_000 }], artifact: ['dist'] },
      run: { command: 'node server.js', port: 8080, health: { http: '/healthz', timeoutMs: 20_000 }, stopTimeoutMs: 10_000 },
      logs: [],
      migrate: null,
      environments: { testing: { hosts: { env: 'testing' }, batch: 1, after: null, approval: 'auto', verify: [], loadBalancer: null, rehearseRollback: true } },
    });
  });

  it('turns every duration the file gives into milliseconds and keeps what it says', () => {
    const config = normalizeConfig({
      ...minimal,
      build: { steps: [{ name: 'unit tests', run: 'npm test', timeout: '90s' }], artifact: ['dist'] },
      run: { command: 'node server.js', port: 3000, health: { http: '/up', timeout: '1.5s' }, stop_timeout: '500ms' },
      logs: ['shared/log/*.log'],
      environments: {
        testing: { hosts: { env: 'testing' }, verify: [{ run: 'npm run acceptance', timeout: '1h' }] },
        production: { hosts: { env: 'production' }, after: 'testing', approval: 'manual', batch: '25%' },
      },
    });
    expect(config.build.steps).toEqual([{ name: 'unit tests', run: 'npm test', timeoutMs: 90_000 }]);
    expect(config.run).toEqual({ command: 'node server.js', port: 3000, health: { http: '/up', timeoutMs: 1500 }, stopTimeoutMs: 500 });
    expect(config.logs).toEqual(['shared/log/*.log']);
    expect(config.environments.testing?.verify).toEqual([{ name: 'npm run acceptance', run: 'npm run acceptance', timeoutMs: 3_600_000 }]);
    expect(config.environments.production).toEqual({ hosts: { env: 'production' }, batch: '25%', after: 'testing', approval: { required: 1, notAuthor: false }, verify: [], loadBalancer: null, rehearseRollback: false });
  });

  it('applies the load balancer\'s defaults once: server "{host}" and a drain of 30s', () => {
    const config = normalizeConfig({
      ...minimal,
      environments: {
        production: { hosts: { env: 'production' }, loadBalancer: { haproxy: { on: { role: 'lb' }, socket: '/run/haproxy/admin.sock', backend: 'shop' } } },
        staging: { hosts: { env: 'staging' }, loadBalancer: { haproxy: { on: { role: 'lb' }, socket: '/s', backend: 'b', server: '{host}-app', drain: '2m' } } },
      },
    });
    expect(config.environments.production?.loadBalancer).toEqual({ kind: 'haproxy', on: { role: 'lb' }, socket: '/run/haproxy/admin.sock', backend: 'shop', server: '{host}', drainMs: 30_000 });
    expect(config.environments.staging?.loadBalancer).toMatchObject({ server: '{host}-app', drainMs: 120_000 });
  });

  it('turns manual into one approval and keeps a count of approvers and notAuthor', () => {
    const config = normalizeConfig({
      ...minimal,
      environments: {
        testing: { hosts: { env: 'testing' } },
        staging: { hosts: { env: 'staging' }, approval: { required: 1 } },
        production: { hosts: { env: 'production' }, approval: { required: 2, notAuthor: true } },
      },
    });
    expect(Object.values(config.environments).map((e) => e.approval)).toEqual(['auto', { required: 1, notAuthor: false }, { required: 2, notAuthor: true }]);
  });

  it('shares nothing with the file it was made from', () => {
    const file = structuredClone(minimal);
    const config = normalizeConfig(file);
    file.build.artifact.push('more');
    file.environments.testing!.hosts.role = 'web';
    expect(config.build.artifact).toEqual(['dist']);
    expect(config.environments.testing?.hosts).toEqual({ env: 'testing' });
  });
});
