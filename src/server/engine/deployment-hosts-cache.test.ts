// The engine's copy of a deployment's hosts keeps their host index as the engine's writes change
// them: after any sequence of writes it is the index read from every host (hostIndexOf).
import { describe, expect, it } from 'vitest';
import { host } from '../../core/deploy/deployment-world-fixture.ts';
import { hostIndexOf } from '../../core/deploy/host-index.ts';
import type { DeploymentHost, HostStep } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';
import { DeploymentHostsCache, HostWrites } from './deployment-hosts-cache.ts';

/** What the copy reads of a store: the hosts of a deployment, and no answers yet. */
function storeWith(hosts: DeploymentHost[]): Store {
  return {
    deployments: { hosts: () => Promise.resolve(hosts.map((h) => ({ ...h }))) },
    commands: { results: () => Promise.resolve(new Map()) },
  } as unknown as Store;
}

describe('the engine\'s copy of a deployment\'s hosts', () => {
  it('keeps the host index right through 500 random writes', async () => {
    const hosts = Array.from({ length: 12 }, (_, i) => host(`web-${String(i).padStart(2, '0')}`, Math.floor(i / 3), { deploymentId: 'd-1', step: 'staged' }));
    const cache = new DeploymentHostsCache();
    const views = await cache.hosts(storeWith(hosts), 'd-1', false, () => undefined);
    let state = 42;
    const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const steps: HostStep[] = ['staged', 'activating', 'healthy', 'healthy', 'healthy', 'failed', 'restoring'];
    for (let write = 1; write <= 500; write++) {
      const writes = new HostWrites();
      const changed = views[Math.floor(next() * views.length)]!;
      const step = steps[Math.floor(next() * steps.length)]!;
      writes.patches.push([changed.agentId, { step, commandId: next() < 0.5 ? null : `cmd-${write}`, commandSentAt: write }]);
      cache.applied('d-1', writes);
      expect(cache.index('d-1'), `after write ${write}`).toEqual(hostIndexOf(views));
    }
  });
});
