// Tests of planStages: the stage list a new run gets from its config.
import { describe, expect, it } from 'vitest';
import { planStages } from './plan-stages.ts';
import type { EnvironmentConfig, SlipwayConfig } from './slipway-config.ts';

function environment(after: string | null = null): EnvironmentConfig {
  return { hosts: { env: 'x' }, batch: 1, after, approval: 'auto', verify: [], loadBalancer: null, rehearseRollback: false };
}

function config(environments: Record<string, EnvironmentConfig>): SlipwayConfig {
  return {
    version: 1,
    app: 'hello',
    build: { steps: [{ name: 'make', run: 'make', timeoutMs: 600_000 }], artifact: ['dist'] },
    run: { command: 'node server.js', port: 8080, health: { http: '/healthz', timeoutMs: 20_000 }, stopTimeoutMs: 10_000 },
    logs: [],
    migrate: null,
    environments,
  };
}

describe('planStages', () => {
  it('builds first, then deploys to each environment after the one it names', () => {
    const stages = planStages(config({ production: environment('staging'), staging: environment('testing'), testing: environment() }));
    expect(stages).toEqual([
      { name: 'build', kind: 'build' },
      { name: 'testing', kind: 'environment' },
      { name: 'staging', kind: 'environment' },
      { name: 'production', kind: 'environment' },
    ]);
  });

  it('keeps the order of the file for environments that name none', () => {
    const stages = planStages(config({ eu: environment(), us: environment(), canary: environment('us') }));
    expect(stages.map((s) => s.name)).toEqual(['build', 'eu', 'us', 'canary']);
  });
});
