// How each status reads on a terminal: a word, an icon and a colour. A host step's word (and how
// far along its bar it is) comes from core/api/host-step-view.ts, as in the web UI.
import { hostStepView } from '../../core/api/host-step-view.ts';
import type { MigrationView } from '../../core/api/migration-view.ts';
import type { Deployment, HostStep, MigrationState, Run, Stage } from '../../core/model.ts';
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

/** A rehearsal as a row under its stage: short words, the release and host follow them. */
const rehearsalLooks: Partial<Record<Deployment['status'], StatusLook>> = {
  rehearsing: look('↺', 'rehearsing', 'yellow'),
  verifying: look('●', 'verifying', 'yellow'),
  returning: look('●', 'returning', 'yellow'),
  succeeded: look('✓', 'rollback-safe', 'green'),
};

/** The migrate step of a deployment, by its state. */
const migrationLooks: Record<MigrationState, { icon: string; tone: Style }> = {
  pending: { icon: '○', tone: 'dim' },
  running: { icon: '●', tone: 'yellow' },
  succeeded: { icon: '✓', tone: 'green' },
  failed: { icon: '✗', tone: 'red' },
  unknown: { icon: '?', tone: 'red' },
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
/** A rehearsal's row under its stage; its title, as a deployment of its own, keeps deploymentLook. */
export const rehearsalLook = (status: Deployment['status']): StatusLook => rehearsalLooks[status] ?? deploymentLooks[status];
/** The migrate step: its icon and colour, and the core's word ("migrating", "outcome unknown"). */
export const migrationLook = (view: MigrationView): StatusLook => look(migrationLooks[view.state].icon, view.word, migrationLooks[view.state].tone);
