// What slipway.yml's `migrate:` and the rollback rehearsal add to a deployment of
// examples/postgres (issue 9's closing note). A real server, a runner and two testing hosts, a
// PostgreSQL database of the bench's own, the example with production stripped (testing keeps its
// verify). Each round commits three versions, one after the other:
//   plain  the same app with the `migrate:` block removed (the database is already migrated);
//   noop   with `migrate:`, no new migration file: migrate.sh applies nothing;
//   apply  with `migrate:` and one new small migration (a column added).
// A deployment that migrated is followed, after testing's verify, by a rollback rehearsal. After
// each noop run, migrate.sh is also run by hand on the same database: what the script alone costs
// on this machine, against the migrate step's time in Slipway. Every
// time is read from the server's records (deployments' createdAt/finishedAt, the migration's
// sentAt/finishedAt, the jobs' and stages' times, the events' `at`), not from this client's polling.
// Needs psql on this machine and SLIPWAY_TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/test), a user allowed to create databases.
// Run: npx tsx bench/migrate-rehearse.bench.ts [rounds=3]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { DeploymentDetail, RunDetail } from '../src/core/api/answers.ts';
import type { SlipwayEvent } from '../src/core/model.ts';
import { createPostgresDatabase, type PostgresDatabase } from '../test/support/postgres-database.ts';
import { cliEnv, runSlipway } from '../test/support/slipway-processes.ts';
import { TestFleet } from '../test/support/test-fleet.ts';
import { waitFor } from '../test/support/wait-for.ts';
import { events, median, ms, waitForRunEnd } from './bench-support.ts';

const rounds = Number(process.argv[2] ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`usage: npx tsx bench/migrate-rehearse.bench.ts [rounds=3] (got ${process.argv[2]})`);
const postgresUrl = process.env.SLIPWAY_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const kinds = ['plain', 'noop', 'apply'] as const;
type Kind = (typeof kinds)[number];
const hosts = ['testing-1', 'testing-2'];
const project = 'inventory';

/** One testing deployment's phases (ms), and its rehearsal's where one ran. */
interface Sample {
  /** staging → succeeded: createdAt → finishedAt. */
  deployment: number;
  /** createdAt → the `deployment.migrating` event (or `activating` without a migration). */
  staging: number;
  /** The `migrating` event → the migration's `succeeded` event (the status goes activating with it). */
  migrating: number | null;
  /** The migration's own time on its host: migration.sentAt → finishedAt. */
  migration: number | null;
  /** Status activating (its event, or the migration's `succeeded`) → finishedAt. */
  activating: number;
  /** Testing's verify job after the deployment: createdAt → finishedAt. */
  verify: number;
  /** The testing stage, from its start to its end (rehearsal included). */
  stage: number;
  rehearsal: Rehearsal | null;
  /** migrate.sh run by hand right after (no Slipway), applying nothing: what the script itself costs here. */
  bare: number | null;
}

/** A rollback rehearsal's phases (ms); the three parts add up to `total`. */
interface Rehearsal {
  /** createdAt → finishedAt. */
  total: number;
  /** createdAt → `deployment.verifying`: the previous release activated and healthy on one host (verify queued). */
  previous: number;
  /** `deployment.verifying` → `deployment.returning`: the verify job against that host. */
  verify: number;
  /** `deployment.returning` → finishedAt: the new release activated and healthy again. */
  returning: number;
  /** The stage's verify job finishedAt → rehearsal createdAt: the engine's turn between them. */
  wait: number;
}

/** The example's slipway.yml with testing only (production's stage would add nothing measured here). */
const withMigrate = testingOnly(readFileSync(resolve(import.meta.dirname, '../examples/postgres/slipway.yml'), 'utf8'));
/** The same without its `migrate:` block. */
const withoutMigrate = withMigrate.replace(/^migrate:\n(?: {2}.*\n)+/m, '');
if (withoutMigrate === withMigrate || !withMigrate.includes('verify:')) throw new Error('examples/postgres/slipway.yml no longer has the shape this bench edits');

