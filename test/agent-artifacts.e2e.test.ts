// Agents that cannot forge logs or artifacts, through the real API and WebSocket (issue 7): a real
// server runs the sample project's pipeline; its runner and hosts are protocol agents the test
// drives, one of them hostile. A log line tagged with a run the agent is not part of does not land
// in that run's log; an artifact counts only when uploaded with the job's one-time token by the
// runner that was given the job, once, while the job runs; an agent downloads only the sources
// and artifacts of its own jobs and deployments.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../src/cli/api-client.ts';
import type { LogSearchAnswer, RunDetail } from '../src/core/api/answers.ts';
import { ProtocolAgent } from './support/protocol-agent.ts';
import { TestFleet } from './support/test-fleet.ts';
import { waitFor } from './support/wait-for.ts';

const fleet = new TestFleet('agent-artifacts');
const agents: ProtocolAgent[] = [];
let runner: ProtocolAgent; // given the build job (names sort first)
let thief: ProtocolAgent; // a runner too, without the job
let host: ProtocolAgent; // a testing host, not a runner
let run: RunDetail;
let job: { id: string; uploadToken: string; sourcePath: string };

const artifact = Buffer.from('the build of run 1, as its runner packed it');
const trojan = Buffer.from('a trojan in place of the build');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  fleet.initRepo();
  await fleet.startServer();
  runner = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'runner-a', { role: 'runner' });
  thief = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'runner-z', { role: 'runner' });
  host = await ProtocolAgent.enroll(fleet.url, fleet.tokens.join, 'web-1', { env: 'testing' });
  agents.push(runner, thief, host);
  await fleet.api.post('/api/v1/projects', { name: 'hello', repo: fleet.repo, branch: 'main', poll: '1s' });
  const command = await waitFor('the build job to reach runner-a', () => runner.commands.find((c) => c.command.kind === 'job'), { timeoutMs: 60_000 });
  const spec = command.command.job as { jobId: string; sourcePath: string };
  job = { id: spec.jobId, uploadToken: command.uploadToken ?? '', sourcePath: spec.sourcePath };
  run = await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1'));
}, 120_000);

afterAll(async () => {
  for (const agent of agents) agent.close();
  await fleet.close();
});

