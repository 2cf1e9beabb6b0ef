// The CLI's reader of GET /api/v1/events/stream: fetch with the token in the Authorization header,
// the body read as Server-Sent Events, and reconnection with Last-Event-ID when the stream drops
// (a server restart, a proxy's timeout, a connection that went silent).
import { SlipwayError } from '../../base/errors.ts';
import type { SlipwayEvent } from '../../core/model.ts';
import { causeOf, pause, refusal } from '../stream-retry.ts';
import { SseParser } from './sse-parser.ts';

export interface EventServer {
  url: string;
  token: string;
}

export interface EventFilter {
  project?: string;
  run?: string;
  deployment?: string;
}

export interface FollowEventsOptions {
  filter: EventFilter;
  /** Called on every (re)connection: from then on no event is missed, but some may have been before. */
  onOpen: () => void;
  onEvent: (event: SlipwayEvent) => void;
  /** Stops following; followEvents then resolves. */
  signal: AbortSignal;
  /** How long the server may stay unreachable before followEvents gives up (default 60 s). */
  giveUpAfterMs?: number;
  /** A connection silent this long is dropped and made again (the server sends heartbeats every 15 s). */
  idleTimeoutMs?: number;
}

/**
 * Follows the events matching the filter until the signal aborts. Reconnects (with backoff)
 * when the stream ends or fails, resuming after the last event seen. Rejects with the server's
 * error when it refuses the request (a wrong token, an unknown project), and with
 * SLIPWAY_SERVER_UNREACHABLE when it cannot reconnect within giveUpAfterMs.
 */
export async function followEvents(server: EventServer, options: FollowEventsOptions): Promise<void> {
  const { signal } = options;
  const query = new URLSearchParams(Object.entries(options.filter).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const url = `${server.url}/api/v1/events/stream${query.size > 0 ? `?${query.toString()}` : ''}`;
  let lastEventId: string | undefined;
  let failingSince: number | undefined;
  let backoffMs = 250;
  while (!signal.aborted) {
    const parser = new SseParser();
    try {
      await readStream(url, server.token, lastEventId, options, parser, () => {
        failingSince = undefined;
        backoffMs = 250;
      });
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof SlipwayError) throw err;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > (options.giveUpAfterMs ?? 60_000)) {
        throw new SlipwayError('SLIPWAY_SERVER_UNREACHABLE', `lost the server at ${server.url} and could not reconnect: ${causeOf(err)}`);
      }
    } finally {
      lastEventId = parser.lastEventId ?? lastEventId;
    }
    await pause(backoffMs, signal);
    backoffMs = Math.min(backoffMs * 2, 5000);
  }
}

/** One connection: resolves when the server ends the stream, throws when it fails or is refused. */
async function readStream(url: string, token: string, lastEventId: string | undefined, options: FollowEventsOptions, parser: SseParser, onConnected: () => void): Promise<void> {
  const connection = new AbortController();
  const abort = () => connection.abort();
  options.signal.addEventListener('abort', abort);
  let idle: NodeJS.Timeout | undefined;
  const stillThere = () => {
    clearTimeout(idle);
    idle = setTimeout(abort, options.idleTimeoutMs ?? 45_000);
  };
  try {
    stillThere();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const response = await fetch(url, { headers, signal: connection.signal });
    if (!response.ok) throw await refusal(response, 'the event stream');
    if (!response.body) throw new Error('the event stream has no body');
    onConnected();
    options.onOpen();
    const decoder = new TextDecoder();
    const body = response.body.getReader();
    for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
      stillThere();
      for (const message of parser.push(decoder.decode(chunk.value as Uint8Array, { stream: true }))) {
        if (message.event === 'event') options.onEvent(JSON.parse(message.data) as SlipwayEvent);
      }
    }
  } finally {
    clearTimeout(idle);
    options.signal.removeEventListener('abort', abort);
  }
}
