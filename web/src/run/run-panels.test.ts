// The deployment panel, the stage pipeline and the not-rollback-safe notice as the browser gets
// them (rendered to HTML, no browser): the migrate step's words, a failed migration's lines as
// text, a rehearsal beside its stage's deployment.
import { createElement } from 'react';
// The browser build: the web layer's lint keeps out any import path ending in /server (the app's server layer).
import { renderToStaticMarkup } from 'react-dom/server.browser';
import { describe, expect, it } from 'vitest';
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import type { DeploymentHost, DeploymentMigration, Stage } from '../../../src/core/model.ts';
import { DeploymentHosts } from './deployment-hosts.tsx';
import { RollbackSafetyNotice } from './rollback-safety-notice.tsx';
import { StagePipeline } from './stage-pipeline.tsx';

const host = (hostName: string, step: DeploymentHost['step']): DeploymentHost => ({
  deploymentId: 'd', agentId: hostName, hostName, batch: 0, previousVersion: '1-aaaaaaa', step, error: null, failedStep: null, logTail: [], commandId: null, commandSentAt: null, updatedAt: 0,
});

const migration = (state: DeploymentMigration['state'], patch: Partial<DeploymentMigration> = {}): DeploymentMigration => ({
  state, agentId: 'web-1', host: 'web-1', commandId: 'c', sentAt: 1_000, finishedAt: null, error: null, logTail: [], ...patch,
});

const deployment = (patch: Partial<DeploymentDetail>): DeploymentDetail => ({
  id: 'd', projectId: 'p', env: 'production', version: '2-bbbbbbb', runId: 'r', kind: 'deploy', status: 'migrating', batch: 1, forced: false, requestedBy: 'engine',
  cause: null, error: null, migration: null, createdAt: 0, finishedAt: null, hosts: [host('web-1', 'staged'), host('web-2', 'staged')], ...patch,
});

/** The panel's text, tags dropped and entities read back, as a person sees it. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const panel = (d: DeploymentDetail) => renderToStaticMarkup(createElement(DeploymentHosts, { deployment: d }));

describe('the deployment panel', () => {
  it('shows a migrate step between the deployment bar and the host bars while it migrates', () => {
    const html = panel(deployment({ migration: migration('running') }));
    expect(html).toMatch(/data-migration="running"[^]*data-host="web-1"/);
    expect(textOf(html)).toContain('migrate migrating on web-1…');
    expect(panel(deployment({ migration: null }))).not.toContain('data-migration');
  });

  it('says how long the migration took', () => {
    expect(textOf(panel(deployment({ status: 'activating', migration: migration('succeeded', { finishedAt: 2_200 }) })))).toContain('migrated in 1.2s');
  });

  it('reads "migration failed: <error>" with its log lines as text, never markup, and no second cause', () => {
    const logTail = ['ERROR: column "email" contains null values', '<img src=x onerror=alert(1)>'];
    const html = panel(deployment({
      status: 'failed_migration', finishedAt: 3_000, error: 'exited with code 3',
      migration: migration('failed', { error: 'exited with code 3', logTail }),
      cause: { host: 'web-1', step: 'migrate', error: 'exited with code 3', logTail },
    }));
    expect(textOf(html)).toContain('migration failed: exited with code 3');
    expect(textOf(html)).toContain('ERROR: column "email" contains null values');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(textOf(html).match(/exited with code 3/g)).toHaveLength(1);
  });

  it('says a person must check the database when the outcome is unknown', () => {
    const text = textOf(panel(deployment({ status: 'failed_migration', finishedAt: 3_000, migration: migration('unknown') })));
    expect(text).toContain('outcome unknown — a person must check the database');
  });

  it('shows a rehearsal as the previous release back on its one host', () => {
    const text = textOf(panel(deployment({ id: 'reh', kind: 'rehearsal', status: 'verifying', env: 'testing', hosts: [host('web-1', 'restored')] })));
    expect(text).toContain('rollback rehearsal: 1-aaaaaaa back on web-1, then 2-bbbbbbb again');
  });
});

describe('the not-rollback-safe notice', () => {
  it('says which previous release failed where and why, with its lines, and nothing for a safe version', () => {
    const safety = { safe: false, deploymentId: 'reh', host: 'web-1', previousVersion: '1-aaaaaaa', reason: 'no 2xx from /healthz within 10s', logTail: ['<b>boom</b>'], at: 0 };
    const html = renderToStaticMarkup(createElement(RollbackSafetyNotice, { safety }));
    expect(html).toContain('role="alert"');
    expect(textOf(html)).toContain('not rollback-safe: 1-aaaaaaa failed on web-1: no 2xx from /healthz within 10s');
    expect(html).toContain('&lt;b&gt;boom&lt;/b&gt;');
    expect(renderToStaticMarkup(createElement(RollbackSafetyNotice, { safety: { ...safety, safe: true } }))).toBe('');
    expect(renderToStaticMarkup(createElement(RollbackSafetyNotice, { safety: null }))).toBe('');
  });
});

describe('the stage pipeline', () => {
  const stage = (status: Stage['status'], patch: Partial<Stage> = {}): Stage => ({
    id: 's', runId: 'r', name: 'testing', kind: 'environment', position: 1, status, deploymentId: 'd', jobId: null, rehearsalId: 'reh',
    approvedBy: null, error: null, startedAt: 0, finishedAt: null, ...patch,
  });
  const pipeline = (s: Stage, rehearsal: DeploymentDetail) => renderToStaticMarkup(createElement(StagePipeline, {
    stages: [s], deployments: [deployment({ status: 'succeeded', env: 'testing', finishedAt: 1 }), rehearsal], project: 'hello', runNumber: 1,
  }));
  const rehearsal = (status: DeploymentDetail['status']) => deployment({ id: 'reh', kind: 'rehearsal', env: 'testing', status, hosts: [host('web-1', 'restored')] });

  it('shows a stage rehearsing its rollback with the previous release and its host', () => {
    const html = pipeline(stage('rehearsing'), rehearsal('rehearsing'));
    expect(html).toContain('data-status="rehearsing"');
    expect(textOf(html)).toContain('rehearsing rollback putting 1-aaaaaaa back on web-1');
  });

  it('keeps how the rehearsal went beside the stage once it ended', () => {
    const html = pipeline(stage('failed', { finishedAt: 5 }), { ...rehearsal('failed'), finishedAt: 5 });
    expect(html).toMatch(/data-rehearsal="reh"[^]*data-status="failed"/);
    expect(textOf(html)).toContain('rehearsal 1-aaaaaaa failed on web-1');
  });
});
