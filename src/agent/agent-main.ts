// Wires one Slipway agent: its identity, the connection to the server, the apps it supervises,
// the log spool and shipper, and (with role=runner) jobs. The CLI's `slipway agent` calls startAgent.
import { join, relative, resolve } from 'node:path';
import { errorMessage, InputError } from '../base/errors.ts';
import { AGENT_HEARTBEAT_MS } from '../core/agents/agent-liveness.ts';
import type { Labels } from '../core/model.ts';
import { PROTOCOL_VERSION, type CommandResult, type ServerMessage } from '../core/protocol/messages.ts';
import { SecretMasker } from '../core/secrets/secret-masker.ts';
import type { AgentLog } from './agent-log.ts';
import { CommandExecutor } from './command-executor.ts';
import { enroll, loadOrEnroll, type AgentIdentity } from './connection/enrollment.ts';
import { LogShipper } from './connection/log-shipper.ts';
import { ServerConnection } from './connection/server-connection.ts';
import { AppLogs } from './logs/app-logs.ts';
import { pruneMigrationMarkers } from './migrate/migration-marker.ts';
import type { JobUser } from './runner/job-user.ts';
import { secureAgentRoot } from './secure-agent-root.ts';
import { listAppsOnHost } from './releases/list-apps.ts';
import { resumeApp } from './releases/resume-app.ts';
import type { AppHostDeps } from './releases/start-app.ts';
import { LogSpool } from './spool/log-spool.ts';
import { AppSupervisors } from './supervisor/app-supervisors.ts';

export interface AgentOptions {
  /** The server's base URL, or one per server instance: the agent connects to one at a time, in turn. */
  servers: readonly string[];
  joinToken?: string;
  name: string;
  labels: Labels;
  root: string;
  /**
   * Where jobs get their workspaces; `<root>-work` when absent. It must lie outside the root, so a
   * step cannot reach agent.json.
   */
  workDir?: string;
  /** The user steps run as (see lookUpJobUser); the agent's own when absent. */
  jobUser?: JobUser;
  /** The PATH steps get (the agent's own PATH is a sensible value); a system PATH when absent. */
  jobPath?: string;
  /** HAProxy stats sockets this agent drives as an LB agent (`lb` commands); none when absent. */
  haproxySockets?: string[];
  /** Whether migrations run in a PID namespace of their own, which takes root (RunMigrationDeps.pidNamespace). */
  isolateMigrations?: boolean;
  /** The PORT its apps get; null means each app's run.port. */
  port: number | null;
  /** How runners reach this host's apps. */
  address: string;
  heartbeatMs?: number;
  /** Most disk the log spool (<root>/spool) may use (default 256 MiB). */
  spoolMaxBytes?: number;
  log: AgentLog;
}

export interface RunningAgent {
  identity: AgentIdentity;
  /** Stops talking to the server and, with stopApps, stops the apps it supervises. */
  close(options?: { stopApps?: boolean }): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { log, root } = options;
  const servers = options.servers.map((url) => url.replace(/\/+$/, ''));
  if (servers.length === 0) throw new Error('the agent needs the URL of at least one server');
  const workDir = options.workDir ?? `${root.replace(/\/+$/, '')}-work`;
  const inRoot = relative(resolve(root), resolve(workDir));
  if (!inRoot.startsWith('..') && !inRoot.startsWith('/')) {
    throw new InputError('SLIPWAY_WORK_DIR_IN_ROOT', 'the work dir must lie outside the agent\'s root, where its token is kept');
  }
  await secureAgentRoot(root);
  // A migration's marker only has to outlive the server's re-deliveries of its command.
  const pruned = await pruneMigrationMarkers(root, Date.now()).catch((err: unknown) => {
    log.warn({ err: errorMessage(err) }, 'could not remove old migration markers');
    return [];
  });
  if (pruned.length > 0) log.info({ removed: pruned.length }, 'removed migration markers older than 30 days');
  const enrollRequest = { root, servers, joinToken: options.joinToken, name: options.name, labels: options.labels, address: options.address, port: options.port };
  let identity = await loadOrEnroll(enrollRequest);

