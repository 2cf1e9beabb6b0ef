// The server's end of the agent WebSockets: records what agents say (hello, results, logs) and
// delivers the commands written down for them, again after every reconnect until they answer.
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Clock } from '../../base/clock.ts';
import { errorMessage } from '../../base/errors.ts';
import type { Agent } from '../../core/model.ts';
import { parseAgentMessage, PROTOCOL_VERSION, type AgentMessage, type ServerMessage } from '../../core/protocol/messages.ts';
import type { Store } from '../../storage/store.ts';
import type { LogIngest } from '../logs/log-ingest.ts';

export interface AgentGatewayDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Called when something the engine waits for happened (a result, a connection, a loss). */
  onChange: () => void;
  heartbeatTimeoutMs: number;
  /** Where agents' log lines go; resolves with the seq to acknowledge once they are stored. */
  logs: Pick<LogIngest, 'fromAgent'>;
}

export class AgentGateway {
  private readonly connections = new Map<string, WebSocket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly deps: AgentGatewayDeps) {
    this.sweeper = setInterval(() => this.closeSilentAgents(), Math.max(1000, deps.heartbeatTimeoutMs / 2));
    this.sweeper.unref();
  }

  /** Takes over an authenticated agent's socket; an older socket of the same agent is closed. */
  accept(socket: WebSocket, agent: Agent): void {
    this.connections.get(agent.id)?.close(4000, 'replaced by a newer connection');
    this.connections.set(agent.id, socket);
    let queue = Promise.resolve();
    socket.on('message', (data: Buffer) => {
      // One message at a time per agent: results and logs keep their order.
      queue = queue.then(() => this.handle(socket, agent, data.toString('utf8'))).catch((err: unknown) => {
        this.deps.log.error({ err, agent: agent.name }, 'agent message failed');
      });
    });
    socket.on('close', () => {
      if (this.connections.get(agent.id) !== socket) return;
      this.connections.delete(agent.id);
      void queue.then(async () => {
        await this.deps.store.agents.update(agent.id, { online: false, lastSeenAt: this.deps.clock.now() });
        this.deps.log.info({ agent: agent.name }, 'agent disconnected');
        this.deps.onChange();
      });
    });
  }

  isConnected(agentId: string): boolean {
    return this.connections.has(agentId);
  }

  /** Sends the agent every command it has not answered yet. Safe to call at any time. */
  async deliver(agentId: string): Promise<void> {
    const socket = this.connections.get(agentId);
    if (!socket) return;
    for (const cmd of await this.deps.store.commands.listPending(agentId)) {
      this.send(socket, { type: 'command', id: cmd.id, command: cmd.command });
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const socket of this.connections.values()) socket.close(1001, 'server shutting down');
    this.connections.clear();
  }

  private async handle(socket: WebSocket, agent: Agent, text: string): Promise<void> {
    const message = parseAgentMessage(text);
    if (!message) {
      this.deps.log.warn({ agent: agent.name }, 'ignored a malformed agent message');
      return;
    }
    const now = this.deps.clock.now();
    const { store } = this.deps;
    switch (message.type) {
      case 'hello':
        await this.hello(agent, message, now);
        await this.deliver(agent.id);
        break;
      case 'status':
        await store.agents.update(agent.id, { apps: message.apps, lastSeenAt: now, online: true });
        break;
      case 'heartbeat':
        await store.agents.update(agent.id, { lastSeenAt: now, online: true });
        this.send(socket, { type: 'heartbeat_ack' });
        break;
      case 'progress':
        break;
      case 'result':
        if (await store.commands.complete(message.commandId, message.result, now)) this.deps.onChange();
        break;
      case 'log': {
        // Stored (and shown to live tails) before the ack: only then may the agent forget the lines.
        const seq = await this.deps.logs.fromAgent(agent, message.lines);
        if (seq !== undefined) this.send(socket, { type: 'log_ack', seq });
        break;
      }
    }
  }

  private async hello(agent: Agent, message: Extract<AgentMessage, { type: 'hello' }>, now: number): Promise<void> {
    if (message.protocol !== PROTOCOL_VERSION) {
      this.deps.log.warn({ agent: agent.name, protocol: message.protocol }, 'agent speaks another protocol version');
    }
    await this.deps.store.agents.update(agent.id, {
      labels: message.labels, address: message.address, port: message.port, apps: message.apps, online: true, lastSeenAt: now,
    });
    this.deps.log.info({ agent: agent.name, running: message.running.length }, 'agent connected');
    this.deps.onChange();
  }

  private send(socket: WebSocket, message: ServerMessage): void {
    try {
      socket.send(JSON.stringify(message));
    } catch (err) {
      this.deps.log.warn({ err: errorMessage(err) }, 'could not send to an agent');
    }
  }

  private closeSilentAgents(): void {
    void this.deps.store.agents.list().then((agents) => {
      const now = this.deps.clock.now();
      for (const agent of agents) {
        const socket = this.connections.get(agent.id);
        if (socket && now - agent.lastSeenAt > this.deps.heartbeatTimeoutMs) socket.terminate();
      }
    }).catch(() => undefined);
  }
}
