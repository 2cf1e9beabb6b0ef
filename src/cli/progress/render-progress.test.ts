// The terminal picture of runs and deployments, from plain states: no terminal involved.
import { describe, expect, it } from 'vitest';
import { deployment, host, migration, run, stage, t0 } from './progress-fixtures.ts';
import type { ProgressState } from './progress-state.ts';
import { renderProgress } from './render-progress.ts';
import { textWidth } from './styled-text.ts';

const plain = { color: false, now: t0 + 65_000 };

function productionRollingOut(): ProgressState {
  const testing = deployment('testing', 'succeeded', [host('testing-1', 'healthy'), host('testing-2', 'healthy')], { finishedAt: t0 + 30_000 });
  const production = deployment('production', 'activating', [host('production-1', 'healthy'), host('production-2', 'activating'), host('production-3', 'staged')]);
  return {
    kind: 'run',
    project: 'hello',
    run: run([
      stage('build', 'succeeded', { startedAt: t0, finishedAt: t0 + 14_000 }),
      stage('testing', 'succeeded', { deploymentId: testing.id, startedAt: t0 + 14_000, finishedAt: t0 + 30_000 }),
      stage('production', 'deploying', { deploymentId: production.id, startedAt: t0 + 40_000 }),
    ], [testing, production]),
  };
}

function rolledBack(): ProgressState {
  const logTail = Array.from({ length: 14 }, (_, i) => `line ${i + 1}`);
  return {
    kind: 'deployment',
    project: 'hello',
    deployment: deployment('production', 'rolled_back', [
      host('production-1', 'restored'),
      host('production-2', 'restored', { error: 'no 2xx from /healthz within 10s' }),
    ], { cause: { host: 'production-2', step: 'health', error: 'no 2xx from /healthz within 10s', logTail }, finishedAt: t0 + 12_000 }),
  };
}

/** The bar of a line: its filled and empty cells. */
function barOf(line: string): { filled: number; empty: number } {
  const bar = /[█░]+/.exec(line)?.[0] ?? '';
  return { filled: [...bar].filter((c) => c === '█').length, empty: [...bar].filter((c) => c === '░').length };
}

