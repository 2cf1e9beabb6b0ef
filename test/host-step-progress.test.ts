// The web UI and the terminal show a host's step alike: both take its progress and its word from
// core/api/host-step-view.ts, and each adds only its own look (tones and badges, icons and colours).
import { describe, expect, it } from 'vitest';
import { deployment, host } from '../src/cli/progress/progress-fixtures.ts';
import { hostLook } from '../src/cli/progress/progress-words.ts';
import { renderProgress } from '../src/cli/progress/render-progress.ts';
import { deploymentFraction, hostStepView, hostSteps } from '../src/core/api/host-step-view.ts';
import type { HostStep } from '../src/core/model.ts';
import { wordOf } from '../web/src/components/status.ts';
import { deploymentProgress, hostProgress } from '../web/src/run/progress.ts';

const barWidth = 40;

/** The terminal's line for one host at `step`, and the part of its bar that is filled. */
function terminalHost(step: HostStep): { line: string; fraction: number } {
  const state = { kind: 'deployment' as const, project: 'hello', deployment: deployment('testing', 'activating', [host('web-1', step)]) };
  const line = renderProgress(state, { width: 120, color: false, now: 0 })[1]!;
  const bar = /[█░]+/.exec(line)?.[0] ?? '';
  expect(bar).toHaveLength(barWidth);
  return { line, fraction: [...bar].filter((c) => c === '█').length / barWidth };
}

describe('a host step in the web UI and in the terminal', () => {
  it('has one list of steps covering every step a host can be at', () => {
    expect([...hostSteps].sort()).toEqual(
      [
        'activating', 'draining', 'failed', 'healthy', 'pending', 'ready', 'readying', 'restore_draining', 'restore_failed',
        'restore_readying', 'restored', 'restored_ready', 'restoring', 'stage_failed', 'staged', 'staging',
      ],
    );
  });

  it.each(hostSteps)('fills the bar of a host at %s to the core fraction in both', (step) => {
    const { fraction } = hostStepView(step);
    expect(hostProgress(step).value).toBe(fraction);
    expect(terminalHost(step).fraction).toBe(Math.round(fraction * barWidth) / barWidth);
  });

  it.each(hostSteps)('names a host at %s with the core word in both', (step) => {
    const { word } = hostStepView(step);
    expect(wordOf(step)).toBe(word);
    expect(hostLook(step).word).toBe(word);
    expect(terminalHost(step).line).toMatch(new RegExp(`\\s${word}( {2}|$)`));
  });

  it('says "staging failed" for a host that could not stage, in both', () => {
    expect(wordOf('stage_failed')).toBe('staging failed');
    expect(terminalHost('stage_failed').line).toContain('✗ staging failed');
  });

  it('fills a deployment under way to the mean of its hosts in both', () => {
    const hosts = (['healthy', 'staged', 'activating', 'pending'] as const).map((step, i) => host(`web-${i}`, step));
    const underWay = deployment('production', 'activating', hosts);
    expect(deploymentProgress(underWay).value).toBe(deploymentFraction(hosts));
    expect(deploymentFraction(hosts)).toBeCloseTo((1 + 1 / 3 + 1 / 2 + 0) / 4);
  });
});