const fleet = new TestFleet('bench-migrate');
let database: PostgresDatabase | undefined;
let cleaning: Promise<void> | undefined;
/** Stops every process, removes the temp directory and drops the database, once however often called. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    try {
      await fleet.close();
    } finally {
      await database?.drop();
    }
  })();
  return cleaning;
}
// Also on Ctrl-C. `on`, not `once`: a Ctrl-C reaches this process twice (from the terminal, and
// relayed by tsx), and a second one without a listener would kill it before it has cleaned up.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void cleanUp().finally(() => process.exit(130)));

// The figures depend on what else the machine does: the load is printed with them.
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs at the start`);
try {
  database = await createPostgresDatabase('slipway_bench_migrate', postgresUrl);
  await fleet.startServer();
  await fleet.startAgent({ name: 'runner-1', labels: 'role=runner' });
  for (const name of hosts) await fleet.startAgent({ name, labels: 'env=testing', appPort: true });
  await waitFor('three agents online', async () => (await fleet.api.get<{ online: boolean }[]>('/api/v1/agents')).filter((a) => a.online).length === 3);
  // The project before its repository exists (so no run starts), its secret, then the first commit.
  await fleet.api.post('/api/v1/projects', { name: project, repo: fleet.repo, branch: 'main', poll: '1s' });
  const set = await runSlipway(['secret', 'set', project, 'DATABASE_URL', '--env', 'testing'], { env: cliEnv(fleet.url, fleet.tokens.admin), stdin: `${database.url}\n` });
  if (set.code !== 0) throw new Error(`slipway secret set: ${set.stderr}`);
  fleet.initRepo(() => fleet.editFile('slipway.yml', () => withMigrate), 'postgres');
  // Run 1 migrates the empty database (001, 002): every later deployment finds it migrated. As
  // the first release it has no previous one, so nothing to rehearse.
  let run = 1;
  await measure(succeeded(await waitForRunEnd(fleet, project, run, 180_000)), 'apply');

  const samples: Record<Kind, Sample[]> = { plain: [], noop: [], apply: [] };
  let migrationNumber = 2;
  for (let round = 1; round <= rounds; round++) {
    for (const kind of kinds) {
      fleet.commit(`Round ${round}: ${kind}`, (repo) => {
        fleet.editFile('slipway.yml', () => kind === 'plain' ? withoutMigrate : withMigrate);
        fleet.editFile('server.js', (t) => `${t}// round ${round}, ${kind}\n`);
        if (kind !== 'apply') return;
        const file = `${String(++migrationNumber).padStart(3, '0')}-bench-round-${round}.sql`;
        writeFileSync(join(repo, 'migrations', file), `-- Additive: the previous release never names it.\nalter table items add column bench_round_${round} integer;\n`);
      });
      const sample = await measure(succeeded(await waitForRunEnd(fleet, project, ++run, 180_000)), kind);
      if (kind === 'noop') sample.bare = bareMigrate(database.url);
      samples[kind].push(sample);
      console.log(`round ${round} ${kind.padEnd(5)} run #${run}: ${describe(sample)}${sample.bare === null ? '' : `; migrate.sh by hand ${ms(sample.bare)}`}`);
    }
  }
  report(samples);
} finally {
  await cleanUp();
}

function testingOnly(yml: string): string {
  const production = yml.indexOf('\n  production:\n');
  if (production < 0) throw new Error('examples/postgres/slipway.yml has no production environment to strip');
  return `${yml.slice(0, production)}\n`;
}

function succeeded(run: RunDetail): RunDetail {
  if (run.status !== 'succeeded') throw new Error(`run #${run.number} ${run.status}: ${run.stages.map((s) => `${s.name} ${s.status}${s.error ? `: ${s.error}` : ''}`).join('; ')}`);
  return run;
}

/** The run's testing deployment and rehearsal, checked to be what `kind` means, and timed. */
async function measure(run: RunDetail, kind: Kind): Promise<Sample> {
  const stage = run.stages.find((s) => s.name === 'testing')!;
  const deployment = run.deployments.find((d) => d.kind === 'deploy' && d.env === 'testing')!;
  const verifyJob = run.jobs.find((j) => j.owner.kind === 'stage' && j.owner.stageId === stage.id && j.kind === 'verify');
  if (!verifyJob?.finishedAt || !stage.startedAt || !stage.finishedAt || !deployment.finishedAt) throw new Error(`run #${run.number}: the testing stage has not ended`);
  const migration = deployment.migration;
  const output = migration?.logTail.join('\n') ?? '';
  if (kind === 'plain' ? migration !== null : migration?.state !== 'succeeded') throw new Error(`run #${run.number} (${kind}): migration ${JSON.stringify(migration)}`);
  if (kind === 'noop' && !output.includes('nothing to apply')) throw new Error(`run #${run.number}: the migration applied something: ${output}`);
  if (kind === 'apply' && !/applying \d{3}-/.test(output)) throw new Error(`run #${run.number}: the migration applied nothing: ${output}`);

  const list = await events(fleet, `deployment=${deployment.id}`);
  // With a migration, the status goes activating in the transaction that records its success.
  const activating = migration ? at(list, 'deployment.migration', (e) => e.data.state === 'succeeded') : at(list, 'deployment.activating');
  const migrating = migration ? at(list, 'deployment.migrating') : null;
  const rehearsal = stage.rehearsalId ? await rehearsalTimes(stage.rehearsalId, verifyJob.finishedAt) : null;
  // A first release has nothing to rehearse; every later deployment that migrated must have been rehearsed.
  if (run.number > 1 && (rehearsal !== null) !== (kind !== 'plain')) throw new Error(`run #${run.number} (${kind}): rehearsal ${stage.rehearsalId ?? 'none'}`);
  return {
    deployment: deployment.finishedAt - deployment.createdAt,
    staging: (migrating ?? activating) - deployment.createdAt,
    migrating: migrating === null ? null : activating - migrating,
    migration: migration?.sentAt && migration.finishedAt ? migration.finishedAt - migration.sentAt : null,
    activating: deployment.finishedAt - activating,
    verify: verifyJob.finishedAt - verifyJob.createdAt,
    stage: stage.finishedAt - stage.startedAt,
    rehearsal,
    bare: null,
  };
}

