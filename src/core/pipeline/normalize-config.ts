// Turns a slipway.yml as written (SlipwayFile) into the SlipwayConfig everything reads: the one
// place where durations become milliseconds and where defaults are applied.
import { parseDuration } from '../../base/duration.ts';
import { SlipwayError } from '../../base/errors.ts';
import type { ApprovalConfig, EnvironmentConfig, LoadBalancerConfig, SlipwayConfig, StepConfig } from './slipway-config.ts';
import type { EnvironmentFile, SlipwayFile, StepFile } from './slipway-file.ts';

/** Every default of slipway.yml, as the file would write it. */
export const configDefaults = {
  port: 8080,
  stepTimeout: '10m',
  healthTimeout: '20s',
  stopTimeout: '10s',
  batch: 1,
  approval: 'auto',
  lbServer: '{host}',
  lbDrain: '30s',
  migrateTimeout: '5m',
} as const;

/**
 * The normalized config of a file that passed slipwayFileSchema: every duration in ms and every
 * default applied (a step's name is its command, no logs is [], no `after` is null). Pure; throws
 * SlipwayError (SLIPWAY_CONFIG_INVALID) only for a duration the schema would have refused: a bug.
 */
export function normalizeConfig(file: SlipwayFile): SlipwayConfig {
  return {
    version: 1,
    app: file.app,
    build: { steps: file.build.steps.map(normalizeStep), artifact: [...file.build.artifact] },
    run: {
      command: file.run.command,
      port: file.run.port ?? configDefaults.port,
      health: { http: file.run.health.http, timeoutMs: ms(file.run.health.timeout ?? configDefaults.healthTimeout) },
      stopTimeoutMs: ms(file.run.stop_timeout ?? configDefaults.stopTimeout),
    },
    logs: [...(file.logs ?? [])],
    migrate: file.migrate ? { run: file.migrate.run, timeoutMs: ms(file.migrate.timeout ?? configDefaults.migrateTimeout) } : null,
    environments: Object.fromEntries(Object.entries(file.environments).map(([name, env]) => [name, normalizeEnvironment(env)])),
  };
}

function normalizeStep(step: StepFile): StepConfig {
  return { name: step.name ?? step.run, run: step.run, timeoutMs: ms(step.timeout ?? configDefaults.stepTimeout) };
}

function normalizeEnvironment(env: EnvironmentFile): EnvironmentConfig {
  return {
    hosts: { ...env.hosts },
    batch: env.batch ?? configDefaults.batch,
    after: env.after ?? null,
    approval: normalizeApproval(env.approval ?? configDefaults.approval),
    verify: (env.verify ?? []).map(normalizeStep),
    loadBalancer: normalizeLoadBalancer(env.loadBalancer),
    // An environment no other comes before is where versions are tried first: rehearse there.
    rehearseRollback: env.rehearseRollback ?? env.after === undefined,
  };
}

function normalizeLoadBalancer(lb: EnvironmentFile['loadBalancer']): LoadBalancerConfig | null {
  const haproxy = lb?.haproxy;
  if (!haproxy) return null;
  return {
    kind: 'haproxy',
    on: { ...haproxy.on },
    socket: haproxy.socket,
    backend: haproxy.backend,
    server: haproxy.server ?? configDefaults.lbServer,
    drainMs: ms(haproxy.drain ?? configDefaults.lbDrain),
  };
}

/** `manual` is one approval by anybody allowed to approve; a stored snapshot's `manual` reads the same way. */
export function normalizeApproval(approval: NonNullable<EnvironmentFile['approval']>): ApprovalConfig {
  if (approval === 'auto') return 'auto';
  if (approval === 'manual') return { required: 1, notAuthor: false };
  return { required: approval.required, notAuthor: approval.notAuthor ?? false };
}

function ms(duration: string): number {
  const value = parseDuration(duration);
  if (value === undefined) throw new SlipwayError('SLIPWAY_CONFIG_INVALID', `not a duration: ${JSON.stringify(duration)}`);
  return value;
}
