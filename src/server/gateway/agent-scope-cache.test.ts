import { describe, expect, it } from 'vitest';
import type { AgentScope } from '../../core/agents/agent-scope.ts';
import { AgentScopeCache } from './agent-scope-cache.ts';

const run1: AgentScope = { kind: 'run', ref: 'r1' };
const run2: AgentScope = { kind: 'run', ref: 'r2' };

/** A store that holds `held` for agent a1 and counts the questions, answering when the test says (the cache calls heldScopes only, hence the casts below). */
function storeHolding(held: AgentScope[]) {
  const asked: AgentScope[][] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  return {
    asked,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
    store: {
      commands: {
        heldScopes: async (agentId: string, scopes: readonly AgentScope[]) => {
          asked.push([...scopes]);
          await gate;
          return agentId === 'a1' ? scopes.filter((s) => held.some((h) => h.kind === s.kind && h.ref === s.ref)) : [];
        },
      },
    },
  };
}

describe('AgentScopeCache', () => {
  it('asks the store once for what it does not know, and keeps the yes and the no', async () => {
    const fake = storeHolding([run1]);
    const cache = new AgentScopeCache({ store: fake.store as never });
    expect(cache.heldIfKnown('a1', [run1, run2])).toBeUndefined();
    expect([...(await cache.held('a1', [run1, run2]))]).toEqual(['run:r1']);
    expect([...cache.heldIfKnown('a1', [run1, run2])!]).toEqual(['run:r1']);
    expect(await cache.held('a1', [run1, run2])).toEqual(new Set(['run:r1']));
    expect(fake.asked).toEqual([[run1, run2]]);
    expect(cache.heldIfKnown('a2', [run1])).toBeUndefined();
  });

  it('knows what a command sent makes the agent part of without asking, and a late no does not undo it', async () => {
    const fake = storeHolding([]);
    const cache = new AgentScopeCache({ store: fake.store as never });
    fake.hold();
    const answer = cache.held('a1', [run2]); // asked before the command was written
    cache.learn('a1', [run2]);
    fake.release();
    expect([...(await answer)]).toEqual(['run:r2']);
    expect([...cache.heldIfKnown('a1', [run2])!]).toEqual(['run:r2']);
  });

  it('answers no for every scope of an empty question at once', () => {
    const cache = new AgentScopeCache({ store: storeHolding([]).store as never });
    expect(cache.heldIfKnown('a1', [])).toEqual(new Set());
  });
});
