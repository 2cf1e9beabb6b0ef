// Asks a freshly started app for its health endpoint until it answers 2xx, time runs out, or it dies.
import { errorMessage } from '../../base/errors.ts';
import { pollDelay } from '../../base/poll-delay.ts';
import { isSuccess, sendRequest } from '../connection/send-request.ts';
import { tryConnect } from './port-in-use.ts';

export type Liveness = { alive: true } | { alive: false; reason: string };

export interface HealthCheckRequest {
  /** e.g. http://127.0.0.1:8080/healthz */
  url: string;
  /** Give up after this long in total. */
  timeoutMs: number;
  /**
   * The longest pause between attempts (default 200 ms). Pauses start at `firstIntervalMs` and grow
   * with the wait (pollDelay), so that an app that is up quickly is seen quickly.
   */
  intervalMs?: number;
  /** The first pauses between attempts (default 5 ms). */
  firstIntervalMs?: number;
  /** Longest wait for one answer (default 5 s, never past the overall deadline). */
  requestTimeoutMs?: number;
  /** Asked between attempts: a dead app fails the check at once with its reason (e.g. its exit code). */
  isAlive?: () => Liveness;
}

export type HealthCheckOutcome =
  | { ok: true; status: number; attempts: number; ms: number }
  | { ok: false; error: string; attempts: number; ms: number };

/**
 * GETs `url` until a 2xx answer (ok), until `timeoutMs` has passed (fails with the last status or
 * connection error seen), or until `isAlive` reports the process dead (fails at once with its
 * reason). Between attempts it pauses 5 ms at first, then a twentieth of the wait so far, up to
 * `intervalMs` (pollDelay): a fixed 200 ms pause made every activation wait up to 200 ms more than
 * the app took to start. Never throws; every failure is an outcome.
 */
export async function checkHealth(req: HealthCheckRequest): Promise<HealthCheckOutcome> {
  const started = Date.now();
  const deadline = started + req.timeoutMs;
  const schedule = { firstMs: Math.min(req.firstIntervalMs ?? 5, req.intervalMs ?? 200), maxMs: req.intervalMs ?? 200 };
  const elapsed = () => Date.now() - started;
  let attempts = 0;
  let last = 'no answer yet';
  // Until the app listens, a bare TCP connection asks: a refused one costs a quarter of the CPU of
  // an HTTP request that fails (about 50 against 200 µs), and an app starting is asked every few ms.
  const url = new URL(req.url);
  // Only a plain http URL is asked with a bare connection first (the agent's own are http://127.0.0.1:PORT).
  let listening = url.protocol !== 'http:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 80);

  for (;;) {
    const liveness = req.isAlive?.() ?? { alive: true };
    if (!liveness.alive) {
      return { ok: false, attempts, ms: elapsed(), error: `the app ${liveness.reason} before ${req.url} answered 2xx (last: ${last})` };
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    attempts += 1;
    const requestTimeoutMs = req.requestTimeoutMs ?? 5_000;
    // One wait for the whole attempt, the bare connection and the request together.
    const attemptEnds = Date.now() + Math.min(requestTimeoutMs, remaining);
    try {
      if (!listening) {
        const refused = await tryConnect(host, port, attemptEnds - Date.now());
        if (refused !== undefined) throw refused;
        listening = true;
      }
      // node:http, not fetch: see send-request.ts (fetch kept 12 MB more resident in every deploying agent).
      const signal = AbortSignal.timeout(Math.max(1, attemptEnds - Date.now()));
      const res = await sendRequest(req.url, { signal, headers: { 'user-agent': 'slipway-agent health check' } });
      res.destroy();
      const status = res.statusCode ?? 0;
      if (isSuccess(status)) return { ok: true, status, attempts, ms: elapsed() };
      last = `HTTP ${status}`;
    } catch (err) {
      // An attempt cut short by the overall deadline says less than the answer seen before it.
      const cutShort = remaining < requestTimeoutMs && attempts > 1;
      if (!(cutShort && isTimeout(err))) last = describeRequestError(err);
      if ((err as { code?: unknown }).code === 'ECONNREFUSED') listening = false;
    }
    await pause(Math.min(pollDelay(elapsed(), schedule), deadline - Date.now()), req.isAlive);
  }
  const seconds = (req.timeoutMs / 1000).toFixed(1);
  return { ok: false, attempts, ms: elapsed(), error: `no 2xx from ${req.url} within ${seconds}s (last: ${last})` };
}

/** Waits `ms`, checking liveness every 50 ms so that a dead app ends the wait early. */
async function pause(ms: number, isAlive: (() => Liveness) | undefined): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, until - Date.now())));
    if (isAlive && !isAlive().alive) return;
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

function describeRequestError(err: unknown): string {
  if (isTimeout(err)) return 'no answer in time';
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string') return code === 'ECONNREFUSED' ? 'connection refused' : code;
  return errorMessage(err);
}
