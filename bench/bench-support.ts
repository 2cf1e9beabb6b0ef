// Helpers shared by the benchmarks: waiting for a run, statistics, and a signed push webhook.
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { RunDetail } from '../src/core/api/answers.ts';
import type { LogLine, Project, SlipwayEvent } from '../src/core/model.ts';
import { projectPath } from '../src/cli/api-client.ts';
import type { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';

/** What `GET /projects/:name/runs/:number` answers (the API's own type, jobs included). */
export type { RunDetail };

export async function waitForRunEnd(fleet: TestFleet, project: string, number: number, timeoutMs = 120_000): Promise<RunDetail> {
  return waitFor(`run #${number} to end`, async () => {
    const run = await fleet.api.get<RunDetail>(projectPath(project, `/runs/${number}`));
    return run.status === 'succeeded' || run.status === 'failed' ? run : undefined;
  }, { timeoutMs, intervalMs: 50 });
}

/** Sends a GitHub push webhook for the project's branch, signed with its secret. */
export async function sendPushWebhook(fleet: TestFleet, project: string, sha: string): Promise<void> {
  const info = await fleet.api.get<Project>(projectPath(project));
  const body = JSON.stringify({ ref: `refs/heads/${info.branch}`, after: sha, repository: { clone_url: info.repoUrl } });
  const signature = `sha256=${createHmac('sha256', info.webhookSecret).update(body).digest('hex')}`;
  const response = await fetch(`${fleet.url}/api/v1/hooks/${project}`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature },
  });
  if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

/** How long a step took, from its "$ command" line to the line after its last output ("exit 0 in …"). */
export function stepDuration(log: LogLine[], command: string): number {
  const start = log.findIndex((l) => l.text === `$ ${command}`);
  const end = log.findIndex((l, i) => i > start && /^exit \d+ in /.test(l.text));
  if (start < 0 || end < 0) throw new Error(`no step "${command}" in the log`);
  return log[end]!.at - log[start]!.at;
}

export async function events(fleet: TestFleet, query: string): Promise<SlipwayEvent[]> {
  return fleet.api.get<SlipwayEvent[]>(`/api/v1/events?${query}&limit=1000`);
}

/** The value at percentile `p` (0-100) of `values`: nearest rank, NaN when there are none. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

/**
 * Waits until `n` simulated hosts (named sim-*) are online, as the server's SQLite file says: the
 * rows /api/v1/agents lists, read beside the server (read-only; WAL lets a reader in without holding
 * the writer). Reading that list every 250 ms cost the server about 85 ms a call at 5,000 hosts
 * (1.2 MB of JSON): a third of its time while the fleet reconnected, in the very figure measured.
 */
export async function waitForSimulatedHostsOnline(fleet: TestFleet, n: number): Promise<void> {
  const db = new SqliteDatabase(join(fleet.dir, 'server', 'slipway.db'), { readonly: true, fileMustExist: true });
  try {
    const online = db.prepare<[], { n: number }>(`select count(*) as n from agents where online = 1 and name like 'sim-%'`);
    await waitFor(`${n} simulated hosts online`, () => online.get()?.n === n, { timeoutMs: 600_000, intervalMs: 250 });
  } finally {
    db.close();
  }
}
