// The server's end of the agent WebSockets: records what agents say (hello, results, logs) and
// delivers the commands written down for them, again after every reconnect until they answer.
// With several server instances, a command for an agent that another instance holds is announced
// on the notifier's `agent_commands` channel; each instance also polls for commands it has not
// sent to the agents it holds, so that a lost announcement only delays a command.
import type { WebSocket } from 'ws';
import { errorMessage } from '../../base/errors.ts';
import { isAgentLost } from '../../core/agents/agent-liveness.ts';
import { scopesOfCommand } from '../../core/agents/agent-scope.ts';
import type { Agent } from '../../core/model.ts';
import { readAgentMessage, unreadableResult, type ServerMessage } from '../../core/protocol/messages.ts';
import type { AgentCommand, CommandCompletion, ConnectionChange } from '../../storage/store.ts';
import type { AgentGatewayDeps } from './agent-gateway-deps.ts';
import { AgentMessageHandler } from './agent-message-handler.ts';
import { CoalescedWake } from './coalesced-wake.ts';
import { WriteBatcher } from './write-batcher.ts';
import { createHelloReads } from './hello-reads.ts';
import { HeartbeatWriter } from './heartbeat-writer.ts';
import { SecretsOnce } from './secrets-once.ts';

/** Heartbeats are written to the store together, this often. */
const HEARTBEAT_WRITE_MS = 1000;
/**
 * Agents connecting and leaving wake the engine (a look at everything) at most this often: a fleet
 * reconnecting after a restart is thousands of connections in seconds, and one look sees them all.
 */
const CONNECTION_WAKE_MS = 200;

/** The channel on which an instance says "agent X has a new command" (payload: the agent's id). */
export const AGENT_COMMANDS_CHANNEL = 'agent_commands';

export class AgentGateway {
  private readonly connections = new Map<string, WebSocket>();
  /** The commands sent on each agent's current connection: the poll sends only the others. */
  private readonly sent = new Map<string, Set<string>>();
  /** When each connected agent had enrolled, as it connected: a row enrolled anew since is another host. */
  private readonly acceptedAs = new Map<string, number>();
  /**
   * When each connection here last heard its agent: what the sweeper judges silence by. Not the
   * agent's row, which another instance keeps fresh once the agent connected there (a connection
   * here that broke without a close would stay open, and be sent commands, for as long).
   */
  private readonly heardAt = new Map<string, number>();
  /** Each connection's messages being handled in turn (the last of its chain): close() waits for them. */
  private readonly handling = new Map<WebSocket, Promise<void>>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly heartbeats: HeartbeatWriter;
  private readonly connectionWrites: WriteBatcher<ConnectionChange, boolean>;
  private readonly resultWrites: WriteBatcher<CommandCompletion, boolean>;
  private readonly pendingPoll: NodeJS.Timeout;
  /** What agents connecting and leaving tell the engine, coalesced. */
  private readonly connectionsChanged: CoalescedWake;
  /** Records what the agents say. */
  private readonly messages: AgentMessageHandler;
  private polling = false;
  private unlisten: (() => void) | undefined;

  constructor(private readonly deps: AgentGatewayDeps) {
    this.sweeper = setInterval(() => this.closeSilentAgents(), Math.max(1000, deps.liveness.heartbeatTimeoutMs / 2));
    this.sweeper.unref();
    this.heartbeats = new HeartbeatWriter({ store: deps.store, clock: deps.clock, log: deps.log, everyMs: HEARTBEAT_WRITE_MS });
    this.connectionWrites = new WriteBatcher({
      write: (changes) => deps.store.agents.recordConnections(deps.instance, changes), log: deps.log, what: 'agents\' connections',
    });
    this.resultWrites = new WriteBatcher({ write: (results) => deps.store.commands.completeMany(results), log: deps.log, what: 'command results' });
    this.pendingPoll = setInterval(() => void this.sendUnsent(), deps.pendingPollMs ?? 3000);
    this.pendingPoll.unref();
    this.connectionsChanged = new CoalescedWake({ wake: () => deps.onChange(), everyMs: CONNECTION_WAKE_MS });
    this.messages = new AgentMessageHandler(deps, { heartbeats: this.heartbeats, connections: this.connectionWrites, results: this.resultWrites }, createHelloReads(deps.store), this.connectionsChanged, {
      send: (socket, message) => this.send(socket, message),
      sendPending: (agentId, socket, row, pending) => this.sendPending(agentId, socket, row, pending),
    });
  }

