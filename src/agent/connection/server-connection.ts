// The agent's one WebSocket to the server: dials out, sends heartbeats, notices a silent server,
// and reconnects with jittered exponential backoff so a fleet does not storm a restarted server.
// Given several server instances, it dials them in turn: after a failed or lost connection, the next.
// The backoff starts again only once the server has answered on a connection (log_ack, a command,
// heartbeat_ack: it took the hello) and kept it a heartbeat interval, not when the socket opens: a
// server or a load balancer that accepts and closes at once sees the delay grow to its cap, not a
// dial every 125 to 375 ms; so does one that answers and closes at once (two agents given one
// token, each connection replacing the other's).
import WebSocket from 'ws';
import { parseServerMessage, type AgentMessage, type ServerMessage } from '../../core/protocol/messages.ts';
import { reconnectDelayMs } from './reconnect-backoff.ts';

export interface ServerConnectionOptions {
  /** ws:// or wss:// URLs of /api/v1/agent, one per server instance (at least one), tried in turn. */
  urls: readonly string[];
  token: () => string;
  heartbeatMs: number;
  /** Called on every (re)connection, before anything else is sent. */
  onOpen: () => void;
  onMessage: (message: ServerMessage) => void;
  /** The server refused the token (HTTP 401): e.g. its database was replaced. */
  onUnauthorized: () => Promise<void>;
  onStateChange?: (state: 'connected' | 'disconnected', detail: string) => void;
  /** Random source for the backoff jitter, in [0, 1). */
  random?: () => number;
}

export class ServerConnection {
  private socket: WebSocket | undefined;
  private attempt = 0;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastHeard = 0;
  private index = 0;

  constructor(private readonly options: ServerConnectionOptions) {
    if (options.urls.length === 0) throw new Error('a server connection needs at least one URL');
  }

  /** Which of `urls` is in use, or is dialled next while disconnected. */
  get serverIndex(): number {
    return this.index;
  }

  start(): void {
    this.connect();
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends a message if connected; returns false when it could not (it is then the caller's to keep). */
  send(message: AgentMessage): boolean {
    if (!this.connected) return false;
    this.socket!.send(JSON.stringify(message));
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    this.socket?.close(1000, 'agent stopping');
  }

  private connect(): void {
    if (this.closed) return;
    const url = this.options.urls[this.index]!;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.options.token()}` }, handshakeTimeout: 10_000 });
    this.socket = socket;
    let unauthorized = false;
    /** When the server first answered on this connection. */
    let answeredAt: number | undefined;
    socket.on('open', () => {
      this.lastHeard = Date.now();
      this.options.onStateChange?.('connected', url);
      this.options.onOpen();
      this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatMs);
    });
    socket.on('message', (data: Buffer) => {
      this.lastHeard = Date.now();
      const message = parseServerMessage(data.toString('utf8'));
      if (!message) return;
      answeredAt ??= Date.now();
      this.options.onMessage(message);
    });
    socket.on('unexpected-response', (_request, response) => {
      unauthorized = response.statusCode === 401;
      socket.terminate();
    });
    socket.on('error', () => undefined); // 'close' follows and reconnects
    socket.on('close', (code, reason) => {
      clearInterval(this.heartbeatTimer);
      if (this.socket !== socket) return;
      if (answeredAt !== undefined && Date.now() - answeredAt >= this.options.heartbeatMs) this.attempt = 0;
      this.options.onStateChange?.('disconnected', `${url}: ${code} ${reason.toString()}`.trim());
      // The next instance, if there are several: this one may be down or going away.
      this.index = (this.index + 1) % this.options.urls.length;
      if (unauthorized) void this.options.onUnauthorized().finally(() => this.scheduleReconnect());
      else this.scheduleReconnect();
    });
  }

  private heartbeat(): void {
    if (Date.now() - this.lastHeard > this.options.heartbeatMs * 3) {
      this.socket?.terminate(); // the server went silent: reconnect
      return;
    }
    this.send({ type: 'heartbeat' });
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = reconnectDelayMs(this.attempt, (this.options.random ?? Math.random)());
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}