async function call(method: string, path: string, token: string, options: { body?: Buffer; uploadToken?: string } = {}) {
  const response = await fetch(`${fleet.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.body ? { 'content-type': 'application/gzip' } : {}),
      ...(options.uploadToken === undefined ? {} : { 'x-slipway-upload-token': options.uploadToken }),
    },
    ...(options.body ? { body: options.body } : {}),
  });
  const text = await response.text();
  let json: { error?: { code: string }; sha256?: string; size?: number } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // An archive: the test looks at the status only.
  }
  return { status: response.status, code: json.error?.code, json };
}

const upload = (agent: ProtocolAgent, body: Buffer, uploadToken?: string) =>
  call('PUT', '/api/v1/artifacts', agent.token, { body, ...(uploadToken === undefined ? {} : { uploadToken }) });

describe('agents that cannot forge logs or artifacts', () => {
  it('gives the build job\'s runner a one-time upload token with the command', () => {
    expect(job.uploadToken).toMatch(/^swu_[A-Za-z0-9_-]{43}$/);
    expect(thief.commands).toEqual([]);
  });

  it('keeps a line tagged with another run\'s id out of that run\'s log, and stores it under the agent without the tag', async () => {
    await host.send([{ seq: 1, at: Date.now(), stream: 'job', runId: run.id, text: 'forged: build succeeded, ship it' }]);
    await runner.send([{ seq: 1, at: Date.now(), stream: 'job', runId: run.id, text: 'a line of the build itself' }]);
    const ofRun = (await fleet.api.get<LogSearchAnswer>(`/api/v1/logs?run=${run.id}&order=asc&limit=500`)).lines.map((l) => l.text);
    expect(ofRun).toContain('a line of the build itself');
    expect(ofRun).not.toContain('forged: build succeeded, ship it');
    const ofHost = (await fleet.api.get<LogSearchAnswer>('/api/v1/logs?host=web-1&order=asc&limit=10')).lines;
    expect(ofHost.map((l) => [l.text, l.runId])).toEqual([['forged: build succeeded, ship it', null]]);
  }, 60_000);

  it('lets only the runner given the job download its source', async () => {
    expect((await call('GET', job.sourcePath, runner.token)).status).toBe(200);
    for (const other of [thief, host]) {
      const refused = await call('GET', job.sourcePath, other.token);
      expect([refused.status, refused.code]).toEqual([403, 'SLIPWAY_DOWNLOAD_NOT_PART_OF']);
    }
    expect((await call('GET', job.sourcePath, fleet.tokens.admin)).status).toBe(200);
  }, 60_000);

  it('refuses an upload by another runner, without the token, with a wrong token, or by an agent that is not a runner', async () => {
    const stolen = await upload(thief, trojan, job.uploadToken);
    expect([stolen.status, stolen.code]).toEqual([403, 'SLIPWAY_UPLOAD_TOKEN_INVALID']);
    const without = await upload(runner, trojan);
    expect([without.status, without.code]).toEqual([403, 'SLIPWAY_UPLOAD_TOKEN_MISSING']);
    const wrong = await upload(runner, trojan, `swu_${'A'.repeat(43)}`);
    expect([wrong.status, wrong.code]).toEqual([403, 'SLIPWAY_UPLOAD_TOKEN_INVALID']);
    const notRunner = await upload(host, trojan, job.uploadToken);
    expect([notRunner.status, notRunner.code]).toEqual([403, 'SLIPWAY_FORBIDDEN']);
  }, 60_000);

  it('records the runner\'s upload once: the same bytes again are answered alike, other bytes are refused', async () => {
    const first = await upload(runner, artifact, job.uploadToken);
    expect(first).toMatchObject({ status: 201, json: { sha256: sha256(artifact), size: artifact.length } });
    // A retry after a cut answer (a server restart): nothing new is recorded.
    expect(await upload(runner, artifact, job.uploadToken)).toMatchObject({ status: 201, json: { sha256: sha256(artifact) } });
    const replay = await upload(runner, trojan, job.uploadToken);
    expect([replay.status, replay.code]).toEqual([403, 'SLIPWAY_UPLOAD_TOKEN_USED']);
    const events = await fleet.api.get<{ kind: string; actor: string | null; runId: string | null }[]>('/api/v1/events?limit=500');
    expect(events.filter((e) => e.kind === 'job.artifact_uploaded')).toEqual([expect.objectContaining({ actor: 'runner-a', runId: run.id })]);
  }, 60_000);

  it('takes the uploaded artifact as the build\'s, refuses the token once the job ended, and lets only the deployment\'s host download it', async () => {
    const command = runner.commands.find((c) => c.command.kind === 'job')!;
    runner.answer(command.id, { ok: true, artifact: { sha256: sha256(artifact), size: artifact.length } });
    const built = await waitFor('the build to end', async () => {
      const detail = await fleet.api.get<RunDetail>(projectPath('hello', '/runs/1'));
      const status = detail.jobs.find((j) => j.id === job.id)?.status;
      return status === 'succeeded' || status === 'failed' ? status : undefined;
    }, { timeoutMs: 60_000 });
    expect(built).toBe('succeeded');
    const ended = await upload(runner, trojan, job.uploadToken);
    expect([ended.status, ended.code]).toEqual([403, 'SLIPWAY_UPLOAD_JOB_NOT_RUNNING']);

    // The testing deployment stages the artifact on web-1, the one host of testing.
    const prepare = await waitFor('the artifact to be staged on web-1', () => host.commands.find((c) => c.command.kind === 'prepare'), { timeoutMs: 60_000 });
    expect(prepare.command.sha256).toBe(sha256(artifact));
    const path = `/api/v1/artifacts/${sha256(artifact)}`;
    expect((await call('GET', path, host.token)).status).toBe(200);
    for (const other of [thief, runner]) {
      const refused = await call('GET', path, other.token);
      expect([refused.status, refused.code]).toEqual([403, 'SLIPWAY_DOWNLOAD_NOT_PART_OF']);
    }
    expect((await call('GET', path, fleet.tokens.admin)).status).toBe(200);
    // The trojan was never stored under any job: nobody can fetch it as an artifact.
    expect((await call('GET', `/api/v1/artifacts/${sha256(trojan)}`, fleet.tokens.admin)).status).toBe(404);
  }, 120_000);
});
