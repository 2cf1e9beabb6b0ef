// The audit log's cost, through the real HTTP API of a real server: how long a change takes with
// its audit entry written and chained in the same transaction (one new user and its token: user,
// token, event and audit entry), sequential and from 8 callers at once (appends are serialised on
// the chain's head), and how long `GET /api/v1/audit/verify` takes over every entry.
// Run: npx tsx bench/audit.bench.ts [changes, default 2000] [postgres://… for PostgreSQL]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { newToken } from '../src/base/ids.ts';
import { freePort, startSlipway, waitForHttp } from '../test/support/slipway-processes.ts';
import { percentile } from './bench-support.ts';

const changes = Number(process.argv[2] ?? 2000);
const postgresUrl = process.argv[3];
const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-audit-'));
const database = `slipway_bench_audit_${process.pid}`;
const admin = postgresUrl ? new pg.Client({ connectionString: postgresUrl }) : undefined;
const tokens = { admin: newToken('swa'), join: newToken('swj') };
const port = await freePort();
let databaseUrl: string | undefined;
if (admin && postgresUrl) {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  databaseUrl = url.href;
}
const server = startSlipway(dir, 'server', ['server', '--data', join(dir, 'data'), '--port', String(port), '--log-level', 'warn'], {
  SLIPWAY_ADMIN_TOKEN: tokens.admin, SLIPWAY_JOIN_TOKEN: tokens.join, ...(databaseUrl ? { SLIPWAY_DATABASE_URL: databaseUrl } : {}),
});
try {
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/api/v1/health`, 120_000);
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${tokens.admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  const addUser = async (name: string): Promise<number> => {
    const started = performance.now();
    await call('POST', '/api/v1/users', { name });
    return performance.now() - started;
  };

  const sequential: number[] = [];
  for (let i = 0; i < changes / 2; i++) sequential.push(await addUser(`seq-${i}`));
  const concurrent: number[] = [];
  const callers = 8;
  const started = performance.now();
  await Promise.all(Array.from({ length: callers }, async (_, c) => {
    for (let i = c; i < changes / 2; i += callers) concurrent.push(await addUser(`par-${i}`));
  }));
  const concurrentSeconds = (performance.now() - started) / 1000;

  const verifyStarted = performance.now();
  const verdict = (await call('GET', '/api/v1/audit/verify')) as { ok: boolean; entries: number };
  const verifyMs = performance.now() - verifyStarted;
  if (!verdict.ok) throw new Error(`the chain does not verify: ${JSON.stringify(verdict)}`);

  const ms = (values: number[], p: number) => percentile(values, p).toFixed(1);
  console.log(`audit log (${databaseUrl ? 'PostgreSQL' : 'SQLite'}): ${changes} changes through HTTP (POST /api/v1/users: user, token, event, audit entry)`);
  console.log(`  one caller:   median ${ms(sequential, 50)} ms, p95 ${ms(sequential, 95)} ms per change`);
  console.log(`  ${callers} callers:    median ${ms(concurrent, 50)} ms, p95 ${ms(concurrent, 95)} ms per change, ${Math.round(concurrent.length / concurrentSeconds)} changes/s`);
  console.log(`  verify:       ${verdict.entries} entries in ${verifyMs.toFixed(0)} ms`);
} finally {
  await server.kill('SIGTERM');
  if (admin) {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  rmSync(dir, { recursive: true, force: true });
}
