// What the engine's scale test and bench start from: a SQLite store with one project, a built
// version whose production environment rolls out one host at a time (or `batch`), and `hosts` enrolled,
// connected hosts labelled env=production.
import { join } from 'node:path';
import type { SlipwayConfig } from '../../core/model.ts';
import type { BatchSize } from '../../core/pipeline/slipway-config.ts';
import { addProject, config, newRun } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';

const fleetConfig = (batch: BatchSize): SlipwayConfig => ({
  ...config,
  environments: { production: { ...config.environments.testing!, hosts: { env: 'production' }, batch, rehearseRollback: false } },
});

/** The fleet; `batch` (default 1) is how many hosts production switches at a time. */
export async function openBatchOneFleet(dir: string, hosts: number, batch: BatchSize = 1) {
  const store = await openSqliteStore(join(dir, 'slipway.db'));
  const project = await addProject(store);
  const run = await store.runs.create(newRun(project.id, { config: fleetConfig(batch), stages: [{ name: 'build', kind: 'build' }] }), Date.now());
  await store.artifacts.create({ projectId: project.id, version: run.version, runId: run.id, sha256: 'a'.repeat(64), size: 1 }, Date.now());
  for (let i = 0; i < hosts; i++) {
    const agent = await store.agents.enroll({ name: `web-${i}`, labels: { env: 'production' }, tokenHash: `h${i}`, address: '127.0.0.1', port: 8080 }, Date.now() - 1000);
    await store.agents.update(agent.id, { online: true, lastSeenAt: Date.now() });
  }
  return { store, project, run };
}
