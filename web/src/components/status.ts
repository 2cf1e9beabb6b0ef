// How a status reads at a glance: a tone (the colour) and a word, with an icon per tone
// (status-icon.tsx), so that it is clear without colour too. A host step's word is core's
// (core/api/host-step-view.ts), the same as the terminal's.
import { hostStepView, isHostStep } from '../../../src/core/api/host-step-view.ts';

export type Tone = 'ok' | 'active' | 'wait' | 'fail' | 'warn' | 'idle';

const tones: Record<string, Tone> = {
  succeeded: 'ok', healthy: 'ok', online: 'ok', restored: 'warn', staged: 'active',
  running: 'active', deploying: 'active', verifying: 'active', staging: 'active', activating: 'active', queued: 'idle',
  migrating: 'active', rehearsing: 'active', returning: 'active',
  rolling_back: 'warn', restoring: 'warn', rolled_back: 'warn', drift: 'warn',
  awaiting_approval: 'wait',
  failed: 'fail', failed_migration: 'fail', stage_failed: 'fail', restore_failed: 'fail', offline: 'fail',
  pending: 'idle', skipped: 'idle',
};

const words: Record<string, string> = {
  awaiting_approval: 'awaiting approval',
  rolling_back: 'rolling back',
  rolled_back: 'rolled back',
  failed_migration: 'migration failed',
  rehearsing: 'rehearsing rollback',
};

export function toneOf(status: string): Tone {
  return tones[status] ?? 'idle';
}

/** The status in words: "awaiting approval", "rolled back", a host's "staging failed". */
export function wordOf(status: string): string {
  return words[status] ?? (isHostStep(status) ? hostStepView(status).word : status.replace(/_/g, ' '));
}