  // Every line (deploy steps, jobs, the apps' output and log files) waits in the spool until the
  // server acknowledges it.
  // Lines are masked before they reach the spool: a secret's value never leaves the host, nor
  // lands on its disk, in a line. The agent knows the values the server sent with its commands.
  const masker = new SecretMasker();
  const mask = (text: string) => masker.mask(text);
  const spool = await LogSpool.open({ dir: join(root, 'spool'), maxBytes: options.spoolMaxBytes, onWarning: (message) => log.warn(message), mask });
  const appLogs = new AppLogs({ root, spool, onNote: (message) => log.debug(message) });
  // The shipper, executor and connection refer to each other; each calls the others only later.
  const shipper = new LogShipper({
    spool, send: (lines) => connection.send({ type: 'log', lines }),
    onError: (err) => log.warn({ err: errorMessage(err) }, 'reading the log spool failed'),
  });
  const apps = new AppSupervisors();
  const host: AppHostDeps = { root, host: options.name, port: options.port, apps, logs: appLogs };
  const sendStatus = () => void listAppsOnHost(root).then((list) => connection.send({ type: 'status', apps: list }));
  const executor = new CommandExecutor({
    // Downloads and uploads go to the instance the agent is connected to (each has what the database names).
    host, get serverUrl() { return servers[connection.serverIndex]!; }, token: () => identity.token, haproxySockets: options.haproxySockets ?? [],
    jobs: { workRoot: workDir, ...(options.jobUser ? { user: options.jobUser } : {}), ...(options.jobPath ? { path: options.jobPath } : {}) },
    log: (line) => void spool.push(line),
    onResult: (commandId, result) => connection.send({ type: 'result', commandId, result: maskResult(result, mask) }),
    onAppsChanged: sendStatus,
    isolateMigrations: options.isolateMigrations ?? false,
  });

  const connection: ServerConnection = new ServerConnection({
    urls: servers.map((server) => `${server.replace(/^http/, 'ws')}/api/v1/agent`),
    token: () => identity.token,
    heartbeatMs: options.heartbeatMs ?? AGENT_HEARTBEAT_MS,
    onOpen: () => {
      void listAppsOnHost(root).then((list) => {
        connection.send({ type: 'hello', protocol: PROTOCOL_VERSION, name: options.name, labels: options.labels, address: options.address, port: options.port, apps: list, running: executor.inFlight });
        shipper.connected();
      });
    },
    onMessage: (message: ServerMessage) => {
      if (message.type === 'command') {
        const secrets = message.secrets ?? {};
        masker.add(Object.values(secrets));
        executor.handle(message.id, message.command, secrets, message.uploadToken);
      }
      else if (message.type === 'log_ack') shipper.acknowledge(message.seq);
    },
    onUnauthorized: async () => {
      log.warn('the server does not know this agent any more: enrolling again');
      try {
        identity = await enroll(enrollRequest);
      } catch (err) {
        log.error({ err: (err as Error).message }, 'enrolling again failed');
      }
    },
    onStateChange: (state, detail) => {
      if (state === 'disconnected') shipper.disconnected();
      log.info({ server: servers[connection.serverIndex], detail }, state === 'connected' ? 'connected to the server' : 'disconnected from the server');
    },
  });

  connection.start();
  log.info({ name: options.name, labels: options.labels, root }, 'slipway agent started');
  // Bring back what ran before this agent (re)started: orphans are stopped, current is started
  // again. Commands for an app wait for its resume (AppSupervisors serialises them).
  const resumed = listAppsOnHost(root).then((list) => Promise.all(list.map(async (app) => {
    const outcome = await resumeApp(host, app.app);
    if (!outcome.ok) log.warn({ app: app.app, error: outcome.error }, 'could not resume the app');
    sendStatus();
  })));

  return {
    identity,
    async close(closeOptions = {}) {
      await resumed.catch(() => undefined);
      connection.close();
      await executor.close();
      if (closeOptions.stopApps) await apps.close();
      // What the apps wrote until now goes into the spool; a next start goes on from there.
      await appLogs.close();
      shipper.close();
      await spool.close();
    },
  };
}

function maskResult(result: CommandResult, mask: (text: string) => string): CommandResult {
  return {
    ...result,
    ...(result.error === undefined ? {} : { error: mask(result.error) }),
    ...(result.logTail === undefined ? {} : { logTail: result.logTail.map(mask) }),
  };
}
