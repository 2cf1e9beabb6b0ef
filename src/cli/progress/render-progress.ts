// The terminal picture of a run or a deployment, as a pure function of its state: a bar per stage,
// a bar per host of each deployment (and its migrate step), a stage's rollback rehearsal, and the
// failing host with its last log lines. No terminal needed.
import { formatDuration } from '../../base/duration.ts';
import { deploymentFraction, hostStepView } from '../../core/api/host-step-view.ts';
import { failedMigrationText, migrationLogTail, migrationView } from '../../core/api/migration-view.ts';
import { notRollbackSafeText, rehearsalView } from '../../core/api/rehearsal-view.ts';
import type { DeploymentHost } from '../../core/model.ts';
import { deploymentEnded, type DeploymentDetail, type ProgressState, type RunDetail } from './progress-state.ts';
import { deploymentLook, hostLook, migrationLook, rehearsalLook, runLook, stageLook, type StatusLook } from './progress-words.ts';
import { cleanText, fitLine, padSpan, textWidth, toTerminal, type Span, type StyledLine } from './styled-text.ts';

export interface RenderOptions {
  /** Columns a line may take. */
  width: number;
  /** Lines the picture may take; hosts and log lines are summed up to fit. Default: no limit. */
  height?: number;
  /** ANSI colours (off for NO_COLOR). */
  color: boolean;
  /** The time now (ms), for durations and the motion of busy bars. */
  now: number;
}

type Fraction = number | 'busy';
type Row =
  | { kind: 'title'; spans: Span[]; look: StatusLook; elapsed: string }
  | { kind: 'bar'; indent: number; label: string; fraction: Fraction; look: StatusLook; elapsed: string; detail?: Span }
  | { kind: 'text'; line: StyledLine };

interface Limits {
  /** Host rows per deployment id (absent: all); beyond it, the most telling hosts and one summary row. */
  hosts?: Map<string, number>;
  /** Log lines of the failing host. */
  tail: number;
}

const maxBar = 40;
const minBar = 8;

/** The lines to show (with ANSI colours when options.color), each at most options.width columns. */
export function renderProgress(state: ProgressState, options: RenderOptions): string[] {
  const height = options.height ?? Infinity;
  let rows = buildRows(state, options.now, { tail: 10 });
  if (rows.length > height) rows = buildRows(state, options.now, fitLimits(state, options.now, height));
  const lines = layout(rows, options).map((line) => toTerminal(fitLine(line, options.width), options.color));
  return lines.length > height ? [...lines.slice(0, Math.max(0, height - 1)), '…'] : lines;
}

/**
 * Limits that make the picture fit `height` rows: fewer log lines first, then hosts summed up,
 * the rows left going to deployments in progress before ended ones.
 */
function fitLimits(state: ProgressState, now: number, height: number): Limits {
  const deployments = deploymentsOf(state).filter((d) => d.hosts.length > 0);
  const summaries = new Map(deployments.map((d) => [d.id, 1]));
  const wanted = deployments.reduce((sum, d) => sum + d.hosts.length - 1, 0);
  let tail = 0;
  for (const candidate of [5, 3, 1, 0]) {
    tail = candidate;
    if (buildRows(state, now, { hosts: summaries, tail }).length + Math.min(wanted, 2) <= height) break;
  }
  let spare = height - buildRows(state, now, { hosts: summaries, tail }).length;
  const rank = (d: DeploymentDetail) => (deploymentEnded.includes(d.status) ? (d.status === 'succeeded' ? 2 : 1) : 0);
  const hosts = new Map<string, number>();
  for (const deployment of [...deployments].sort((a, b) => rank(a) - rank(b))) {
    const extra = Math.max(0, Math.min(spare, deployment.hosts.length - 1));
    hosts.set(deployment.id, 1 + extra);
    spare -= extra;
  }
  return { hosts, tail };
}

function deploymentsOf(state: ProgressState): DeploymentDetail[] {
  return state.kind === 'run' ? state.run.deployments : [state.deployment];
}

