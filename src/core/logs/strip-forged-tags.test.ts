import { describe, expect, it } from 'vitest';
import { scopesNamedBy, stripForgedTags } from './strip-forged-tags.ts';

const held = new Set(['run:r1', 'deployment:d1']);

describe('stripForgedTags', () => {
  it('keeps lines that name only what the agent is part of, and untagged lines, as they are', () => {
    const lines = [{ text: 'a', runId: 'r1', deploymentId: 'd1' }, { text: 'b', runId: null, deploymentId: null }, { text: 'c' }];
    const out = stripForgedTags(lines, held);
    expect(out).toEqual({ lines, forged: 0, refused: [] });
    expect(out.lines[0]).toBe(lines[0]);
  });

  it('removes a tag naming another run or deployment, keeps the line and the tags that are the agent\'s own', () => {
    const out = stripForgedTags([
      { seq: 1, text: 'forged run', runId: 'r2', deploymentId: 'd1' },
      { seq: 2, text: 'forged deployment', runId: 'r1', deploymentId: 'd9' },
      { seq: 3, text: 'both', runId: 'r2', deploymentId: 'd9' },
      { seq: 4, text: 'fine', runId: 'r1', deploymentId: null },
    ], held);
    expect(out.lines).toEqual([
      { seq: 1, text: 'forged run', runId: null, deploymentId: 'd1' },
      { seq: 2, text: 'forged deployment', runId: 'r1', deploymentId: null },
      { seq: 3, text: 'both', runId: null, deploymentId: null },
      { seq: 4, text: 'fine', runId: 'r1', deploymentId: null },
    ]);
    expect(out.forged).toBe(3);
    expect(out.refused.sort()).toEqual(['deployment:d9', 'run:r2']);
  });

  it('refuses every tag of an agent that is part of nothing', () => {
    expect(stripForgedTags([{ runId: 'r1' }], new Set()).lines).toEqual([{ runId: null }]);
  });
});

describe('scopesNamedBy', () => {
  it('names each run and deployment of a batch once', () => {
    expect(scopesNamedBy([{ runId: 'r1', deploymentId: 'd1' }, { runId: 'r1' }, { deploymentId: null }, {}])).toEqual([
      { kind: 'run', ref: 'r1' }, { kind: 'deployment', ref: 'd1' },
    ]);
  });
});
