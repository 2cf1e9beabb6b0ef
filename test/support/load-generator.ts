// Load for zero-downtime tests: concurrent clients that send GET requests without pause, some with
// a fresh connection per request and some on keep-alive connections, until stop() or a deadline or
// a request count, and count what came back: 2xx by response body (the sample app answers with its
// host and version), other statuses, and connection errors, with a few examples of each failure.
// Only node:http: no external tool. It sends only to loopback or to addresses the caller names
// (the test's own hosts), never elsewhere.
import { Agent, request } from 'node:http';

export interface LoadOptions {
  /** e.g. http://127.0.0.1:PORT/ (HAProxy's frontend). */
  url: string;
  /** Clients that open a new connection for every request (default 4). */
  freshClients?: number;
  /** Clients that each keep one connection open across requests (default 4). */
  keepAliveClients?: number;
  /** It stops by itself after this long (ms), whatever else happens. */
  deadlineMs: number;
  /** It stops by itself after sending this many requests (default 1,000,000). */
  maxRequests?: number;
  /** Each client's pause between two requests (default 0: none), for a light load that leaves the machine time. */
  pauseMs?: number;
  /** One request's limit (default 5 s): past it, it counts as a connection error. */
  requestTimeoutMs?: number;
  /** Non-loopback hosts it may send to (the test's own namespace hosts). */
  allowHosts?: string[];
}

export interface LoadCounts {
  sent: number;
  ok: number;
  /** 2xx answers by their body (trimmed). */
  okByBody: Record<string, number>;
  non2xx: number;
  connectionErrors: number;
  /**
   * Of the connection errors, those on a reused keep-alive connection that the other side closed
   * as the request went out (e.g. an old HAProxy closing idle connections after a reload): the
   * race that browsers answer by retrying an idempotent request. Counted, never retried here.
   */
  resetOnReusedConnection: number;
  /** Up to 5 examples of each failure with when it came, e.g. `503 <html>… at +1234 ms (2026-…Z)` or `ECONNRESET at …`. */
  examples: { non2xx: string[]; connectionErrors: string[] };
  byConnection: { fresh: number; keepAlive: number };
  elapsedMs: number;
  /** Requests answered (any way) per second over the run. */
  perSecond: number;
}

const maxExamples = 5;

export class LoadGenerator {
  private readonly counts: LoadCounts = {
    sent: 0, ok: 0, okByBody: {}, non2xx: 0, connectionErrors: 0, resetOnReusedConnection: 0,
    examples: { non2xx: [], connectionErrors: [] }, byConnection: { fresh: 0, keepAlive: 0 }, elapsedMs: 0, perSecond: 0,
  };
  private stopping = false;
  private readonly startedAt = performance.now();
  private stoppedAt: number | null = null;
  private readonly deadline: NodeJS.Timeout;
  private readonly agents: Agent[] = [];
  private readonly clients: Promise<void>[] = [];

  private constructor(private readonly options: LoadOptions) {
    const url = new URL(options.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const loopback = /^127\./.test(host) || host === '::1' || host === 'localhost';
    if (url.protocol !== 'http:' || (!loopback && !options.allowHosts?.includes(host))) {
      throw new Error(`the load generator sends only to http:// on loopback or an allowed test host, not ${options.url}`);
    }
    this.deadline = setTimeout(() => { this.stopping = true; }, options.deadlineMs);
    // A fresh connection per request: an agent that never keeps a socket (sends Connection: close).
    const fresh = new Agent({ keepAlive: false, maxSockets: Infinity });
    this.agents.push(fresh);
    for (let i = 0; i < (options.freshClients ?? 4); i++) this.clients.push(this.client(fresh, 'fresh'));
    for (let i = 0; i < (options.keepAliveClients ?? 4); i++) {
      // One socket per client, reused request after request.
      const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
      this.agents.push(keepAlive);
      this.clients.push(this.client(keepAlive, 'keepAlive'));
    }
  }

  /** Starts sending at once; it runs until stop(), the deadline or maxRequests. */
  static start(options: LoadOptions): LoadGenerator {
    return new LoadGenerator(options);
  }

  /** The counts so far (a copy). */
  snapshot(): LoadCounts {
    const elapsedMs = (this.stoppedAt ?? performance.now()) - this.startedAt;
    const answered = this.counts.ok + this.counts.non2xx + this.counts.connectionErrors;
    return structuredClone({ ...this.counts, elapsedMs, perSecond: answered / (elapsedMs / 1000) });
  }

  /** Stops sending, waits for the requests in flight and returns the final counts. */
  async stop(): Promise<LoadCounts> {
    this.stopping = true;
    await Promise.all(this.clients);
    this.stoppedAt ??= performance.now();
    clearTimeout(this.deadline);
    for (const agent of this.agents) agent.destroy();
    return this.snapshot();
  }

  /** Resolves when it has stopped by itself (deadline or maxRequests) or through stop(). */
  async done(): Promise<LoadCounts> {
    await Promise.all(this.clients);
    return this.stop();
  }

  private async client(agent: Agent, connection: 'fresh' | 'keepAlive'): Promise<void> {
    const max = this.options.maxRequests ?? 1_000_000;
    while (!this.stopping) {
      if (this.counts.sent >= max) {
        this.stopping = true;
        break;
      }
      this.counts.sent++;
      this.counts.byConnection[connection]++;
      await this.send(agent);
      if (this.options.pauseMs) await new Promise((r) => setTimeout(r, this.options.pauseMs));
    }
  }

  /** When, for an example: ms since the start, and the wall clock to set beside other logs. */
  private at(): string {
    return `+${Math.round(performance.now() - this.startedAt)} ms (${new Date().toISOString()})`;
  }

  private send(agent: Agent): Promise<void> {
    return new Promise((resolve) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        this.counts.connectionErrors++;
        const reused = req.reusedSocket && ['ECONNRESET', 'EPIPE'].includes((err as NodeJS.ErrnoException).code ?? '');
        if (reused) this.counts.resetOnReusedConnection++;
        note(this.counts.examples.connectionErrors, `${(err as NodeJS.ErrnoException).code ?? err.message}${reused ? ' (reused connection)' : ''} at ${this.at()}`);
        resolve();
      };
      const req = request(this.options.url, { agent, timeout: this.options.requestTimeoutMs ?? 5000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          settled = true;
          const body = Buffer.concat(chunks).toString('utf8').trim();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            this.counts.ok++;
            this.counts.okByBody[body] = (this.counts.okByBody[body] ?? 0) + 1;
          } else {
            this.counts.non2xx++;
            note(this.counts.examples.non2xx, `${status} ${body.slice(0, 120)} at ${this.at()}`);
          }
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.requestTimeoutMs ?? 5000} ms`)));
      req.on('error', fail);
      req.end();
    });
  }
}

function note(examples: string[], example: string): void {
  if (examples.length < maxExamples) examples.push(example);
}
