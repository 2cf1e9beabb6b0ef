// The Store's port for the deployments, their hosts and their load-balancer commands.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { Deployment, DeploymentHost, DeploymentLbCommand, DeploymentMigration } from '../core/model.ts';

/** `migration` absent: the deployment runs none. */
export type NewDeployment = Omit<Deployment, 'id' | 'status' | 'cause' | 'error' | 'finishedAt' | 'createdAt' | 'migration'> & {
  migration?: DeploymentMigration | null;
  /** The status it starts in: `staging`, or `rehearsing` for a rehearsal (it stages nothing). */
  status?: 'staging' | 'rehearsing';
};

export type NewDeploymentHost = Pick<DeploymentHost, 'agentId' | 'hostName' | 'batch'> & { previousVersion?: string | null };

export interface DeploymentStore {
  /**
   * Creates a deployment (status staging unless given) with its hosts (step pending), atomically. Throws
   * ConflictError (SLIPWAY_DEPLOYMENT_ACTIVE) when the environment already has one that has not
   * ended, also when another server instance created it a moment before; inside a transaction,
   * that refusal leaves the transaction usable (on PostgreSQL too).
   */
  create(deployment: NewDeployment, hosts: NewDeploymentHost[], at: number): Promise<Deployment>;
  get(id: string): Promise<Deployment | undefined>;
  /** Deployments that have not ended, oldest first. */
  listActive(): Promise<Deployment[]>;
  /** The project's deployments, newest first, optionally of one environment and status. */
  list(projectId: string, filter: { env?: string; status?: Deployment['status']; limit: number }): Promise<Deployment[]>;
  update(id: string, patch: Partial<Pick<Deployment, 'status' | 'cause' | 'error' | 'finishedAt' | 'migration'>>): Promise<void>;
  hosts(deploymentId: string): Promise<DeploymentHost[]>;
  updateHost(deploymentId: string, agentId: string, patch: Partial<Omit<DeploymentHost, 'deploymentId' | 'agentId' | 'hostName' | 'batch'>>): Promise<void>;
  /** Records `lb` commands the deployment sent (the commands themselves are in CommandStore). */
  addLbCommands(commands: DeploymentLbCommand[]): Promise<void>;
  /** The deployment's `lb` commands, by round then LB agent. */
  lbCommands(deploymentId: string): Promise<DeploymentLbCommand[]>;
}