function buildRows(state: ProgressState, now: number, limits: Limits): Row[] {
  return state.kind === 'run' ? runRows(state.project, state.run, now, limits) : deploymentRows(state.project, state.deployment, now, limits);
}

function runRows(project: string, run: RunDetail, now: number, limits: Limits): Row[] {
  const rows: Row[] = [{
    kind: 'title',
    spans: [{ text: `run #${run.number}`, style: 'bold' }, { text: ` ${project} ${run.version} ` }, { text: `"${cleanText(run.message)}"`, style: 'dim' }],
    look: runLook(run.status),
    elapsed: elapsed(run.createdAt, run.finishedAt, now),
  }];
  if (run.error && run.stages.length === 0) rows.push(text(2, cleanText(run.error), 'red'));
  // First, where nobody can miss it: the previous release does not work on the migrated database.
  const unsafe = notRollbackSafeText(run.rollbackSafety);
  if (unsafe && run.rollbackSafety) rows.push(text(2, `✗ ${cleanText(unsafe)}`, 'red'), ...tailRows(run.rollbackSafety.logTail, 4, limits.tail));
  for (const stage of run.stages) {
    const deployment = run.deployments.find((d) => d.id === stage.deploymentId);
    let fraction: Fraction = 0;
    if (stage.kind === 'build') fraction = { running: 'busy' as const, succeeded: 1, failed: 1 }[stage.status as 'running'] ?? 0;
    else if (stage.status === 'succeeded') fraction = 1;
    else if (stage.status === 'verifying' || stage.status === 'rehearsing' || (stage.status === 'failed' && deployment?.status === 'succeeded')) fraction = 0.9;
    else if (deployment) fraction = 0.8 * deploymentFraction(deployment.hosts);
    // While its deployment rolls back or migrates, a deploying stage says so.
    const busy = stage.status === 'deploying' && (deployment?.status === 'rolling_back' || deployment?.status === 'migrating') ? deployment.status : undefined;
    rows.push({
      kind: 'bar', indent: 2, label: stage.name, fraction,
      look: busy ? deploymentLook(busy) : stageLook(stage.status),
      elapsed: stage.startedAt ? elapsed(stage.startedAt, stage.finishedAt, now) : '',
    });
    if (deployment) rows.push(...deploymentDetailRows(deployment, 4, limits));
    const rehearsal = stage.rehearsalId ? run.deployments.find((d) => d.id === stage.rehearsalId) : undefined;
    if (rehearsal) rows.push(...rehearsalRows(rehearsal, run, 4, limits));
    // A deployment's cause, or its failed migration, says more than the stage's error, which sums it up.
    const explained = deployment?.cause || (deployment?.migration && migrationView(deployment.migration).failed);
    if (stage.error && !explained) rows.push(text(4, cleanText(stage.error), 'red'));
  }
  return rows;
}

/**
 * A stage's rollback rehearsal: one row with the release put back and its host; why it failed
 * unless the not-rollback-safe notice at the top already says it.
 */
function rehearsalRows(rehearsal: DeploymentDetail, run: RunDetail, indent: number, limits: Limits): Row[] {
  const view = rehearsalView(rehearsal);
  const release = `${view.previousVersion ?? 'the previous release'}${view.host ? ` on ${view.host}` : ''}`;
  const rows: Row[] = [{
    kind: 'bar', indent, label: 'rehearsal', fraction: view.fraction, look: rehearsalLook(rehearsal.status), elapsed: '',
    detail: { text: cleanText(release), style: 'dim' },
  }];
  if (run.rollbackSafety?.deploymentId !== rehearsal.id) rows.push(...causeRows(rehearsal, indent, limits.tail));
  return rows;
}

