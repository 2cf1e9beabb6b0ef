// The Notifier port: a wake-up between the parts of Slipway that share one database, across
// server instances on PostgreSQL (LISTEN/NOTIFY), or within the one process on SQLite. A
// notification only says "look again": the data is in the store, and every receiver also polls,
// so a lost notification delays what it announces and never loses it.
// Adapters: InProcessNotifier, PostgresNotifier.

/** Channels are lowercase identifiers (they are PostgreSQL channel names). */
export const NOTIFIER_CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** A payload fits in a PostgreSQL notification (under 8000 bytes) with room to spare. */
export const MAX_NOTIFICATION_PAYLOAD = 4000;

export interface Notifier {
  /**
   * Announces `payload` on `channel` to every listener of it: on this instance (its own listeners
   * included) and on every other instance of the same database. At most once, in the order sent
   * from this notifier; it may be lost (a broken connection), so receivers poll too. Never
   * throws for a lost connection (it is logged); throws for a channel that is not a lowercase
   * identifier or a payload longer than MAX_NOTIFICATION_PAYLOAD, which are bugs.
   */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Calls `handler` with the payload of each notification on `channel` from the time the
   * returned promise resolves. Resolves once listening (also while the connection is down: it
   * listens again when it is back). Resolves to the function that stops this handler. A handler
   * that throws is logged and does not stop the others.
   */
  listen(channel: string, handler: (payload: string) => void): Promise<() => void>;
  /** Stops listening and releases the connection; no handler is called afterwards. */
  close(): Promise<void>;
}

/** Throws for what the port refuses as a programming error. */
export function checkNotification(channel: string, payload = ''): void {
  if (!NOTIFIER_CHANNEL.test(channel)) throw new Error(`not a notifier channel: ${JSON.stringify(channel)}`);
  if (payload.length > MAX_NOTIFICATION_PAYLOAD) throw new Error(`notification payload of ${payload.length} characters on ${channel}: at most ${MAX_NOTIFICATION_PAYLOAD}`);
}
