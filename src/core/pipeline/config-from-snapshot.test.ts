// Tests of configFromSnapshot: runs stored before the config was normalized still read back.
import { describe, expect, it } from 'vitest';
import { configFromSnapshot } from './config-from-snapshot.ts';
import { parseSlipwayConfig } from './parse-slipway-config.ts';
import type { SlipwayConfig } from './slipway-config.ts';

/** runs.config as servers before the normalized config stored it: zod's output, durations as text. */
const oldSnapshot = {
  version: 1,
  app: 'hello',
  build: { steps: [{ name: 'unit tests', run: 'npm test', timeout: '10m' }, { run: 'npm run lint', timeout: '90s' }], artifact: ['server.js'] },
  run: { command: 'node server.js', port: 8080, health: { http: '/healthz', timeout: '20s' }, stop_timeout: '10s' },
  environments: {
    testing: { hosts: { env: 'testing' }, batch: 1, approval: 'auto', verify: [{ run: 'npm run acceptance', timeout: '5m' }] },
    production: { hosts: { env: 'production' }, batch: '50%', after: 'testing', approval: 'manual', verify: [] },
  },
};

const normalized: SlipwayConfig = {
  version: 1,
  app: 'hello',
  build: {
    steps: [{ name: 'unit tests', run: 'npm test', timeoutMs: 600_000 }, { name: 'npm run lint', run: 'npm run lint', timeoutMs: 90_000 }],
    artifact: ['server.js'],
  },
  run: { command: 'node server.js', port: 8080, health: { http: '/healthz', timeoutMs: 20_000 }, stopTimeoutMs: 10_000 },
  logs: [],
  migrate: null,
  environments: {
    testing: {
      hosts: { env: 'testing' }, batch: 1, after: null, approval: 'auto',
      verify: [{ name: 'npm run acceptance', run: 'npm run acceptance', timeoutMs: 300_000 }], loadBalancer: null, rehearseRollback: true,
    },
    production: { hosts: { env: 'production' }, batch: '50%', after: 'testing', approval: { required: 1, notAuthor: false }, verify: [], loadBalancer: null, rehearseRollback: false },
  },
};

describe('configFromSnapshot', () => {
  it('normalizes a snapshot stored in the old form, with durations as text and no logs', () => {
    expect(configFromSnapshot(JSON.parse(JSON.stringify(oldSnapshot)))).toEqual(normalized);
  });

  it('keeps the log files of an old snapshot that declared some', () => {
    expect(configFromSnapshot({ ...oldSnapshot, logs: ['shared/log/*.log'] }).logs).toEqual(['shared/log/*.log']);
  });

  it('reads a snapshot stored in the normalized form as it is', () => {
    expect(configFromSnapshot(JSON.parse(JSON.stringify(normalized)))).toEqual(normalized);
  });

  it('reads a normalized snapshot stored while approval was still "manual" as one approval', () => {
    const stored = { ...normalized, environments: { ...normalized.environments, production: { ...normalized.environments.production, approval: 'manual' } } };
    expect(configFromSnapshot(JSON.parse(JSON.stringify(stored)))).toEqual(normalized);
  });

  it('reads a normalized snapshot stored before load balancers existed as one with none', () => {
    const stored = JSON.parse(JSON.stringify(normalized)) as { environments: Record<string, Record<string, unknown>> };
    for (const env of Object.values(stored.environments)) delete env.loadBalancer;
    expect(configFromSnapshot(stored)).toEqual(normalized);
  });

  it('reads back a load balancer after a trip through JSON, in the file form and the normalized form', () => {
    const haproxy = { on: { role: 'lb' }, socket: '/run/haproxy/admin.sock', backend: 'shop', drain: '10s' };
    const old = { ...oldSnapshot, environments: { production: { hosts: { env: 'production' }, loadBalancer: { haproxy } } } };
    const config = configFromSnapshot(JSON.parse(JSON.stringify(old)));
    const expected = { kind: 'haproxy', on: { role: 'lb' }, socket: '/run/haproxy/admin.sock', backend: 'shop', server: '{host}', drainMs: 10_000 };
    expect(config.environments.production?.loadBalancer).toEqual(expected);
    expect(configFromSnapshot(JSON.parse(JSON.stringify(config))).environments.production?.loadBalancer).toEqual(expected);
  });

  it('reads back what parsing a file gives, after a trip through JSON', () => {
    const parsed = parseSlipwayConfig('app: hello\nbuild: { steps: [{ run: make, timeout: 2m }], artifact: [dist] }\nrun: { command: ./start, health: { http: /up } }\nenvironments: { prod: { hosts: { env: p } } }\n');
    if (!parsed.ok) throw new Error('expected the file to parse');
    expect(configFromSnapshot(JSON.parse(JSON.stringify(parsed.config)))).toEqual(parsed.config);
  });

  it('refuses a snapshot in neither form with SLIPWAY_CONFIG_INVALID', () => {
    for (const damaged of [null, 'app: hello', { app: 'hello' }, { ...normalized, run: { ...normalized.run, stopTimeoutMs: '10s' } }]) {
      expect(() => configFromSnapshot(damaged)).toThrow(expect.objectContaining({ code: 'SLIPWAY_CONFIG_INVALID' }));
    }
  });
});