  /**
   * Starts hearing the other instances' announcements of commands for the agents held here.
   * Resolves once listening; without a notifier, at once.
   */
  async listen(): Promise<void> {
    this.unlisten = await this.deps.notifier?.listen(AGENT_COMMANDS_CHANNEL, (agentId) => {
      if (!this.connections.has(agentId)) return;
      this.deliver(agentId).catch((err: unknown) => this.deps.log.error({ err: errorMessage(err), agentId }, 'could not deliver commands another instance announced; the poll tries again'));
    });
  }

  /** Takes over an authenticated agent's socket; an older socket of the same agent is closed. */
  accept(socket: WebSocket, agent: Agent): void {
    this.connections.get(agent.id)?.close(4000, 'replaced by a newer connection');
    this.connections.set(agent.id, socket);
    this.acceptedAs.set(agent.id, agent.enrolledAt);
    this.heardAt.set(agent.id, this.deps.clock.now());
    this.sent.set(agent.id, new Set());
    let queue = Promise.resolve();
    let logsStored = Promise.resolve();
    let logsRefused = false;
    const failed = (err: unknown) => this.deps.log.error({ err, agent: agent.name }, 'agent message failed');
    // A result waits in the chain for the log lines sent before it: a closing server waits for it too.
    const handleInTurn = (handle: () => Promise<void> | undefined) => {
      const next = queue = queue.then(handle).catch(failed);
      this.handling.set(socket, next);
      void next.then(() => {
        if (this.handling.get(socket) === next) this.handling.delete(socket);
      });
    };
    socket.on('message', (data: Buffer) => {
      if (this.connections.get(agent.id) === socket) this.heardAt.set(agent.id, this.deps.clock.now());
      const text = data.toString('utf8');
      const read = readAgentMessage(text);
      if ('problem' in read) {
        const unreadable = unreadableResult(text);
        if (!unreadable) {
          this.deps.log.warn({ agent: agent.name, problem: read.problem }, `ignored a malformed agent message (${read.problem})`);
        } else {
          // A result that does not parse fails its command now, saying why, as the agent's own answer.
          this.deps.log.warn({ agent: agent.name, ...unreadable }, 'an agent answered with a result that does not parse: its command fails');
          const result = { ok: false, errorCode: 'SLIPWAY_AGENT_BAD_RESULT', error: `the agent's answer does not parse (${unreadable.problem})` };
          handleInTurn(() => this.messages.handle(socket, agent, { type: 'result', commandId: unreadable.commandId, result }));
        }
        return;
      }
      const { message } = read;
      if (message.type === 'log') {
        // Handed to ingest at once, not one stored batch at a time: an agent with a line every
        // few milliseconds would otherwise queue up behind busy writes. Each batch is
        // acknowledged once stored (and shown to live tails), in the order sent; after a batch
        // the database refused, nothing more is acknowledged and the connection is closed, so
        // that the agent sends everything from its last acknowledgement again.
        const storing = this.deps.logs.fromAgent(agent, message.lines);
        storing.catch(() => undefined); // handled in turn below, also when a refusal came first
        logsStored = logsStored.then(async () => {
          try {
            const seq = await storing;
            if (seq !== undefined && !logsRefused) this.send(socket, { type: 'log_ack', seq });
          } catch (err) {
            if (logsRefused) return;
            logsRefused = true;
            failed(err);
            socket.close(1011, 'the server could not store log lines');
          }
        });
        return;
      }
      if (message.type === 'heartbeat') {
        // At once, however slow the database is with logs or results: the agent is alive.
        void this.messages.handle(socket, agent, message).catch(failed);
        return;
      }
      // Anything else one message at a time; a result once the log lines sent before it are
      // stored (it never overtakes the lines of the step it ends), and not at all when they were
      // refused (the agent sends it again with them after reconnecting).
      const logsBefore = message.type === 'result' ? logsStored : undefined;
      handleInTurn(async () => {
        await logsBefore;
        if (message.type === 'result' && logsRefused) return;
        return this.messages.handle(socket, agent, message);
      });
    });
    socket.on('close', () => {
      if (this.connections.get(agent.id) !== socket) return;
      this.connections.delete(agent.id);
      this.acceptedAs.delete(agent.id);
      this.heardAt.delete(agent.id);
      this.sent.delete(agent.id);
      void queue.then(async () => {
        const gone = { online: false, lastSeenAt: this.deps.clock.now() };
        this.heartbeats.forget(agent.id);
        // Unless it moved to another instance meanwhile: then it is online there.
        if (await this.connectionWrites.add({ kind: 'disconnected', id: agent.id, at: gone.lastSeenAt })) this.deps.directory.patch(agent.id, gone);
        this.deps.log.info({ agent: agent.name }, 'agent disconnected');
        this.connectionsChanged.request();
      }).catch((err: unknown) => this.deps.log.error({ err: errorMessage(err), agent: agent.name }, 'could not record that an agent disconnected'));
    });
  }

