// How each status reads on a terminal: a word, an icon and a colour. A host step's word (and how
// far along its bar it is) comes from core/api/host-step-view.ts, as in the web UI.
import { hostStepView } from '../../core/api/host-step-view.ts';
import type { Deployment, HostStep, Run, Stage } from '../../core/model.ts';
import type { Style } from './styled-text.ts';

export interface StatusLook {
  icon: string;
  word: string;
  tone: Style;
}

const look = (icon: string, word: string, tone: Style): StatusLook => ({ icon, word, tone });

const runLooks: Record<Run['status'], StatusLook> = {
  queued: look('○', 'queued', 'dim'),
  running: look('●', 'running', 'yellow'),
  succeeded: look('✓', 'succeeded', 'green'),
  failed: look('✗', 'failed', 'red'),
};

const stageLooks: Record<Stage['status'], StatusLook> = {
  pending: look('○', 'pending', 'dim'),
  running: look('●', 'running', 'yellow'),
  awaiting_approval: look('◆', 'awaiting approval', 'cyan'),
  deploying: look('●', 'deploying', 'yellow'),
  verifying: look('●', 'verifying', 'yellow'),
  rehearsing: look('↺', 'rehearsing rollback', 'yellow'),
  succeeded: look('✓', 'succeeded', 'green'),
  failed: look('✗', 'failed', 'red'),
  skipped: look('–', 'skipped', 'dim'),
};

const deploymentLooks: Record<Deployment['status'], StatusLook> = {
  staging: look('●', 'staging', 'yellow'),
  migrating: look('●', 'migrating', 'yellow'),
  activating: look('●', 'activating', 'yellow'),
  rolling_back: look('↺', 'rolling back', 'magenta'),
  rehearsing: look('↺', 'previous release on one host', 'yellow'),
  verifying: look('●', 'verifying the previous release', 'yellow'),
  returning: look('●', 'returning to the new release', 'yellow'),
  succeeded: look('✓', 'succeeded', 'green'),
  rolled_back: look('↺', 'rolled back', 'red'),
  failed: look('✗', 'failed', 'red'),
  failed_migration: look('✗', 'migration failed', 'red'),
};

/** The terminal's own look of each host step: icon and colour; the word is the core's. */
const hostIcons: Record<HostStep, { icon: string; tone: Style }> = {
  pending: { icon: '○', tone: 'dim' },
  staging: { icon: '●', tone: 'yellow' },
  staged: { icon: '●', tone: 'blue' },
  stage_failed: { icon: '✗', tone: 'red' },
  draining: { icon: '◐', tone: 'yellow' },
  activating: { icon: '●', tone: 'yellow' },
  healthy: { icon: '✓', tone: 'green' },
  readying: { icon: '◑', tone: 'yellow' },
  ready: { icon: '✓', tone: 'green' },
  failed: { icon: '✗', tone: 'red' },
  restore_draining: { icon: '↺', tone: 'magenta' },
  restoring: { icon: '↺', tone: 'magenta' },
  restored: { icon: '↺', tone: 'magenta' },
  restore_readying: { icon: '↺', tone: 'magenta' },
  restored_ready: { icon: '↺', tone: 'magenta' },
  restore_failed: { icon: '✗', tone: 'red' },
};

export const runLook = (status: Run['status']): StatusLook => runLooks[status];
export const stageLook = (status: Stage['status']): StatusLook => stageLooks[status];
export const deploymentLook = (status: Deployment['status']): StatusLook => deploymentLooks[status];
export const hostLook = (step: HostStep): StatusLook => look(hostIcons[step].icon, hostStepView(step).word, hostIcons[step].tone);

