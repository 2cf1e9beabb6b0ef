// An agent for end-to-end tests that speaks the agent protocol over a real WebSocket with a real
// enrolled token, and sends log lines exactly as the test says (resends and duplicates included).
import WebSocket from 'ws';
import { PROTOCOL_VERSION, type CommandResult, type LogLineIn } from '../../src/core/protocol/messages.ts';
import { waitFor } from './wait-for.ts';

export class ProtocolAgent {
  private socket: WebSocket | undefined;
  private acked = -1;
  /** Every command the server sent, in order (answered only when the test says so), with a build job's upload token and the secrets it carried. */
  readonly commands: { id: string; command: { kind: string } & Record<string, unknown>; uploadToken?: string; secrets?: Record<string, string> }[] = [];
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    readonly url: string, readonly name: string, readonly agentId: string, readonly token: string,
    /** The labels its hello claims: the enrolled ones unless the test makes it lie. */
    private readonly helloLabels: Record<string, string>,
  ) {}

  /** Enrolls `name` with the join token and `labels`, and connects saying `helloLabels` (the same by default). */
  static async enroll(url: string, joinToken: string, name: string, labels: Record<string, string> = { env: 'logs' }, helloLabels = labels): Promise<ProtocolAgent> {
    const response = await fetch(`${url}/api/v1/agents/enroll`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${joinToken}` },
      body: JSON.stringify({ name, labels, address: '127.0.0.1', port: null }),
    });
    if (response.status !== 201) throw new Error(`enrolling ${name} answered ${response.status}`);
    const { agentId, token } = (await response.json()) as { agentId: string; token: string };
    const agent = new ProtocolAgent(url, name, agentId, token, helloLabels);
    await agent.connect();
    return agent;
  }

  /** The close code of the last connection the server closed, if it closed one. */
  closedWith: number | undefined;

  /** The highest seq the server acknowledged on the current connection, or -1. */
  get acknowledged(): number {
    return this.acked;
  }

  /** Opens a new connection (after a server restart) and says hello. */
  async connect(): Promise<void> {
    this.socket?.close();
    this.acked = -1;
    const socket = new WebSocket(`${this.url.replace(/^http/, 'ws')}/api/v1/agent`, { headers: { authorization: `Bearer ${this.token}` } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        type: string; seq?: number; id?: string; command?: { kind: string } & Record<string, unknown>; uploadToken?: string; secrets?: Record<string, string>;
      };
      if (message.type === 'log_ack' && message.seq !== undefined) this.acked = Math.max(this.acked, message.seq);
      if (message.type === 'command' && message.id && message.command) {
        this.commands.push({
          id: message.id, command: message.command, ...(message.uploadToken ? { uploadToken: message.uploadToken } : {}), ...(message.secrets ? { secrets: message.secrets } : {}),
        });
      }
    });
    socket.on('close', (code: number) => {
      if (this.socket === socket) this.closedWith = code;
    });
    socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, name: this.name, labels: this.helloLabels, address: '127.0.0.1', port: null, apps: [], running: [] }));
    this.socket = socket;
    // As a real agent does: the server closes a connection that stays silent past its heartbeat timeout.
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'heartbeat' }));
    }, 3000);
    this.heartbeat.unref();
  }

  /** Sends one batch and waits until the server acknowledges its highest seq. */
  async send(lines: LogLineIn[]): Promise<void> {
    if (!this.socket) throw new Error('not connected');
    this.socket.send(JSON.stringify({ type: 'log', lines }));
    const highest = Math.max(...lines.map((l) => l.seq));
    await waitFor(`${this.name}'s lines up to ${highest} to be acknowledged`, () => this.acked >= highest, { timeoutMs: 10_000, intervalMs: 20 });
  }

  /**
   * Sends a result for command `commandId`, whoever it was sent to (the test decides whether that
   * is a forgery); a result of any other shape, as a broken agent would.
   */
  answer(commandId: string, result: CommandResult | Record<string, unknown>): void {
    if (!this.socket) throw new Error('not connected');
    this.socket.send(JSON.stringify({ type: 'result', commandId, result }));
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.socket?.close();
  }
}
