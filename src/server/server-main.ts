// Wires one Slipway server: store, engine, agent gateway, triggers and the HTTP app. The CLI's
// `slipway server` reads flags and environment variables and calls startServer.
import type { AcceptAgents } from '../core/agents/enrollment-decision.ts';
import { writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pino, { type Level } from 'pino';
import { systemClock, type Clock } from '../base/clock.ts';
import { errorMessage } from '../base/errors.ts';
import { newId } from '../base/ids.ts';
import type { LogLine, SlipwayEvent } from '../core/model.ts';
import { InProcessNotifier } from '../storage/in-process-notifier.ts';
import type { InstanceLock } from '../storage/instance-lock.ts';
import type { Notifier } from '../storage/notifier.ts';
import { PostgresInstanceLock } from '../storage/postgres/postgres-instance-lock.ts';
import { PostgresNotifier } from '../storage/postgres/postgres-notifier.ts';
import { withCrashPoint } from '../storage/crash-point-store.ts';
import { openPostgresStore } from '../storage/postgres/postgres-store.ts';
import { SqliteInstanceLock } from '../storage/sqlite/sqlite-instance-lock.ts';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.ts';
import type { Store } from '../storage/store.ts';
import { ArtifactBlobs } from './artifacts/artifact-blobs.ts';
import { UploadTokens } from './artifacts/upload-tokens.ts';
import { AgentScopeCache } from './gateway/agent-scope-cache.ts';
import { loadServerTokens, type ServerTokens } from './auth/tokens.ts';
import { defaultEngineLimits, type EngineLimits } from './engine/engine-limits.ts';
import { createEngine, type Engine } from './engine/engine.ts';
import { EventLog } from './engine/event-log.ts';
import { AgentGateway } from './gateway/agent-gateway.ts';
import { AgentDirectory } from './gateway/agent-directory.ts';
import { LeaseKeeper } from './leases/lease-keeper.ts';
import { GitMirrors } from './git/git-mirrors.ts';
import { buildHttpApp } from './http-app.ts';
import { ChangeSignal } from './instances/change-signal.ts';
import { SharedFeed } from './instances/shared-feed.ts';
import { LogIngest } from './logs/log-ingest.ts';
import { startLogIndexer } from './logs/log-indexer.ts';
import { defaultLogRetention, startLogRetention, type LogRetentionLimits } from './logs/log-retention.ts';
import { LogTailHub } from './logs/log-tail-hub.ts';
import { EVENT_LINE_REPAIR_MS, ServerEventLines } from './logs/server-event-lines.ts';
import { refuseEmptyDatabase, secureDataDir } from './secure-data-dir.ts';
import { CommitTrigger } from './triggers/commit-trigger.ts';
import { startPoller } from './triggers/poller.ts';
import { ProjectSecrets } from './secrets/project-secrets.ts';
import { SecretCipher } from './secrets/secret-cipher.ts';
import { loadSecretKey } from './secrets/secret-key.ts';
import { OpenIdConnectClient } from './auth/oidc/openid-connect-client.ts';
import type { OidcSignIn } from './auth/oidc/oidc-routes.ts';
import { checkOidcSettings, type OidcFlags } from './auth/oidc/oidc-settings.ts';
import { SignInCookie } from './auth/oidc/sign-in-cookie.ts';

export interface ServerOptions {
  dataDir: string;
  port: number;
  host?: string;
  adminToken?: string;
  joinToken?: string;
  /** Whether projects may use a repository on the server itself: a path, file:, loopback or link-local URL. */
  allowLocalRepos?: boolean;
  /** The base64 of the 32-byte key that seals secrets; default <dataDir>/secret-key, made on first start. */
  secretKey?: string;
  /** PostgreSQL instead of the embedded SQLite file <dataDir>/slipway.db. */
  databaseUrl?: string;
  /** better-sqlite3's compiled addon, already loaded (the single executable's); default the one in node_modules. */
  sqliteAddon?: object;
  limits?: Partial<EngineLimits>;
  logLevel?: Level | 'silent';
  maxArtifactBytes?: number;
  /** New agents: active at once (`auto`, the default) or pending until an admin accepts them. */
  acceptAgents?: AcceptAgents;
  /** The central log's maximum age and size (null: no limit); default 30 days and 2 GiB. */
  logRetention?: Partial<LogRetentionLimits>;
  /** Web sign-in through an OpenID Connect provider; absent or empty: API tokens only. */
  oidc?: OidcFlags;
  /** The built web UI it serves at / (default: web/dist of the checkout these sources are in). */
  webDist?: string;
  clock?: Clock;
  /**
   * Tests only (the crash-at-every-write test): exit the process with code 86 right after the
   * store's Nth committed transaction, with the line "crash point: exiting after transaction N"
   * on stderr.
   */
  crashAfterTransactions?: number;
  /**
   * This instance's name among several on one PostgreSQL database (default host:address:port): it
   * holds the leases of the loops that run once (the engine, polling, log retention).
   */
  instanceName?: string;
  /** How long a lease lasts unless renewed: how soon another instance takes over a dead one's loops (default 10 s). */
  leaseMs?: number;
}

/** The exit code of a server stopped by its crash point, so a test tells it from a real failure. */
export const CRASH_POINT_EXIT_CODE = 86;

/** How often a server reads the secrets again, for those another server instance changed. */
const SECRETS_REFRESH_MS = 5_000;
const DEFAULT_LEASE_MS = 10_000;
/** How stale the engine's copy of the agents may get where the gateway cannot keep it (the admin API, other instances). */
const AGENT_DIRECTORY_RELOAD_MS = 1_000;
/**
 * Connections the kernel may hold completed for the server while it is busy (capped by
 * net.core.somaxconn). Node's default, 511, is overrun by a fleet of thousands reconnecting after a
 * restart: the kernel then drops their SYNs and each one waits for its retransmission, 1, 3, 7, 15,
 * 31 s later, long after the server could have taken it.
 */
const LISTEN_BACKLOG = 8192;

export interface RunningServer {
  url: string;
  port: number;
  tokens: ServerTokens;
  store: Store;
  engine: Engine;
  /** How many store transactions the server committed since it started (also logged at close). */
  transactions(): number;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const log = pino({ level: options.logLevel ?? 'info' });
  const limits = { ...defaultEngineLimits, ...options.limits };
  // Checked first: a mistyped flag stops the start before anything is opened.
  const oidcSettings = checkOidcSettings(options.oidc ?? {});
  const tokens = await loadServerTokens(options.dataDir, { admin: options.adminToken, join: options.joinToken });
  if (!options.databaseUrl) await refuseEmptyDatabase(join(options.dataDir, 'slipway.db'));
  const secretKey = await loadSecretKey(options.dataDir, options.secretKey);
  // This instance by name among several on one PostgreSQL database. SQLite has one server by
  // construction: whatever its port, a restarted one is the same instance (it takes its leases back at once).
  const instance = options.instanceName ?? (options.databaseUrl ? `${hostname()}:${options.host ?? '127.0.0.1'}:${options.port}` : 'sqlite');
  // One process per instance name (SQLite: per data dir), taken before anything is opened: a
  // second one would run a second engine and mark the first one's agents offline.
  const instanceLock: InstanceLock = options.databaseUrl
    ? await PostgresInstanceLock.take(options.databaseUrl, instance, { onError: (message) => log.warn(message) })
    : await SqliteInstanceLock.take(options.dataDir, { nativeBinding: options.sqliteAddon });
  let opened: Store;
  try {
    opened = options.databaseUrl ? await openPostgresStore(options.databaseUrl) : await openSqliteStore(join(options.dataDir, 'slipway.db'), { nativeBinding: options.sqliteAddon });
  } catch (err) {
    await instanceLock.release();
    throw err;
  }
  // After the open, so the SQLite files it made are among them (`slipway server` also sets umask 077).
  await secureDataDir(options.dataDir);
  const store = withCrashPoint(opened, options.crashAfterTransactions === undefined ? undefined : {
    afterTransactions: options.crashAfterTransactions,
    crash: (n) => {
      // Synchronous and at once: nothing after this commit may run, as if the power went.
      writeSync(2, `crash point: exiting after transaction ${n}\n`);
      process.exit(CRASH_POINT_EXIT_CODE);
    },
  });
  // How the instances sharing a PostgreSQL database wake each other (alone on SQLite: in process).
  let notifier: Notifier;
  try {
    notifier = options.databaseUrl
      ? await PostgresNotifier.open(options.databaseUrl, { onError: (message) => log.warn(message) })
      : new InProcessNotifier((err, channel) => log.error({ err: errorMessage(err), channel }, 'a notification handler failed'));
  } catch (err) {
    await store.close();
    await instanceLock.release();
    throw err;
  }
  // Tells this instance's own announcements from the others' (each instance hears its own too).
  const instanceId = newId();
  // Nobody is connected to an instance that just started; each of its agents' grace period starts now.
  await store.agents.markOffline(instance, clock.now());

  // Every secret's value is known before the first line or event is written: both are masked.
  const secrets = new ProjectSecrets({ store, cipher: new SecretCipher(secretKey), log });
  await secrets.refresh();
  // This server refreshes after its own changes; another instance's (PostgreSQL) are read here.
  const secretsRefresh = setInterval(() => {
    secrets.refresh().catch((err: unknown) => log.error({ err: errorMessage(err) }, 'could not read the secrets again'));
  }, SECRETS_REFRESH_MS);
  secretsRefresh.unref();
  const mask = (text: string) => secrets.mask(text);
  // Live tails and event streams see what every instance stores.
  const logFeed = new SharedFeed<LogLine>({
    notifier, channel: 'log_lines', instanceId, log,
    idOf: (line) => line.id,
    unitOf: (id) => store.logs.commitUnitOf(id),
    readAfter: (afterId, limit) => store.logs.list({ afterId, limit }),
    lastId: async () => (await store.logs.search({ order: 'desc', limit: 1 }))[0]?.id ?? 0,
  });
  const eventFeed = new SharedFeed<SlipwayEvent>({
    notifier, channel: 'events', instanceId, log,
    idOf: (event) => event.id,
    readAfter: (afterId, limit) => store.events.list({ afterId, limit }),
    lastId: () => store.events.lastId(),
  });
  const logTail = new LogTailHub(logFeed);
  // What each agent is part of: its log lines' tags and its downloads are checked against it.
  const scopes = new AgentScopeCache({ store });
  const ingest = new LogIngest({ store, tail: logTail, log, mask, clock, scopes });
  const eventLines = new ServerEventLines({ store, ingest, log });
  // Events stored before a crash that had no line yet get theirs now; those of another instance
  // that dies while this one runs, within EVENT_LINE_REPAIR_MS.
  await eventLines.catchUp();
  const eventLineRepair = eventLines.repairEvery(EVENT_LINE_REPAIR_MS);
  const events = new EventLog(store, clock, (event) => eventLines.write(event), mask);
  const leases = await LeaseKeeper.start({
    store, log, leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    holder: instance, instanceLock,
  });
  events.subscribe((event) => eventFeed.publish([event]));
  const retention = startLogRetention({
    store, clock, log, holdsLease: () => leases.holds('log-retention'),
    maxAgeMs: options.logRetention?.maxAgeMs === undefined ? defaultLogRetention.maxAgeMs : options.logRetention.maxAgeMs,
    maxBytes: options.logRetention?.maxBytes === undefined ? defaultLogRetention.maxBytes : options.logRetention.maxBytes,
  });
  // Its pace is a matter of CPU in real time, not of the server's clock: the system clock.
  const indexer = startLogIndexer({ store, log, writesCommitted: () => ingest.writesCommitted() });
  const maxArtifactBytes = options.maxArtifactBytes ?? 2 * 1024 ** 3;
  const blobs = new ArtifactBlobs(join(options.dataDir, 'artifacts'), maxArtifactBytes);
  const mirrors = new GitMirrors({ dataDir: options.dataDir });
  // The gateway wakes the engine, which delivers through the gateway: the wake comes only later.
  const uploadTokens = new UploadTokens(secretKey);
  // The agents as the engine sees them, in memory, fed by the gateway; read whole again every second.
  const agents = new AgentDirectory({ store, clock, reloadMs: AGENT_DIRECTORY_RELOAD_MS });
  // An agent's answer lands on the instance that holds its connection; the engine runs on the one
  // that holds its lease: the answer's command id wakes the deployment it belongs to there.
  const changes = new ChangeSignal({ notifier, instanceId, onChange: (commandId) => engine.wake(commandId) });
  const gateway = new AgentGateway({
    store, clock, log, liveness: limits, logs: ingest, secrets, uploadTokens, scopes, notifier, directory: agents, instance,
    onChange: (commandId) => changes.announce(commandId),
  });
  const engine: Engine = createEngine({
    store, gateway, agents, events, clock, log, limits, uploadTokens, holdsLease: () => leases.holds('engine'), leaseGeneration: () => leases.generation('engine'),
    // Several instances (PostgreSQL): each engine transaction confirms the lease in the database.
    ...(options.databaseUrl ? { fence: (tx: Store) => tx.leases.confirm('engine', instance) } : {}),
  });
  await Promise.all([gateway.listen(), changes.listen(), logFeed.listen(), eventFeed.listen()]);
  // Runs created here wake the engine wherever it runs, as every route does (wakeEngine).
  const wakeEngine = () => changes.announce();
  const trigger = new CommitTrigger({ store, mirrors, events, clock, log, onRuns: wakeEngine });
  const poller = startPoller({ store, trigger, clock, log, holdsLease: () => leases.holds('poller') });

  const oidc: OidcSignIn | undefined = oidcSettings && {
    settings: oidcSettings,
    client: new OpenIdConnectClient(oidcSettings, log),
    // Keyed from the secret key, which every instance of a PostgreSQL setup shares.
    cookie: new SignInCookie(secretKey, oidcSettings.publicUrl.protocol === 'https:'),
  };
  const app = await buildHttpApp({ oidc, store, blobs, gateway, wakeEngine, events, eventFeed, mirrors, trigger, clock, log, tokens, maxArtifactBytes, logTail, secrets, allowLocalRepos: options.allowLocalRepos ?? false, acceptAgents: options.acceptAgents ?? 'auto', webDist: options.webDist });
  const close = async () => {
    clearInterval(secretsRefresh);
    await poller.close();
    await engine.close();
    changes.close();
    await gateway.close();
    await app.close();
    logFeed.close();
    eventFeed.close();
    await retention.close();
    await indexer.close();
    await leases.close();
    await eventLineRepair.close();
    await ingest.flush();
    await notifier.close();
    await store.close();
    await instanceLock.release();
    const committed = store.transactionsCommitted();
    log.info({ transactions: committed }, `store transactions committed: ${committed}`);
  };
  try {
    await app.listen({ port: options.port, host: options.host ?? '127.0.0.1', backlog: LISTEN_BACKLOG });
  } catch (err) {
    await close(); // a port in use: release what was started, so the caller can report and exit
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;
  log.info({ url }, 'slipway server listening');

  return { url, port, tokens, store, engine, transactions: () => store.transactionsCommitted(), close };
}
