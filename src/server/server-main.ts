// Wires one Slipway server: store, engine, agent gateway, triggers and the HTTP app. The CLI's
// `slipway server` reads flags and environment variables and calls startServer.
import { join } from 'node:path';
import pino, { type Level } from 'pino';
import { systemClock, type Clock } from '../base/clock.ts';
import { openPostgresStore } from '../storage/postgres/postgres-store.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/store.ts';
import { ArtifactBlobs } from './artifacts/artifact-blobs.ts';
import { loadServerTokens, type ServerTokens } from './auth/tokens.ts';
import { defaultEngineLimits, type EngineLimits } from './engine/engine-limits.ts';
import { createEngine, type Engine } from './engine/engine.ts';
import { EventLog } from './engine/event-log.ts';
import { AgentGateway } from './gateway/agent-gateway.ts';
import { GitMirrors } from './git/git-mirrors.ts';
import { buildHttpApp } from './http-app.ts';
import { LogIngest } from './logs/log-ingest.ts';
import { defaultLogRetention, startLogRetention, type LogRetentionLimits } from './logs/log-retention.ts';
import { LogTailHub } from './logs/log-tail-hub.ts';
import { ServerEventLines } from './logs/server-event-lines.ts';
import { CommitTrigger } from './triggers/commit-trigger.ts';
import { startPoller } from './triggers/poller.ts';

export interface ServerOptions {
  dataDir: string;
  port: number;
  host?: string;
  adminToken?: string;
  joinToken?: string;
  /** PostgreSQL instead of the embedded SQLite file <dataDir>/slipway.db. */
  databaseUrl?: string;
  limits?: Partial<EngineLimits>;
  logLevel?: Level | 'silent';
  maxArtifactBytes?: number;
  /** The central log's maximum age and size (null: no limit); default 30 days and 2 GiB. */
  logRetention?: Partial<LogRetentionLimits>;
  clock?: Clock;
}

export interface RunningServer {
  url: string;
  port: number;
  tokens: ServerTokens;
  store: Store;
  engine: Engine;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const log = pino({ level: options.logLevel ?? 'info' });
  const limits = { ...defaultEngineLimits, ...options.limits };
  const tokens = await loadServerTokens(options.dataDir, { admin: options.adminToken, join: options.joinToken });
  const store = options.databaseUrl ? await openPostgresStore(options.databaseUrl) : await openSqliteStore(join(options.dataDir, 'slipway.db'));
  // Nobody is connected to a server that just started; each agent's grace period starts now.
  await store.agents.markAllOffline(clock.now());

  const logTail = new LogTailHub();
  const ingest = new LogIngest({ store, tail: logTail, log });
  const eventLines = new ServerEventLines({ store, ingest, log });
  // Events stored before a crash that had no line yet get theirs now.
  await eventLines.catchUp();
  const events = new EventLog(store, clock, (event) => eventLines.write(event));
  const retention = startLogRetention({
    store, clock, log,
    maxAgeMs: options.logRetention?.maxAgeMs === undefined ? defaultLogRetention.maxAgeMs : options.logRetention.maxAgeMs,
    maxBytes: options.logRetention?.maxBytes === undefined ? defaultLogRetention.maxBytes : options.logRetention.maxBytes,
  });
  const maxArtifactBytes = options.maxArtifactBytes ?? 2 * 1024 ** 3;
  const blobs = new ArtifactBlobs(join(options.dataDir, 'artifacts'), maxArtifactBytes);
  const mirrors = new GitMirrors({ dataDir: options.dataDir });
  // The gateway wakes the engine, which delivers through the gateway: the wake comes only later.
  const gateway = new AgentGateway({ store, clock, log, heartbeatTimeoutMs: limits.heartbeatTimeoutMs, logs: ingest, onChange: () => engine.wake() });
  const engine: Engine = createEngine({ store, gateway, events, clock, log, limits, blobs });
  const trigger = new CommitTrigger({ store, mirrors, events, clock, log, onRuns: () => engine.wake() });
  const poller = startPoller({ store, trigger, clock, log });

  const app = await buildHttpApp({ store, blobs, gateway, engine, events, mirrors, trigger, clock, log, tokens, maxArtifactBytes, logTail });
  const close = async () => {
    await poller.close();
    await engine.close();
    gateway.close();
    await app.close();
    await retention.close();
    await ingest.flush();
    await store.close();
  };
  try {
    await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  } catch (err) {
    await close(); // a port in use: release what was started, so the caller can report and exit
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;
  log.info({ url }, 'slipway server listening');

  return { url, port, tokens, store, engine, close };
}