function deploymentRows(project: string, deployment: DeploymentDetail, now: number, limits: Limits): Row[] {
  const what = deployment.kind === 'rollback' ? `${project} ${deployment.env} to ${deployment.version}`
    : deployment.kind === 'rehearsal' ? `${project} ${deployment.env}: ${rehearsalView(deployment).previousVersion ?? 'the previous release'} back, then ${deployment.version}`
    : `${project} ${deployment.version} to ${deployment.env}`;
  return [
    {
      kind: 'title',
      spans: [{ text: deployment.kind, style: 'bold' }, { text: ` ${what}` }],
      look: deploymentLook(deployment.status),
      elapsed: elapsed(deployment.createdAt, deployment.finishedAt, now),
    },
    ...deploymentDetailRows(deployment, 2, limits),
  ];
}

/**
 * The migrate step (it runs once every host is staged, before any switches), host bars, then what
 * broke: a failed migration with its log lines, or the failing host with its last log lines, and
 * an unrestorable error.
 */
function deploymentDetailRows(deployment: DeploymentDetail, indent: number, limits: Limits): Row[] {
  const rows = [...migrationRows(deployment, indent), ...hostRows(deployment.hosts, indent, limits.hosts?.get(deployment.id) ?? Infinity)];
  if (deployment.migration && migrationView(deployment.migration).failed) {
    rows.push(text(indent, `✗ ${cleanText(failedMigrationText(deployment))}`, 'red'), ...tailRows(migrationLogTail(deployment), indent + 2, limits.tail));
  } else {
    rows.push(...causeRows(deployment, indent, limits.tail));
  }
  if (deployment.error && deployment.status !== 'failed_migration') rows.push(text(indent, cleanText(deployment.error), 'red'));
  return rows;
}

/** The migrate step's row: "migrate ● migrating  on web-1…"; none for a deployment without a migration. */
function migrationRows(deployment: DeploymentDetail, indent: number): Row[] {
  if (!deployment.migration) return [];
  const view = migrationView(deployment.migration);
  return [{
    kind: 'bar', indent, label: 'migrate', fraction: view.fraction ?? 'busy', look: migrationLook(view), elapsed: '',
    ...(view.detail ? { detail: { text: cleanText(view.detail), style: view.failed ? 'red' : 'dim' } } : {}),
  }];
}

/** Why a deployment failed: the host and step, and the host's last log lines. */
function causeRows(deployment: DeploymentDetail, indent: number, tail: number): Row[] {
  const { cause } = deployment;
  if (!cause) return [];
  return [text(indent, `✗ ${cause.host} failed at ${cause.step}: ${cleanText(cause.error)}`, 'red'), ...tailRows(cause.logTail, indent + 2, tail)];
}

/** The last `tail` log lines, each behind a bar. */
function tailRows(lines: string[], indent: number, tail: number): Row[] {
  return (tail > 0 ? lines.slice(-tail) : []).map((line) => ({ kind: 'text', line: [{ text: ' '.repeat(indent) }, { text: '│ ', style: 'dim' }, { text: cleanText(line) }] }));
}

function hostRows(hosts: DeploymentHost[], indent: number, limit: number): Row[] {
  const row = (host: DeploymentHost): Row => ({
    kind: 'bar', indent, label: host.hostName, fraction: hostStepView(host.step).fraction,
    look: hostLook(host.step), elapsed: '', detail: hostDetail(host),
  });
  if (hosts.length <= limit) return hosts.map(row);
  const shown = new Set(
    hosts.map((host, index) => ({ host, index }))
      .sort((a, b) => hostStepView(a.host.step).interest - hostStepView(b.host.step).interest || a.index - b.index)
      .slice(0, Math.max(0, limit - 1))
      .map((h) => h.host),
  );
  const counts = new Map<string, number>();
  for (const host of hosts) if (!shown.has(host)) counts.set(hostLook(host.step).word, (counts.get(hostLook(host.step).word) ?? 0) + 1);
  const rest = hosts.length - shown.size;
  const summary = [...counts].map(([word, n]) => `${n} ${word}`).join(', ');
  return [
    ...hosts.filter((h) => shown.has(h)).map(row),
    text(indent, shown.size > 0 ? `… ${rest} more host${rest === 1 ? '' : 's'}: ${summary}` : `${rest} host${rest === 1 ? '' : 's'}: ${summary}`, 'dim'),
  ];
}

