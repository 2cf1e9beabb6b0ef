// Plain progress lines for pipes and CI logs: one line for each change, nothing for the rest.
import { describe, expect, it } from 'vitest';
import { PlainProgress } from './plain-progress.ts';
import { deployment, host, migration, run, stage, t0 } from './progress-fixtures.ts';
import type { ProgressState } from './progress-state.ts';

function deploymentState(status: Parameters<typeof deployment>[1], steps: Parameters<typeof host>[1][], patch: Parameters<typeof deployment>[3] = {}): ProgressState {
  return { kind: 'deployment', project: 'hello', deployment: deployment('testing', status, steps.map((s, i) => host(`testing-${i + 1}`, s)), patch) };
}

describe('PlainProgress', () => {
  it('writes one line for each status that changed, and nothing when nothing did', () => {
    const lines: string[] = [];
    const progress = new PlainProgress((line) => lines.push(line));
    progress.show(deploymentState('staging', ['staging', 'staging']));
    progress.show(deploymentState('staging', ['staging', 'staging']));
    progress.show(deploymentState('activating', ['activating', 'staged']));
    expect(lines).toEqual([
      '  testing: deploy of 2-bbbbbbb staging',
      '    testing-1        staging',
      '    testing-2        staging',
      '  testing: deploy of 2-bbbbbbb activating',
      '    testing-1        activating',
      '    testing-2        staged',
    ]);
  });

  it('ends with the hosts\' last steps, then the deployment\'s end', () => {
    const lines: string[] = [];
    const progress = new PlainProgress((line) => lines.push(line));
    progress.show(deploymentState('activating', ['healthy', 'activating']));
    lines.length = 0;
    progress.show(deploymentState('succeeded', ['healthy', 'healthy']));
    expect(lines).toEqual(['    testing-2        healthy', '  testing: deploy of 2-bbbbbbb succeeded']);
  });

  it('writes the cause of a rollback with the failing host\'s last log lines', () => {
    const lines: string[] = [];
    const cause = { host: 'testing-2', step: 'health' as const, error: 'no 2xx from /healthz', logTail: ['starting', '\x1b[31mrefused\x1b[0m'] };
    new PlainProgress((line) => lines.push(line)).show(deploymentState('rolling_back', ['restoring', 'restoring'], { cause }));
    expect(lines.slice(0, 4)).toEqual([
      '  testing: deploy of 2-bbbbbbb rolling back',
      '    cause: testing-2 failed at health: no 2xx from /healthz',
      '    | starting',
      '    | refused',
    ]);
  });

  it('writes a run\'s status and each stage\'s', () => {
    const lines: string[] = [];
    const progress = new PlainProgress((line) => lines.push(line));
    progress.show({ kind: 'run', project: 'hello', run: run([stage('build', 'running'), stage('testing', 'pending')], []) });
    progress.show({ kind: 'run', project: 'hello', run: run([stage('build', 'failed', { error: "step 'unit tests' exited with code 1" }), stage('testing', 'skipped')], [], { status: 'failed' }) });
    expect(lines).toEqual([
      'run #2 2-bbbbbbb running',
      '  build        running',
      '  testing      pending',
      'run #2 2-bbbbbbb failed',
      "  build        failed: step 'unit tests' exited with code 1",
      '  testing      skipped',
    ]);
  });

  it('writes the migrate step as it changes, between staging and the switch', () => {
    const lines: string[] = [];
    const progress = new PlainProgress((line) => lines.push(line));
    progress.show(deploymentState('staging', ['staged', 'staged'], { migration: migration('pending', { host: null, sentAt: null }) }));
    progress.show(deploymentState('migrating', ['staged', 'staged'], { migration: migration('running') }));
    progress.show(deploymentState('activating', ['activating', 'staged'], { migration: migration('succeeded', { finishedAt: t0 + 6_200 }) }));
    expect(lines.filter((l) => l.includes('migrat'))).toEqual([
      '    migrate          waiting to migrate',
      '  testing: deploy of 2-bbbbbbb migrating',
      '    migrate          migrating on production-1…',
      '    migrate          migrated in 1.2s',
    ]);
  });

  it('reads a failed migration as "migration failed: <error>" with its log lines, once', () => {
    const lines: string[] = [];
    const logTail = ['BEGIN', 'ERROR:  column "email" contains null values'];
    new PlainProgress((line) => lines.push(line)).show(deploymentState('failed_migration', ['staged', 'staged'], {
      migration: migration('failed', { error: 'exited with code 3', logTail }),
      cause: { host: 'production-1', step: 'migrate', error: 'exited with code 3', logTail },
    }));
    expect(lines).toEqual([
      '    migrate          migration failed on production-1',
      '    testing-1        staged',
      '    testing-2        staged',
      '  testing: deploy of 2-bbbbbbb migration failed: exited with code 3',
      '    | BEGIN',
      '    | ERROR:  column "email" contains null values',
    ]);
  });

  it('names the rehearsal\'s previous release and host, and says when the version is not rollback-safe', () => {
    const lines: string[] = [];
    const logTail = ['Error: no column "name"'];
    const rehearsal = deployment('testing', 'failed', [host('testing-1', 'restored')], {
      id: 'reh', kind: 'rehearsal', cause: { host: 'testing-1', step: 'health', error: 'no 2xx from /healthz within 10s', logTail },
    });
    const safety = { safe: false, deploymentId: 'reh', host: 'testing-1', previousVersion: '1-aaaaaaa', reason: 'no 2xx from /healthz within 10s', logTail, at: t0 };
    new PlainProgress((line) => lines.push(line)).show({
      kind: 'run', project: 'hello', run: run([stage('testing', 'failed', { rehearsalId: 'reh' })], [rehearsal], { status: 'failed', rollbackSafety: safety }),
    });
    expect(lines.slice(2)).toEqual([
      '    testing-1        restored',
      '  testing: rehearsal of 1-aaaaaaa on testing-1 failed',
      '    cause: testing-1 failed at health: no 2xx from /healthz within 10s',
      '  not rollback-safe: 1-aaaaaaa failed on testing-1: no 2xx from /healthz within 10s',
      '    | Error: no column "name"',
    ]);
  });
});
