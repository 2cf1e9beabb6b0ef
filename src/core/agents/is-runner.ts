// Which agents run jobs: the one rule for dispatch and for artifact uploads. The labels it reads
// are the server's (fixed at enrollment, changed only by an admin), never what an agent says.
import type { Labels } from '../model.ts';

export function isRunner(agent: { labels: Labels }): boolean {
  return agent.labels.role === 'runner';
}
