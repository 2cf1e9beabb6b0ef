// The server's record of what connected agents say (hello, status, heartbeats, results), for the
// agent gateway, which holds their connections and delivers their commands.
import type { WebSocket } from 'ws';
import { sameLabels } from '../../core/deploy/select-hosts.ts';
import type { Agent } from '../../core/model.ts';
import { PROTOCOL_VERSION, type AgentMessage, type ServerMessage } from '../../core/protocol/messages.ts';
import type { AgentCommand, CommandCompletion, ConnectionChange } from '../../storage/store.ts';
import type { AgentGatewayDeps } from './agent-gateway-deps.ts';
import type { CoalescedWake } from './coalesced-wake.ts';
import { ConnectionLog } from './connection-log.ts';
import type { HeartbeatWriter } from './heartbeat-writer.ts';
import type { HelloReads } from './hello-reads.ts';
import type { WriteBatcher } from './write-batcher.ts';

/** What the handler answers on: the gateway's sending to one agent's socket. */
export interface AgentConnectionLink {
  send(socket: WebSocket, message: ServerMessage): void;
  /**
   * Sends the agent `pending`, its unanswered commands, unless `row` says it is no longer the host
   * accepted (AgentGateway.sendPending).
   */
  sendPending(agentId: string, socket: WebSocket, row: Agent | undefined, pending: readonly AgentCommand[]): Promise<void>;
}


/** Agents connecting within this long of one another are logged as one line (ConnectionLog). */
const CONNECTION_LOG_WINDOW_MS = 1000;

/**
 * Records each message an agent sends (all but its log lines, which go to ingest) in the store and
 * the engine's directory, and answers it on `link`. One message at a time per connection: the
 * gateway orders them.
 */
export class AgentMessageHandler {
  /** "agent connected" one by one, or summed up per second when many connect at once. */
  private readonly connectionLog: ConnectionLog;

  constructor(
    private readonly deps: AgentGatewayDeps,
    /** Where what agents say is written together: heartbeats within a second; connections and results within a few ms. */
    private readonly writes: {
      heartbeats: HeartbeatWriter;
      connections: WriteBatcher<ConnectionChange, boolean>;
      results: WriteBatcher<CommandCompletion, boolean>;
    },
    /** What hellos read, read together with the other hellos' of a few milliseconds. */
    private readonly reads: HelloReads,
    /** What a hello tells the engine (agents connecting), coalesced with the gateway's. */
    private readonly connectionsChanged: CoalescedWake,
    private readonly link: AgentConnectionLink,
  ) {
    this.connectionLog = new ConnectionLog({ log: deps.log, windowMs: CONNECTION_LOG_WINDOW_MS });
  }

  /** Logs the connections not summed up yet. */
  close(): void {
    this.connectionLog.close();
  }

  async handle(socket: WebSocket, agent: Agent, message: Exclude<AgentMessage, { type: 'log' }>): Promise<void> {
    const now = this.deps.clock.now();
    const { store } = this.deps;
    switch (message.type) {
      case 'hello': {
        const row = await this.hello(agent, message, now);
        // Both read once the connection is stored, as before they were batched.
        const [stored, pending] = await Promise.all([this.reads.logSeqs.get(agent.id), this.reads.pending.get(agent.id)]);
        // What is stored already: a reconnecting agent need not send those lines again.
        if (stored !== undefined && stored >= 0) this.send(socket, { type: 'log_ack', seq: stored });
        // Its row as the hello read it: no second read of it for the same connection.
        await this.link.sendPending(agent.id, socket, row, pending ?? []);
        break;
      }
      case 'status': {
        const patch = { apps: message.apps, lastSeenAt: now, online: true };
        await store.agents.update(agent.id, patch);
        this.deps.directory.patch(agent.id, patch);
        break;
      }
      case 'heartbeat':
        // Written with the others' within a second (HeartbeatWriter); known at once here.
        this.writes.heartbeats.heard(agent.id);
        this.deps.directory.patch(agent.id, { lastSeenAt: now });
        this.send(socket, { type: 'heartbeat_ack' });
        break;
      case 'progress':
        break;
      case 'result': {
        // The agent masked the values it was given; every value is masked again here.
        const result = this.deps.secrets?.maskResult(message.result) ?? message.result;
        // Written with the other results of these few milliseconds (a restore's are thousands at once).
        if (await this.writes.results.add({ id: message.commandId, result, at: now, fromAgentId: agent.id })) {
          this.deps.onChange(message.commandId);
        } else if ((await store.commands.get(message.commandId))?.agentId !== agent.id) {
          this.deps.log.warn({ agent: agent.name, command: message.commandId }, 'ignored a result for a command that was not sent to this agent');
        }
        break;
      }
    }
  }

  /** Records the hello; returns the agent's row as read before (undefined when it is gone). */
  private async hello(agent: Agent, message: Extract<AgentMessage, { type: 'hello' }>, now: number): Promise<Agent | undefined> {
    if (message.protocol !== PROTOCOL_VERSION) {
      this.deps.log.warn({ agent: agent.name, protocol: message.protocol }, 'agent speaks another protocol version');
    }
    // Labels are fixed at enrollment and changed only by an admin (PATCH /api/v1/agents/:id): they
    // decide which hosts an environment deploys to and who is handed build jobs, so a host must
    // not relabel itself (role=runner) by saying so. What it claims is logged and ignored.
    const row = await this.reads.rows.get(agent.id);
    const stored = row ?? agent;
    if (!sameLabels(stored.labels, message.labels)) {
      this.deps.log.warn({ agent: agent.name, claimed: message.labels, has: stored.labels },
        'agent claimed other labels than it was enrolled with; ignored (an admin changes labels with PATCH /api/v1/agents/:id)');
    }
    // Address and port are still taken from the hello: they say where the agent's apps can be
    // reached (a host's address may change under DHCP, an agent may be restarted with --port),
    // and neither grant a permission nor select work (environments and runners go by labels).
    // An agent already chosen by label can still point them elsewhere; issue 7 may pin them too.
    const said = { address: message.address, port: message.port, apps: message.apps, online: true, lastSeenAt: now };
    // Written with the other hellos of these few milliseconds (before its disconnection, if any).
    await this.writes.connections.add({ kind: 'connected', id: agent.id, said, at: now });
    this.deps.directory.put({ ...stored, ...said });
    this.connectionLog.connected(agent.name, { running: message.running.length });
    this.connectionsChanged.request();
    return row;
  }

  private send(socket: WebSocket, message: ServerMessage): void {
    this.link.send(socket, message);
  }
}
