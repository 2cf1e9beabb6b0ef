// Server-Sent Events for the live feeds (events, log tail): a stream that the browser's
// EventSource and the CLI both read, with ids to resume from (Last-Event-ID) and comment
// heartbeats so that proxies keep it open and a vanished client is noticed.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseStream {
  /** Sends one message; `id` is what the client sends back as Last-Event-ID when it reconnects. */
  send(message: { id?: string | number; event?: string; data: unknown }): void;
  /** Resolves when the client went away (or close() was called). */
  readonly closed: Promise<void>;
  close(): void;
}

/**
 * Takes over the reply and opens an event stream. The caller writes messages until `closed`
 * resolves, and must stop its subscriptions then.
 */
export function openSse(request: FastifyRequest, reply: FastifyReply, options: { heartbeatMs?: number } = {}): SseStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write('retry: 2000\n\n');
  let open = true;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
  const finish = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    resolveClosed();
  };
  request.raw.on('close', finish);
  raw.on('close', finish);
  return {
    send({ id, event, data }) {
      if (!open) return;
      let frame = '';
      if (id !== undefined) frame += `id: ${id}\n`;
      if (event) frame += `event: ${event}\n`;
      // JSON has no raw newlines, so one data line per message.
      frame += `data: ${JSON.stringify(data)}\n\n`;
      raw.write(frame);
    },
    closed,
    close() {
      finish();
      raw.end();
    },
  };
}

/**
 * The id a reconnecting client resumes after: its Last-Event-ID header (a bad one counts as 0:
 * everything stored), else `after` from the query; undefined when it gave neither.
 */
export function resumePoint(request: FastifyRequest, after: number | undefined): number | undefined {
  const header = request.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') {
    const id = Number(value);
    return Number.isInteger(id) && id >= 0 ? id : 0;
  }
  return after;
}
