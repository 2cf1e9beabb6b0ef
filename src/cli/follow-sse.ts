// The CLI's long-lived streams (the events stream, the log tail): Server-Sent Events read with
// fetch (the token in the Authorization header), made again with Last-Event-ID when a connection
// drops (a server restart, a proxy's timeout, a connection gone silent), so nothing is missed.
import { AuthError, ConflictError, ForbiddenError, InputError, NotFoundError, SlipwayError } from '../base/errors.ts';
import { SseParser, type SseMessage } from '../base/sse-parser.ts';

export interface FollowSseOptions {
  /** The stream's full URL, query included. */
  url: string;
  token: string;
  /** What the stream is, for errors: "the log tail". */
  what: string;
  /** Resume after this id on the first connection (later ones resume after the last message). */
  lastEventId?: string;
  /** Stops following; followSse then resolves. */
  signal: AbortSignal;
  /** A connection silent this long is made again (the server sends a heartbeat every 15 s). */
  idleTimeoutMs?: number;
  /** Every (re)connection, once the server has answered. */
  onOpen?: () => void;
  /** The messages each piece of the stream completed. */
  onMessages: (messages: SseMessage[]) => void;
  /** A connection failed or dropped; throwing ends followSse with that error. */
  onFailure?: (err: unknown) => void;
}

/**
 * Follows the stream until the signal aborts, reconnecting with backoff (250 ms, doubling up to
 * 5 s). Rejects with the server's error when it refuses the request (a wrong token, a bad
 * filter), or with what onFailure throws.
 */
export async function followSse(options: FollowSseOptions): Promise<void> {
  const { signal } = options;
  let lastEventId = options.lastEventId;
  let backoffMs = 250;
  while (!signal.aborted) {
    try {
      // Resumes after the last message handled: one whose handling threw comes again.
      await readOnce(options, lastEventId, (id) => (lastEventId = id), () => (backoffMs = 250));
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof SlipwayError) throw err;
      options.onFailure?.(err);
    }
    await pause(backoffMs, signal);
    backoffMs = Math.min(backoffMs * 2, 5000);
  }
}

/** One connection: resolves when the server ends the stream, throws when it fails or is refused. */
async function readOnce(options: FollowSseOptions, lastEventId: string | undefined, handled: (id: string) => void, onConnected: () => void): Promise<void> {
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
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const response = await fetch(options.url, { headers, signal: connection.signal });
    if (!response.ok) throw await refusal(response, options.what);
    if (!response.body) throw new Error(`${options.what} has no body`);
    onConnected();
    options.onOpen?.();
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const body = response.body.getReader();
    for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
      stillThere();
      const messages = parser.push(decoder.decode(chunk.value as Uint8Array, { stream: true }));
      if (messages.length > 0) options.onMessages(messages);
      if (parser.lastEventId !== undefined) handled(parser.lastEventId);
    }
  } finally {
    clearTimeout(idle);
    options.signal.removeEventListener('abort', abort);
    abort(); // a connection left by a throw would stay open
  }
}

/** The server's refusal as the error it names; a 5xx (a proxy, a server starting) is worth a retry. */
async function refusal(response: Response, what: string): Promise<Error> {
  const text = await response.text().catch(() => '');
  if (response.status >= 500) return new Error(`HTTP ${response.status}`);
  let error: { code?: string; message?: string } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
  } catch {
    error = undefined;
  }
  const code = error?.code ?? `SLIPWAY_HTTP_${response.status}`;
  const message = error?.message ?? `HTTP ${response.status} from ${what}`;
  const Kind = { 400: InputError, 401: AuthError, 403: ForbiddenError, 404: NotFoundError, 409: ConflictError }[response.status] ?? SlipwayError;
  return new Kind(code, message);
}

/** Why a connection failed, in a few words ("connect ECONNREFUSED 127.0.0.1:7700"). */
export function causeOf(err: unknown): string {
  const error = err as Error & { cause?: Error };
  return error.cause?.message ?? error.message ?? String(err);
}

/** Waits `ms`, or less when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
