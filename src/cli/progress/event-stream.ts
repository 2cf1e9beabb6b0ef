// The CLI's reader of GET /api/v1/events/stream, made again with Last-Event-ID when the stream
// drops (follow-sse.ts); it gives up when the server stays unreachable.
import { SlipwayError } from '../../base/errors.ts';
import type { SlipwayEvent } from '../../core/model.ts';
import { causeOf, followSse } from '../follow-sse.ts';

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
  const query = new URLSearchParams(Object.entries(options.filter).filter((e): e is [string, string] => typeof e[1] === 'string'));
  let failingSince: number | undefined;
  await followSse({
    url: `${server.url}/api/v1/events/stream${query.size > 0 ? `?${query.toString()}` : ''}`,
    token: server.token,
    what: 'the event stream',
    signal: options.signal,
    idleTimeoutMs: options.idleTimeoutMs,
    onOpen: () => {
      failingSince = undefined;
      options.onOpen();
    },
    onMessages: (messages) => {
      for (const message of messages) {
        if (message.event === 'event') options.onEvent(JSON.parse(message.data) as SlipwayEvent);
      }
    },
    onFailure: (err) => {
      failingSince ??= Date.now();
      if (Date.now() - failingSince > (options.giveUpAfterMs ?? 60_000)) {
        throw new SlipwayError('SLIPWAY_SERVER_UNREACHABLE', `lost the server at ${server.url} and could not reconnect: ${causeOf(err)}`);
      }
    },
  });
}
