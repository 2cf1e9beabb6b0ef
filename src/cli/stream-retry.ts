// What the CLI's long-lived streams (the events stream, the log tail) share: turning a refused
// response into the error it names, and waiting before a reconnect.
import { AuthError, ConflictError, ForbiddenError, InputError, NotFoundError, SlipwayError } from '../base/errors.ts';

/** The server's refusal as the error it names; a 5xx (a proxy, a server starting) is worth a retry. */
export async function refusal(response: Response, what: string): Promise<Error> {
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

export function causeOf(err: unknown): string {
  const error = err as Error & { cause?: Error };
  return error.cause?.message ?? error.message ?? String(err);
}

/** Waits `ms`, or less when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
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
