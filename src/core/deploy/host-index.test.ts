// The host index lets a look at an activation skip hosts; the plan must be the same as the full
// look's in every state a deployment can be in. Every planner test checks it on its own story
// (deployment-world-fixture.ts's step); this one checks it on many random states of larger fleets.
import { describe, expect, it } from 'vitest';
import type { HostStep } from '../model.ts';
import { planDeployment, type DeploymentView, type HostView } from './deployment-planner.ts';
import { deployment, limits } from './deployment-world-fixture.ts';
import { hostIndexOf } from './host-index.ts';

/** A small seeded generator, so that a failure can be played again from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const now = 1_000_000;

function randomView(seed: number): DeploymentView {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const count = 1 + Math.floor(next() * 40);
  const perBatch = 1 + Math.floor(next() * 4);
  const lowest = Math.floor(next() * (count / perBatch));
  const hosts: HostView[] = [];
  for (let i = 0; i < count; i++) {
    const batch = Math.floor(i / perBatch);
    // Hosts below the current batch are mostly healthy; a few states anywhere are unusual on purpose.
    const step: HostStep = next() < 0.01 ? pick(['failed', 'stage_failed'])
      : batch < lowest ? pick(['healthy', 'healthy', 'healthy', 'activating'])
      : batch === lowest ? pick(['staged', 'activating', 'healthy', 'activating']) : pick(['staged', 'staged', 'staged', 'healthy']);
    const inFlight = step === 'activating' || (step === 'healthy' && next() < 0.05);
    const answer = inFlight ? pick([null, null, { ok: true }, { ok: false, step: 'health' as const, error: '503' }]) : null;
    const lost = next() < 0.05;
    hosts.push({
      deploymentId: 'd-1', agentId: `agent-${i}`, hostName: `web-${String(i).padStart(3, '0')}`, batch, previousVersion: '6-1234567',
      step, error: null, failedStep: null, logTail: [], commandId: inFlight ? `cmd-${i}` : null,
      commandSentAt: inFlight ? now - pick([1_000, 200_000]) : null, updatedAt: now, result: answer,
      agent: lost ? { online: false, lastSeenAt: now - 60_000 } : { online: true, lastSeenAt: now },
    });
  }
  return { deployment: deployment({ status: 'activating', batch: perBatch }), hosts };
}

describe('the host index', () => {
  it('gives a look at an activation the plan of a look at every host, in 2,000 random states', () => {
    let indexedLooks = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const view = randomView(seed);
      const full = planDeployment(view, now, limits);
      const index = hostIndexOf(view.hosts);
      if (!index.anyFailed) indexedLooks++;
      expect(planDeployment({ ...view, hostIndex: index }, now, limits), `seed ${seed}`).toEqual(full);
    }
    // Most states had no failed host, so the index was used, not handed on to the full look.
    expect(indexedLooks).toBeGreaterThan(500);
  });

  it('refuses hosts that are not in batch order', () => {
    const view = randomView(7);
    expect(() => hostIndexOf([...view.hosts].reverse())).toThrow(/batch order/);
  });
});