describe('renderProgress', () => {
  it('draws a run as a title, a bar per stage and a bar per host, with status words and durations', () => {
    const lines = renderProgress(productionRollingOut(), { ...plain, width: 100 });
    expect(lines).toEqual([
      'run #2 hello 2-bbbbbbb "Say hi"  ● running  1m05s',
      `  build           ${'█'.repeat(40)}  ✓ succeeded   14.0s`,
      `  testing         ${'█'.repeat(40)}  ✓ succeeded   16.0s`,
      `    testing-1     ${'█'.repeat(40)}  ✓ healthy`,
      `    testing-2     ${'█'.repeat(40)}  ✓ healthy`,
      expect.stringMatching(/^ {2}production {6}█{20}░{20} {2}● deploying {5}25s$/),
      `    production-1  ${'█'.repeat(40)}  ✓ healthy`,
      `    production-2  ${'█'.repeat(20)}${'░'.repeat(20)}  ● activating`,
      expect.stringMatching(/^ {4}production-3 {2}█{13}░{27} {2}● staged$/),
    ]);
  });

  it('fills a host bar by thirds along staged, activated and healthy', () => {
    const steps = ['pending', 'staged', 'activating', 'healthy'] as const;
    const state: ProgressState = { kind: 'deployment', project: 'hello', deployment: deployment('testing', 'activating', steps.map((s, i) => host(`h${i}`, s))) };
    const bars = renderProgress(state, { ...plain, width: 50 }).slice(1).map(barOf);
    expect(bars.map((b) => b.filled + b.empty)).toEqual([30, 30, 30, 30]);
    expect(bars.map((b) => b.filled)).toEqual([0, 10, 15, 30]);
  });

  it('keeps every line within the width, and drops the bars when the terminal is too narrow for them', () => {
    for (const width of [120, 80, 50, 30, 20]) {
      const lines = renderProgress(rolledBack(), { ...plain, width });
      for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(width);
    }
    const narrow = renderProgress(productionRollingOut(), { ...plain, width: 40 });
    expect(narrow.join('\n')).not.toMatch(/[█░]/);
    expect(narrow[7]).toBe('    production-2  ● activating');
  });

  it('shows the failing host of a rollback with its last ten log lines, and every host restored', () => {
    const lines = renderProgress(rolledBack(), { ...plain, width: 100 });
    expect(lines[0]).toBe('deploy hello 2-bbbbbbb to production  ↺ rolled back  12.0s');
    expect(lines[1]).toMatch(/^ {2}production-1 {2}█{40} {2}↺ restored {2}back on 1-aaaaaaa$/);
    expect(lines[2]).toMatch(/^ {2}production-2 {2}█{40} {2}↺ restored {2}back on 1-aaaaaaa$/);
    expect(lines[3]).toBe('  ✗ production-2 failed at health: no 2xx from /healthz within 10s');
    expect(lines.slice(4)).toEqual(Array.from({ length: 10 }, (_, i) => `    │ line ${i + 5}`));
  });

  it('names a rollback by the version it goes back to', () => {
    const state: ProgressState = { kind: 'deployment', project: 'hello', deployment: deployment('production', 'staging', [], { kind: 'rollback', version: '1-aaaaaaa' }) };
    expect(renderProgress(state, { ...plain, width: 80 })[0]).toBe('rollback hello production to 1-aaaaaaa  ● staging  1m05s');
  });

  it('colours bars and status words, and writes no escape code at all without colour (NO_COLOR)', () => {
    const coloured = renderProgress(rolledBack(), { ...plain, color: true, width: 100 });
    expect(coloured[1]).toContain('\x1b[35m↺ restored\x1b[0m');
    expect(coloured[1]).toContain(`\x1b[35m${'█'.repeat(40)}\x1b[0m`);
    expect(coloured[3]).toContain('\x1b[31m✗ production-2 failed at health');
    const running = renderProgress(productionRollingOut(), { ...plain, color: true, width: 100 });
    expect(running[3]).toContain('\x1b[32m✓ healthy\x1b[0m');
    expect(running[7]).toContain('\x1b[33m● activating\x1b[0m');
    expect(renderProgress(rolledBack(), { ...plain, width: 100 }).join('\n')).not.toContain('\x1b');
  });

  it('picks broken and busy hosts first, in their order, and sums up the rest when they do not fit the height', () => {
    const hosts = Array.from({ length: 200 }, (_, i) => host(`web-${i + 1}`, i < 150 ? 'healthy' : 'pending'));
    hosts[120] = host('web-121', 'failed', { error: 'exited with code 1' });
    hosts[160] = host('web-161', 'activating');
    const state: ProgressState = { kind: 'deployment', project: 'hello', deployment: deployment('production', 'activating', hosts) };
    const lines = renderProgress(state, { ...plain, width: 100, height: 6 });
    expect(lines).toHaveLength(6);
    expect(lines.slice(1, 5).map((l) => l.trim().split(/\s+/)[0])).toEqual(['web-121', 'web-151', 'web-152', 'web-161']);
    expect(lines[5]).toBe('  … 196 more hosts: 149 healthy, 47 pending');
  });

  it('gives the rows left to the deployment in progress before the ones that ended', () => {
    const lines = renderProgress(productionRollingOut(), { ...plain, width: 100, height: 8 });
    expect(lines).toHaveLength(8);
    expect(lines[3]).toBe('    2 hosts: 2 healthy');
    expect(lines.slice(5).map((l) => l.trim().split(/\s+/)[0])).toEqual(['production-1', 'production-2', 'production-3']);
  });

  it('removes escape sequences and control characters from text the server passes on', () => {
    const state = rolledBack();
    if (state.kind === 'deployment') state.deployment.cause!.logTail = ['\x1b[31mred\x1b[0m\ttabbed\x07 \x1b]0;title\x07done'];
    const lines = renderProgress(state, { ...plain, width: 100 });
    expect(lines[lines.length - 1]).toBe('    │ red  tabbed done');
  });

  it('shows how long each finished stage took, a stage shorter than a second too, as the web UI does', () => {
    const finished: ProgressState = {
      kind: 'run',
      project: 'hello',
      run: run([
        stage('build', 'succeeded', { startedAt: t0, finishedAt: t0 + 850 }),
        stage('testing', 'succeeded', { startedAt: t0 + 900, finishedAt: t0 + 3_700 }),
        stage('production', 'failed', { startedAt: t0 + 4_000, finishedAt: t0 + 4_000 + 125_000 }),
      ], [], { status: 'failed', finishedAt: t0 + 130_000 }),
    };
    const times = renderProgress(finished, { ...plain, width: 100, now: t0 + 600_000 }).slice(1).map((line) => line.split(/\s+/).at(-1));
    expect(times).toEqual(['850ms', '2.8s', '2m05s']);
  });

  it('counts a running stage in whole seconds, so that its line does not flicker', () => {
    const building: ProgressState = { kind: 'run', project: 'hello', run: run([stage('build', 'running', { startedAt: t0 })], []) };
    expect(renderProgress(building, { ...plain, width: 100, now: t0 + 2_750 })[1]).toMatch(/● running {2}2s$/);
  });

  it('moves a busy bar while a build runs', () => {
    const building: ProgressState = { kind: 'run', project: 'hello', run: run([stage('build', 'running', { startedAt: t0 })], []) };
    const at = (now: number) => renderProgress(building, { ...plain, width: 60, now })[1]!;
    expect(at(t0)).not.toBe(at(t0 + 450));
    expect(barOf(at(t0)).filled).toBe(barOf(at(t0 + 450)).filled);
  });
});