  /** Closes the agent's connection at once (its token was revoked or it was removed); it cannot dial in again. */
  disconnect(agentId: string, reason: string): void {
    const socket = this.connections.get(agentId);
    if (!socket) return;
    this.deps.log.info({ agentId, reason }, 'closing an agent connection');
    socket.close(4001, reason);
  }

  /** Forgets what this instance knew the agent to be part of (see CommandStore.forgetAgent). */
  forget(agentId: string): void {
    this.deps.scopes.forget(agentId);
  }

  isConnected(agentId: string): boolean {
    return this.connections.has(agentId);
  }

  /**
   * Sends the agent every command it has not answered yet, when this instance holds its
   * connection; otherwise announces to the other instances that it has commands. Safe to call at
   * any time.
   */
  async deliver(agentId: string): Promise<void> {
    const socket = this.connections.get(agentId);
    if (!socket) {
      await this.deps.notifier?.notify(AGENT_COMMANDS_CHANNEL, agentId);
      return;
    }
    await this.sendPending(agentId, socket, await this.deps.store.agents.get(agentId));
  }

  /**
   * `deliver` to each of these agents, reading the rows and the commands of those held here in a
   * few queries (a restore writes a command for every host of an environment at once), and the
   * secrets of each deployment's environment once.
   */
  async deliverMany(agentIds: readonly string[]): Promise<void> {
    const held = agentIds.filter((id) => this.connections.has(id));
    for (const agentId of agentIds) if (!this.connections.has(agentId)) await this.deps.notifier?.notify(AGENT_COMMANDS_CHANNEL, agentId);
    if (held.length === 0) return;
    const [rows, pending] = await Promise.all([this.deps.store.agents.getMany(held), this.deps.store.commands.listPendingOf(held)]);
    const secrets = new SecretsOnce(this.deps.secrets);
    for (const agentId of held) {
      const socket = this.connections.get(agentId);
      if (socket) await this.sendPending(agentId, socket, rows.get(agentId), pending.get(agentId) ?? [], secrets);
    }
  }

