import { describe, expect, it } from 'vitest';
import type { HostStep } from '../model.ts';
import { deploymentFraction, hostStepView, hostSteps, isHostStep } from './host-step-view.ts';

describe('hostStepView', () => {
  it('fills a host by thirds as it goes from pending through staged and activating to healthy', () => {
    const way: HostStep[] = ['pending', 'staging', 'staged', 'activating', 'healthy'];
    expect(way.map((step) => hostStepView(step).fraction)).toEqual([0, 1 / 6, 1 / 3, 1 / 2, 1]);
  });

  it('fills a host behind a load balancer steadily through draining, activating, healthy and readying to ready', () => {
    const way: HostStep[] = ['staged', 'draining', 'activating', 'healthy', 'readying', 'ready'];
    const fractions = way.map((step) => hostStepView(step).fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(hostStepView('readying').finished).toBe(false);
    expect(hostStepView('restore_readying').finished).toBe(false);
  });

  it('keeps the part a failed host reached, and refills it when the host is restored', () => {
    expect(hostStepView('stage_failed').fraction).toBe(hostStepView('staging').fraction);
    expect(hostStepView('failed').fraction).toBe(hostStepView('activating').fraction);
    expect(hostStepView('restored').fraction).toBe(1);
  });

  it('says "staging failed" for a host that could not stage, and words without underscores for every step', () => {
    expect(hostStepView('stage_failed').word).toBe('staging failed');
    expect(hostStepView('restore_failed').word).toBe('restore failed');
    for (const step of hostSteps) expect(hostStepView(step).word).not.toContain('_');
  });

  it('counts a host as finished once it has nothing more to do, failed or not', () => {
    expect(hostSteps.filter((step) => hostStepView(step).finished)).toEqual(['stage_failed', 'healthy', 'ready', 'failed', 'restored', 'restored_ready', 'restore_failed']);
    expect(hostSteps.filter((step) => hostStepView(step).failed)).toEqual(['stage_failed', 'failed', 'restore_failed']);
  });

  it('shows broken hosts first, then busy ones, then staged, waiting and done ones', () => {
    const order = [...hostSteps].sort((a, b) => hostStepView(a).interest - hostStepView(b).interest);
    expect(order.slice(0, 3).every((step) => hostStepView(step).failed)).toBe(true);
    expect(order.slice(-4)).toEqual(['healthy', 'ready', 'restored', 'restored_ready']);
  });

  it('tells host steps from other statuses', () => {
    expect(isHostStep('stage_failed')).toBe(true);
    expect(isHostStep('awaiting_approval')).toBe(false);
    expect(isHostStep('toString')).toBe(false);
  });
});

describe('deploymentFraction', () => {
  it('is the mean of its hosts, and 0 without hosts', () => {
    expect(deploymentFraction([{ step: 'healthy' }, { step: 'pending' }])).toBe(0.5);
    expect(deploymentFraction([{ step: 'healthy' }, { step: 'staged' }, { step: 'activating' }])).toBeCloseTo((1 + 1 / 3 + 1 / 2) / 3);
    expect(deploymentFraction([])).toBe(0);
  });
});
