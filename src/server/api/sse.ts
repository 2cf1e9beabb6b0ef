// Server-Sent Events for the live feeds (events, log tail): a stream that the browser's
// EventSource and the CLI both read, with ids to resume from (Last-Event-ID) and comment
// heartbeats so that proxies keep it open and a vanished client is noticed.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from '../../base/errors.ts';
import { parseWholeNumber, WHOLE_NUMBER } from './whole-number.ts';

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
 * The id a reconnecting client resumes after: its Last-Event-ID header, else `after` from the
 * query; undefined when it gave neither. A header that is not an id this stream could have sent
 * (a whole number up to 2^53 - 1) is refused with an InputError (400), not taken as another id.
 */
export function resumePoint(request: FastifyRequest, after: number | undefined): number | undefined {
  const header = request.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return after;
  const id = parseWholeNumber(value);
  if (id === undefined) {
    const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    throw new InputError('SLIPWAY_INVALID_REQUEST', `invalid Last-Event-ID header ${shown}: expected the id of an item this stream sent, ${WHOLE_NUMBER}`);
  }
  return id;
}
