// The normalized slipway.yml: what the server, the engine and the CLI read. Durations are in
// milliseconds and every default is filled in (by normalizeConfig, once), so no reader repeats one.
import type { Labels } from '../model.ts';
import type { BatchSize } from './slipway-file.ts';

export type { BatchSize };

export interface SlipwayConfig {
  version: 1;
  app: string;
  build: { steps: StepConfig[]; artifact: string[] };
  run: {
    command: string;
    /** The app's PORT unless an agent has its own. */
    port: number;
    health: { http: string; timeoutMs: number };
    stopTimeoutMs: number;
  };
  /** Log files followed on every host beside the app's output; [] when the file declares none. */
  logs: string[];
  /** The migration every deployment of this version runs once (not a rollback); null for none. */
  migrate: MigrateConfig | null;
  environments: Record<string, EnvironmentConfig>;
}

/** `run` is a shell command run in the new release's folder on the deployment's first host. */
export interface MigrateConfig {
  run: string;
  timeoutMs: number;
}

export interface StepConfig {
  /** The step's own name, or its command when the file gives none. */
  name: string;
  run: string;
  timeoutMs: number;
}

export interface EnvironmentConfig {
  hosts: Labels;
  batch: BatchSize;
  /** The environment a version must have passed first; null for none. */
  after: string | null;
  approval: ApprovalConfig;
  verify: StepConfig[];
  /** The load balancer in front of the hosts, drained and readied around each host's switch; null for none. */
  loadBalancer: LoadBalancerConfig | null;
  /**
   * After a deployment that migrated, and its verify, the previous release goes back on one host
   * against the migrated database, is checked, and is replaced again: whether a rollback is safe.
   */
  rehearseRollback: boolean;
}

/**
 * HAProxy, driven through its runtime API on `socket` by the agents `on` selects. A host's server
 * in `backend` is `server` with `{host}` replaced (lbServerName); `drainMs` is the longest wait for
 * its sessions to end.
 */
export interface LoadBalancerConfig {
  kind: 'haproxy';
  on: Labels;
  socket: string;
  backend: string;
  server: string;
  drainMs: number;
}

/**
 * Whether deploying into an environment waits for people: `auto` does not; otherwise the gate
 * opens at the `required`-th different approver, and with `notAuthor` the commit's author (by
 * email) is not counted. slipway.yml's `manual` is `{ required: 1, notAuthor: false }`.
 */
export type ApprovalConfig = 'auto' | { required: number; notAuthor: boolean };
