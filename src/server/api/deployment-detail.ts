// A deployment as the API answers it (GET /deployments/:id, and within runs and the overview):
// the record with every host's step, error and log tail.
import type { DeploymentDetail } from '../../core/api/answers.ts';
import type { Deployment } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';

export async function deploymentDetail(store: Store, deployment: Deployment): Promise<DeploymentDetail> {
  return { ...deployment, hosts: await store.deployments.hosts(deployment.id) };
}
