// The Notifier of a server alone on its database (SQLite): notifications go to the listeners in
// this process, each on a later turn of the event loop, as they would come from PostgreSQL.
import { checkNotification, type Notifier } from './notifier.ts';

export class InProcessNotifier implements Notifier {
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;

  constructor(private readonly onHandlerError: (err: unknown, channel: string) => void = () => undefined) {}

  notify(channel: string, payload: string): Promise<void> {
    const refused = refusal(channel, payload);
    if (refused) return refused;
    if (this.closed) return Promise.resolve();
    // The listeners as of now: one that stops meanwhile is not called.
    const handlers = [...(this.handlers.get(channel) ?? [])];
    if (handlers.length > 0) {
      setImmediate(() => {
        for (const handler of handlers) {
          if (this.closed || !this.handlers.get(channel)?.has(handler)) continue;
          try {
            handler(payload);
          } catch (err) {
            this.onHandlerError(err, channel);
          }
        }
      });
    }
    return Promise.resolve();
  }

  listen(channel: string, handler: (payload: string) => void): Promise<() => void> {
    const refused = refusal(channel, '');
    if (refused) return refused;
    // A distinct function per call, so listening twice with one handler stops one at a time.
    const wrapped = (payload: string) => handler(payload);
    if (!this.closed) {
      let set = this.handlers.get(channel);
      if (!set) this.handlers.set(channel, (set = new Set()));
      set.add(wrapped);
    }
    return Promise.resolve(() => void this.handlers.get(channel)?.delete(wrapped));
  }

  close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    return Promise.resolve();
  }
}

/** A rejected promise for what the port refuses (a bug), as an async adapter would give. */
function refusal(channel: string, payload: string): Promise<never> | undefined {
  try {
    checkNotification(channel, payload);
    return undefined;
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