describe('renderProgress of migrations and rollback rehearsals', () => {
  const staged = () => [host('production-1', 'staged'), host('production-2', 'staged')];

  it('shows the migrate step above the hosts while it runs, and the stage as migrating', () => {
    const production = deployment('production', 'migrating', staged(), { migration: migration('running') });
    const state: ProgressState = { kind: 'run', project: 'hello', run: run([stage('production', 'deploying', { deploymentId: production.id, startedAt: t0 })], [production]) };
    const lines = renderProgress(state, { ...plain, width: 100 });
    expect(lines[1]).toMatch(/^ {2}production +█+░+ {2}● migrating +1m05s$/);
    expect(lines[2]).toMatch(/^ {4}migrate +[█░]{40} {2}● migrating +on production-1…$/);
    expect(lines.slice(3).map((l) => l.trim().split(/\s+/)[0])).toEqual(['production-1', 'production-2']);
  });

  it('says how long a migration took once it succeeded', () => {
    const state: ProgressState = { kind: 'deployment', project: 'hello', deployment: deployment('production', 'activating', staged(), { migration: migration('succeeded', { finishedAt: t0 + 6_200 }) }) };
    expect(renderProgress(state, { ...plain, width: 100 })[1]).toMatch(/^ {2}migrate +█{40} {2}✓ migrated {2}in 1\.2s$/);
  });

  it('reads a failed migration as "migration failed: <error>" with its log lines, and no host changed', () => {
    const logTail = ['BEGIN', 'ERROR:  column "email" contains null values'];
    const failed = deployment('production', 'failed_migration', staged(), {
      migration: migration('failed', { error: 'exited with code 3', logTail, finishedAt: t0 + 7_000 }),
      cause: { host: 'production-1', step: 'migrate', error: 'exited with code 3', logTail }, finishedAt: t0 + 7_000,
    });
    const lines = renderProgress({ kind: 'deployment', project: 'hello', deployment: failed }, { ...plain, width: 100 });
    expect(lines[0]).toBe('deploy hello 2-bbbbbbb to production  ✗ migration failed  7.0s');
    expect(lines[1]).toMatch(/^ {2}migrate +█{40} {2}✗ migration failed {2}on production-1$/);
    expect(lines.slice(2, 4).map((l) => l.replace(/[█░]/g, '').trim().split(/\s+/))).toEqual([['production-1', '●', 'staged'], ['production-2', '●', 'staged']]);
    expect(lines.slice(4)).toEqual(['  ✗ migration failed: exited with code 3', '    │ BEGIN', '    │ ERROR:  column "email" contains null values']);
  });

  it('says a person must check the database when the migration\'s outcome is unknown', () => {
    const lost = deployment('production', 'failed_migration', staged(), { migration: migration('unknown'), finishedAt: t0 + 9_000 });
    const lines = renderProgress({ kind: 'deployment', project: 'hello', deployment: lost }, { ...plain, width: 120 });
    expect(lines[1]).toMatch(/\? outcome unknown {2}on production-1$/);
    expect(lines.at(-1)).toBe('  ✗ migration failed: outcome unknown — a person must check the database');
  });

  it('shows the rehearsal under its stage with the previous release and its host, and a version that is not rollback-safe first of all', () => {
    const testing = deployment('testing', 'succeeded', [host('testing-1', 'healthy')], { migration: migration('succeeded', { host: 'testing-1', finishedAt: t0 + 6_000 }), finishedAt: t0 + 8_000 });
    const rehearsing = deployment('testing', 'rehearsing', [host('testing-1', 'restoring')], { id: 'reh-testing', kind: 'rehearsal' });
    const stages = [stage('testing', 'rehearsing', { deploymentId: testing.id, rehearsalId: rehearsing.id, startedAt: t0 })];
    const during = renderProgress({ kind: 'run', project: 'hello', run: run(stages, [testing, rehearsing]) }, { ...plain, width: 110 });
    expect(during[1]).toMatch(/^ {2}testing +█+░+ {2}↺ rehearsing rollback/);
    expect(during.at(-1)).toMatch(/^ {4}rehearsal +█{10}░{30} {2}↺ rehearsing +1-aaaaaaa on testing-1$/);

    const logTail = ['Error: relation "users" has no column "name"'];
    const failed = { ...rehearsing, status: 'failed' as const, finishedAt: t0 + 20_000, cause: { host: 'testing-1', step: 'health' as const, error: 'no 2xx from /healthz within 10s', logTail } };
    const safety = { safe: false, deploymentId: failed.id, host: 'testing-1', previousVersion: '1-aaaaaaa', reason: 'no 2xx from /healthz within 10s', logTail, at: t0 + 20_000 };
    const after = renderProgress({ kind: 'run', project: 'hello', run: run([{ ...stages[0]!, status: 'failed' }], [testing, failed], { status: 'failed', rollbackSafety: safety }) }, { ...plain, width: 110 });
    expect(after[1]).toBe('  ✗ not rollback-safe: 1-aaaaaaa failed on testing-1: no 2xx from /healthz within 10s');
    expect(after[2]).toBe('    │ Error: relation "users" has no column "name"');
    expect(after.at(-1)).toMatch(/^ {4}rehearsal +█{40} {2}✗ failed +1-aaaaaaa on testing-1$/);
    // Said once, at the top: not again under the rehearsal.
    expect(after.filter((l) => l.includes('no 2xx'))).toHaveLength(1);
  });
});