/** How long `./migrate.sh up` takes run by hand in the example's folder, on the migrated database. */
function bareMigrate(url: string): number {
  const started = performance.now();
  const out = execFileSync('./migrate.sh', ['up'], { cwd: resolve(import.meta.dirname, '../examples/postgres'), env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8' });
  if (!out.includes('nothing to apply')) throw new Error(`migrate.sh by hand applied something: ${out}`);
  return performance.now() - started;
}

async function rehearsalTimes(id: string, verifyEnd: number): Promise<Rehearsal> {
  const rehearsal = await fleet.api.get<DeploymentDetail>(`/api/v1/deployments/${id}`);
  if (rehearsal.status !== 'succeeded' || !rehearsal.finishedAt) throw new Error(`rehearsal ${id} ${rehearsal.status}: ${rehearsal.error ?? ''}`);
  const list = await events(fleet, `deployment=${id}`);
  const verifying = at(list, 'deployment.verifying');
  const returning = at(list, 'deployment.returning');
  return {
    total: rehearsal.finishedAt - rehearsal.createdAt,
    previous: verifying - rehearsal.createdAt,
    verify: returning - verifying,
    returning: rehearsal.finishedAt - returning,
    wait: rehearsal.createdAt - verifyEnd,
  };
}

function at(list: SlipwayEvent[], kind: string, where: (e: SlipwayEvent) => boolean = () => true): number {
  const event = list.find((e) => e.kind === kind && where(e));
  if (!event) throw new Error(`no ${kind} event (events: ${list.map((e) => e.kind).join(', ')})`);
  return event.at;
}

function describe(s: Sample): string {
  const migrate = s.migrating === null ? '' : ` migrating ${ms(s.migrating)} (migration ${ms(s.migration ?? NaN)}) +`;
  const rehearsal = s.rehearsal ? `; rehearsal ${ms(s.rehearsal.total)} (${ms(s.rehearsal.previous)} + ${ms(s.rehearsal.verify)} + ${ms(s.rehearsal.returning)})` : '';
  return `deployment ${ms(s.deployment)} = staging ${ms(s.staging)} +${migrate} activating ${ms(s.activating)}; verify ${ms(s.verify)}${rehearsal}; stage ${ms(s.stage)}`;
}

function report(samples: Record<Kind, Sample[]>): void {
  const stat = (values: number[]) => `${ms(median(values)).padStart(8)} ${`(${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))})`.padEnd(13)}`;
  const col = (kind: Kind, pick: (s: Sample) => number | null | undefined) => {
    const values = samples[kind].map(pick).filter((v): v is number => typeof v === 'number');
    return values.length ? stat(values) : `${'-'.padStart(8)} ${''.padEnd(13)}`;
  };
  const rows: [string, (s: Sample) => number | null | undefined][] = [
    ['deployment (staging → succeeded)', (s) => s.deployment],
    ['  staging', (s) => s.staging],
    ['  migrating (status)', (s) => s.migrating],
    ['    migration (sentAt → finishedAt)', (s) => s.migration],
    ['  activating (2 hosts, batch 1)', (s) => s.activating],
    ['(migrate.sh by hand, nothing to apply)', (s) => s.bare],
    ['verify job (after the deployment)', (s) => s.verify],
    ['rehearsal (created → finished)', (s) => s.rehearsal?.total],
    ['  previous release on 1 host, healthy', (s) => s.rehearsal?.previous],
    ['  verify job against it', (s) => s.rehearsal?.verify],
    ['  returning: new release back, healthy', (s) => s.rehearsal?.returning],
    ['wait: verify end → rehearsal created', (s) => s.rehearsal?.wait],
    ['testing stage (start → end)', (s) => s.stage],
  ];
  const header = ['plain (no migrate:)', 'noop (applies nothing)', 'apply (1 new migration)'];
  console.log(`\nexamples/postgres on testing (2 hosts, batch 1, verify on a runner), ${rounds} round(s); median (min-max) in ms; ` +
    `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs at the end`);
  console.log(`${''.padEnd(42)}${header.map((h) => h.padEnd(25)).join('')}`);
  for (const [label, pick] of rows) console.log(`${label.padEnd(42)}${kinds.map((k) => col(k, pick).padEnd(25)).join('')}`);

  const m = (kind: Kind, pick: (s: Sample) => number | null | undefined) => median(samples[kind].map(pick).filter((v): v is number => typeof v === 'number'));
  const command = `npx tsx bench/migrate-rehearse.bench.ts ${rounds}`;
  console.log(`\nFor the closing note (medians of ${rounds}; \`${command}\`):`);
  for (const kind of ['noop', 'apply'] as const) {
    const what = kind === 'noop' ? 'a migration that applies nothing' : 'a migration that applies one new migration';
    console.log(`- ${what}: the migrate step takes ${ms(m(kind, (s) => s.migration))} (sent → answered) (${ms(m(kind, (s) => s.migrating))} in status migrating) and the deployment ${ms(m(kind, (s) => s.deployment))} against ${ms(m('plain', (s) => s.deployment))} without migrate: (+${ms(m(kind, (s) => s.deployment) - m('plain', (s) => s.deployment))})`);
  }
  for (const kind of ['noop', 'apply'] as const) {
    console.log(`- the rollback rehearsal after the ${kind} deployment takes ${ms(m(kind, (s) => s.rehearsal?.total))}: previous release on one host ${ms(m(kind, (s) => s.rehearsal?.previous))}, verify ${ms(m(kind, (s) => s.rehearsal?.verify))}, returning ${ms(m(kind, (s) => s.rehearsal?.returning))}`);
  }
  // Per round, as both ran seconds apart: on a busy machine the medians of each alone drift apart.
  const beyond = samples.noop.map((s) => s.migration! - s.bare!);
  console.log(`- migrate.sh by hand with nothing to apply takes ${ms(m('noop', (s) => s.bare))} on the same machine; the noop step minus it, per round: ` +
    `median ${ms(median(beyond))} (${beyond.map((d) => Math.round(d)).join(', ')}): what Slipway adds to the script (command delivery, sh in the release, the answer), within this machine's noise`);
  console.log(`- the testing stage (deployment, verify, rehearsal) takes ${ms(m('apply', (s) => s.stage))} with a new migration and its rehearsal against ${ms(m('plain', (s) => s.stage))} without migrate: (+${ms(m('apply', (s) => s.stage) - m('plain', (s) => s.stage))})`);
}
