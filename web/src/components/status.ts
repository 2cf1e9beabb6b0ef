// How a status reads at a glance: a tone (the colour) and a word, with an icon per tone
// (status-icon.tsx), so that it is clear without colour too.

export type Tone = 'ok' | 'active' | 'wait' | 'fail' | 'warn' | 'idle';

const tones: Record<string, Tone> = {
  succeeded: 'ok', healthy: 'ok', online: 'ok', restored: 'warn', staged: 'active',
  running: 'active', deploying: 'active', verifying: 'active', staging: 'active', activating: 'active', queued: 'idle',
  rolling_back: 'warn', restoring: 'warn', rolled_back: 'warn', drift: 'warn',
  awaiting_approval: 'wait',
  failed: 'fail', stage_failed: 'fail', restore_failed: 'fail', offline: 'fail',
  pending: 'idle', skipped: 'idle',
};

const words: Record<string, string> = {
  awaiting_approval: 'awaiting approval',
  rolling_back: 'rolling back',
  rolled_back: 'rolled back',
  stage_failed: 'staging failed',
  restore_failed: 'restore failed',
  healthy: 'done',
};

export function toneOf(status: string): Tone {
  return tones[status] ?? 'idle';
}

/** The status in words: "awaiting approval", "rolled back"; a healthy host reads "done". */
export function wordOf(status: string): string {
  return words[status] ?? status.replace(/_/g, ' ');
}
