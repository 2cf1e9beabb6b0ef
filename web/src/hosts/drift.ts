// Which hosts run something other than their environment's known-good version, from the
// overview: the hosts page marks them.
import type { ProjectOverview } from '../../../src/core/api/answers.ts';

export interface Drift {
  project: string;
  env: string;
  runs: string | null;
  knownGood: string;
}

/** Per host name, every environment of every project where it differs from known-good. */
export function driftByHost(overview: ProjectOverview[]): Map<string, Drift[]> {
  const drift = new Map<string, Drift[]>();
  for (const { project, environments } of overview) {
    for (const env of environments) {
      if (!env.knownGood) continue;
      for (const host of env.hosts) {
        if (host.version === env.knownGood) continue;
        const list = drift.get(host.name) ?? [];
        list.push({ project: project.name, env: env.name, runs: host.version, knownGood: env.knownGood });
        drift.set(host.name, list);
      }
    }
  }
  return drift;
}