function hostDetail(host: DeploymentHost): Span | undefined {
  if (host.step === 'restored' && host.previousVersion) return { text: `back on ${host.previousVersion}`, style: 'dim' };
  if (host.error && host.step !== 'healthy' && host.step !== 'restored') return { text: cleanText(host.error), style: 'red' };
  return undefined;
}

/** Rows to lines: labels, bars, words and durations in aligned columns, bars as wide as fits. */
function layout(rows: Row[], options: RenderOptions): StyledLine[] {
  const bars = rows.filter((r) => r.kind === 'bar');
  const labelColumn = Math.max(0, ...bars.map((r) => r.indent + textWidth(r.label)));
  const statusColumn = Math.max(0, ...bars.map((r) => textWidth(lookText(r.look))));
  const elapsedColumn = Math.max(0, ...bars.map((r) => textWidth(r.elapsed)));
  const fixed = labelColumn + 2 + statusColumn + (elapsedColumn > 0 ? 2 + elapsedColumn : 0);
  const room = Math.min(maxBar, options.width - fixed - 2);
  const barWidth = room >= minBar ? room : 0;
  return rows.map((row): StyledLine => {
    if (row.kind === 'text') return row.line;
    if (row.kind === 'title') {
      return [...row.spans.map((s) => ({ ...s, text: cleanText(s.text) })), { text: '  ' }, { text: lookText(row.look), style: row.look.tone }, ...(row.elapsed ? [{ text: `  ${row.elapsed}`, style: 'dim' as const }] : [])];
    }
    const line: StyledLine = [{ text: ' '.repeat(row.indent) }, padSpan({ text: cleanText(row.label) }, labelColumn - row.indent), { text: '  ' }];
    if (barWidth > 0) line.push(...bar(row.fraction, barWidth, row.look, options.now), { text: '  ' });
    line.push(padSpan({ text: lookText(row.look), style: row.look.tone }, statusColumn));
    if (elapsedColumn > 0) line.push({ text: `  ${' '.repeat(elapsedColumn - textWidth(row.elapsed))}` }, { text: row.elapsed, style: 'dim' });
    if (row.detail) line.push({ text: '  ' }, row.detail);
    return trimEnd(line);
  });
}

function lookText(look: StatusLook): string {
  return `${look.icon} ${look.word}`;
}

/** A bar: filled part in the status colour, the rest shaded; a busy bar is a block moving to and fro. */
function bar(fraction: Fraction, width: number, look: StatusLook, now: number): Span[] {
  if (fraction === 'busy') {
    const block = Math.max(2, Math.round(width / 5));
    const period = 2 * (width - block);
    const step = Math.floor(now / 150) % period;
    const at = step <= width - block ? step : period - step;
    return [{ text: '░'.repeat(at), style: 'dim' }, { text: '█'.repeat(block), style: look.tone }, { text: '░'.repeat(width - block - at), style: 'dim' }];
  }
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return [{ text: '█'.repeat(filled), style: look.tone }, { text: '░'.repeat(width - filled), style: 'dim' }];
}

function text(indent: number, value: string, style: Span['style']): Row {
  return { kind: 'text', line: [{ text: ' '.repeat(indent) }, { text: value, style }] };
}

/** The line without trailing blanks (padding of empty columns). */
function trimEnd(line: StyledLine): StyledLine {
  const out = line.filter((s) => s.text !== '');
  for (let last = out[out.length - 1]; last && last.text.trimEnd() !== last.text; last = out[out.length - 1]) {
    const text = last.text.trimEnd();
    if (text) out[out.length - 1] = { ...last, text };
    else out.pop();
  }
  return out;
}

/**
 * How long something took, once it ended: as the web UI says it ("850ms", "12.3s", "4m05s"), so a
 * stage shorter than a second does not read "0s". While it runs: whole units ("12s", "4m05s",
 * "1h02m"), so that a line does not flicker as it counts.
 */
function elapsed(from: number, to: number | null, now: number): string {
  if (to !== null) return formatDuration(Math.max(0, to - from));
  const seconds = Math.max(0, Math.floor((now - from) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
