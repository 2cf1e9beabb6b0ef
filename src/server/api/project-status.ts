// What `slipway status` shows: per environment, the version on each host, known-good, and the
// last deployment with its state.
import type { EnvironmentStatus, ProjectStatus } from '../../core/api/answers.ts';
import type { Project } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import { selectHosts } from '../../core/deploy/select-hosts.ts';

export async function projectStatus(store: Store, project: Project): Promise<ProjectStatus> {
  const latest = (await store.runs.list(project.id, 20)).find((r) => r.config);
  const config = latest?.config;
  if (!config) return { project: project.name, environments: [] };
  const agents = await store.agents.list();
  const environments: EnvironmentStatus[] = [];
  for (const [name, env] of Object.entries(config.environments)) {
    const [lastDeployment] = await store.deployments.list(project.id, { env: name, limit: 1 });
    environments.push({
      name,
      knownGood: (await store.environments.get(project.id, name))?.knownGood ?? null,
      hosts: selectHosts(agents, env.hosts).map((a) => ({
        name: a.name,
        version: a.apps.find((app) => app.app === config.app)?.current ?? null,
        online: a.online,
      })),
      lastDeployment: lastDeployment ?? null,
    });
  }
  return { project: project.name, environments };
}
