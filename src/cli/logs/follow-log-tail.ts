// `slipway logs --follow`: GET /api/v1/logs/tail, made again with Last-Event-ID when the
// connection drops (follow-sse.ts), so that no line is lost or printed twice.
import type { LogLine } from '../../core/model.ts';
import { causeOf, followSse } from '../follow-sse.ts';

export interface FollowLogTailOptions {
  url: string;
  token: string;
  /** The filters, as query parameters of the tail. */
  params: URLSearchParams;
  /** Resume after this line id (0: every matching line stored from the start). */
  afterId: number;
  onLines: (lines: LogLine[]) => void;
  /** Told once per outage when the connection is lost, and when it is back. */
  onConnection?: (state: 'lost' | 'back', why?: string) => void;
  /** Stops following; followLogTail then resolves. */
  signal: AbortSignal;
  /** A connection silent this long is made again (the server sends a heartbeat every 15 s). */
  idleTimeoutMs?: number;
}

/**
 * Follows the tail until the signal aborts, reconnecting with backoff (up to 5 s) for as long as
 * it takes. Rejects with the server's error when it refuses the request (a wrong token, a bad filter).
 */
export async function followLogTail(options: FollowLogTailOptions): Promise<void> {
  let lost = false;
  const query = options.params.size > 0 ? `?${options.params.toString()}` : '';
  await followSse({
    url: `${options.url}/api/v1/logs/tail${query}`,
    token: options.token,
    what: 'the log tail',
    lastEventId: String(options.afterId),
    signal: options.signal,
    idleTimeoutMs: options.idleTimeoutMs,
    onOpen: () => {
      if (lost) options.onConnection?.('back');
      lost = false;
    },
    onMessages: (messages) => {
      const lines = messages.filter((m) => m.event === 'line').map((m) => JSON.parse(m.data) as LogLine);
      if (lines.length > 0) options.onLines(lines);
    },
    onFailure: (err) => {
      if (!lost) options.onConnection?.('lost', causeOf(err));
      lost = true;
    },
  });
}