  /**
   * Sends the agent on `socket` its unanswered commands, unless `row`, its row as read just now
   * (whichever instance changed it), says that the host was removed, revoked or enrolled anew (maybe
   * through another instance) since it connected here: then it is sent nothing of what its id is owed.
   */
  private async sendPending(agentId: string, socket: WebSocket, row: Agent | undefined, pending?: readonly AgentCommand[], secrets = new SecretsOnce(this.deps.secrets)): Promise<void> {
    if (!this.stillTheHost(agentId, row)) {
      this.deps.log.warn({ agentId }, 'closing the connection of an agent removed, revoked or enrolled anew since it connected');
      socket.terminate();
      return;
    }
    const sent = this.sent.get(agentId);
    for (const cmd of pending ?? await this.deps.store.commands.listPending(agentId)) {
      sent?.add(cmd.id);
      // Opened now, for this send only: agent_commands never holds a value.
      const values = await secrets.forCommand(cmd.command);
      const { command } = cmd;
      const uploadToken = command.kind === 'job' && command.job.kind === 'build'
        ? this.deps.uploadTokens.tokenFor({ jobId: command.job.jobId, agentId: cmd.agentId, commandId: cmd.id })
        : undefined;
      this.deps.scopes.learn(agentId, scopesOfCommand(command));
      this.send(socket, {
        type: 'command', id: cmd.id, command, ...(Object.keys(values).length > 0 ? { secrets: values } : {}), ...(uploadToken ? { uploadToken } : {}),
      });
    }
  }

  /** Closes every connection, and resolves once what agents said before is stored. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.connectionsChanged.close();
    this.messages.close();
    this.heartbeats.close();
    clearInterval(this.pendingPoll);
    this.unlisten?.();
    for (const socket of this.connections.values()) socket.close(1001, 'server shutting down');
    this.connections.clear();
    // The sockets' own close events find them gone from `connections`: nothing more is queued for them.
    // Messages already received are handled first (a result waiting for its log lines), then stored.
    await Promise.all(this.handling.values());
    await Promise.all([this.connectionWrites.flush(), this.resultWrites.flush()]);
  }

  private send(socket: WebSocket, message: ServerMessage): void {
    try {
      socket.send(JSON.stringify(message));
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'could not send to an agent');
    }
  }

  /** The fallback for a lost announcement: sends the agents held here what they were not sent yet. */
  private async sendUnsent(): Promise<void> {
    if (this.polling || this.connections.size === 0) return;
    this.polling = true;
    try {
      const pending = new Map<string, Set<string>>();
      for (const { id, agentId } of await this.deps.store.commands.pendingOf([...this.connections.keys()])) {
        pending.set(agentId, (pending.get(agentId) ?? new Set()).add(id));
      }
      const unsent: string[] = [];
      for (const [agentId, sent] of this.sent) {
        const open = pending.get(agentId) ?? new Set<string>();
        // Answered commands are forgotten, so that a connection of months does not pile up ids.
        for (const id of sent) if (!open.has(id)) sent.delete(id);
        if ([...open].some((id) => !sent.has(id))) unsent.push(agentId);
      }
      for (const agentId of unsent) await this.deliver(agentId);
    } catch (err) {
      this.deps.log.error({ err: errorMessage(err) }, 'could not look for commands not sent yet');
    } finally {
      this.polling = false;
    }
  }

  /** Whether the agent's row still describes the host this instance accepted under its id. */
  private stillTheHost(agentId: string, row: Agent | undefined): boolean {
    return row !== undefined && row.status !== 'revoked' && row.status !== 'removed' && row.enrolledAt === this.acceptedAs.get(agentId);
  }

  private closeSilentAgents(): void {
    void this.deps.directory.current().then((agents) => {
      const now = this.deps.clock.now();
      for (const [agentId, socket] of this.connections) {
        // An agent this copy does not know yet has just enrolled: its hello brings it in.
        const row = agents.get(agentId);
        if (!row) continue;
        // A connection that stays open but silent: the rule that loses its host also closes it. And
        // one whose agent was removed, revoked or enrolled anew through another instance (that
        // instance's API closed only the connections it held).
        const silent = isAgentLost({ online: true, lastSeenAt: this.heardAt.get(agentId) ?? row.lastSeenAt }, now, this.deps.liveness);
        if (silent || !this.stillTheHost(agentId, row)) socket.terminate();
      }
    }).catch((err: unknown) => this.deps.log.error({ err: errorMessage(err) }, 'could not check agents for silence'));
  }
}
