// `slipway logs --follow`: reads GET /api/v1/logs/tail with fetch (the token in the Authorization
// header), and when the connection drops (a server restart, a proxy's timeout, silence) makes it
// again with Last-Event-ID, so that no line is lost or printed twice.
import { SlipwayError } from '../../base/errors.ts';
import type { LogLine } from '../../core/model.ts';
import { SseParser } from '../progress/sse-parser.ts';
import { causeOf, pause, refusal } from '../stream-retry.ts';

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
  const { signal } = options;
  let lastId = options.afterId;
  let backoffMs = 250;
  let lost = false;
  while (!signal.aborted) {
    try {
      await readTail(options, lastId, (lines) => {
        lastId = lines.at(-1)!.id;
        options.onLines(lines);
      }, () => {
        backoffMs = 250;
        if (lost) options.onConnection?.('back');
        lost = false;
      });
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof SlipwayError) throw err;
      if (!lost) options.onConnection?.('lost', causeOf(err));
      lost = true;
    }
    await pause(backoffMs, signal);
    backoffMs = Math.min(backoffMs * 2, 5000);
  }
}

/** One connection: resolves when the server ends the stream, throws when it fails or is refused. */
async function readTail(options: FollowLogTailOptions, lastId: number, onLines: (lines: LogLine[]) => void, onOpen: () => void): Promise<void> {
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
    const query = options.params.size > 0 ? `?${options.params.toString()}` : '';
    const response = await fetch(`${options.url}/api/v1/logs/tail${query}`, {
      headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream', 'last-event-id': String(lastId) },
      signal: connection.signal,
    });
    if (!response.ok) throw await refusal(response, 'the log tail');
    if (!response.body) throw new Error('the log tail has no body');
    onOpen();
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const body = response.body.getReader();
    for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
      stillThere();
      const lines = parser.push(decoder.decode(chunk.value as Uint8Array, { stream: true }))
        .filter((m) => m.event === 'line')
        .map((m) => JSON.parse(m.data) as LogLine);
      if (lines.length > 0) onLines(lines);
    }
  } finally {
    clearTimeout(idle);
    options.signal.removeEventListener('abort', abort);
  }
}
