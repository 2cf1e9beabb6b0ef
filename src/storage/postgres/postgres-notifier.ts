// The Notifier of server instances sharing one PostgreSQL database: one dedicated connection
// LISTENs to every channel someone listens to, and notifications are sent with pg_notify from a
// second one. When the listening connection breaks, it connects again (with backoff) and LISTENs
// again; what was announced meanwhile is lost, which the receivers' polling covers.
import pg from 'pg';
import { errorMessage } from '../../base/errors.ts';
import { checkNotification, type Notifier } from '../notifier.ts';

export interface PostgresNotifierOptions {
  /** Told why a notification was dropped, a handler threw or the connection broke; never throws. */
  onError?: (message: string, err: unknown) => void;
  /** The first wait before connecting again; it doubles up to maxReconnectMs. */
  reconnectMs?: number;
  maxReconnectMs?: number;
}

type Handler = (payload: string) => void;

export class PostgresNotifier implements Notifier {
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly sender: pg.Pool;
  private listener: pg.Client | undefined;
  /** The connection being opened, so that listen() waits for it rather than open a second. */
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /**
   * The LISTENs sent on the listening connection, one after the other: pg warns of a query sent
   * while another runs (and pg 9 refuses it), which several listen() calls at start-up would do.
   */
  private listening: Promise<void> = Promise.resolve();
  private attempt = 0;
  private closed = false;

  private constructor(private readonly url: string, private readonly options: PostgresNotifierOptions) {
    this.sender = new pg.Pool({ connectionString: url, max: 1 });
    // An idle sender that breaks is dropped by the pool; without a listener the error ends the process.
    this.sender.on('error', () => undefined);
  }

  /** Connects the listening connection; throws when the database cannot be reached at all. */
  static async open(url: string, options: PostgresNotifierOptions = {}): Promise<PostgresNotifier> {
    const notifier = new PostgresNotifier(url, options);
    try {
      await notifier.connect();
    } catch (err) {
      await notifier.close();
      throw err;
    }
    return notifier;
  }

  async notify(channel: string, payload: string): Promise<void> {
    checkNotification(channel, payload);
    if (this.closed) return;
    try {
      await this.sender.query('select pg_notify($1, $2)', [channel, payload]);
    } catch (err) {
      this.report(`could not notify ${channel}`, err);
    }
  }

  async listen(channel: string, handler: Handler): Promise<() => void> {
    checkNotification(channel);
    const wrapped: Handler = (payload) => handler(payload);
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      await this.connecting;
      // While disconnected, the reconnect LISTENs to every channel with handlers.
      const listener = this.listener;
      if (listener) {
        this.listening = this.listening.then(() => listener.query(`listen ${channel}`))
          .then(() => undefined, (err: unknown) => this.report(`could not listen to ${channel}`, err));
        await this.listening;
      }
    }
    set.add(wrapped);
    return () => void this.handlers.get(channel)?.delete(wrapped);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.handlers.clear();
    await this.connecting?.catch(() => undefined);
    const listener = this.listener;
    this.listener = undefined;
    await Promise.all([listener?.end().catch(() => undefined), this.sender.end().catch(() => undefined)]);
  }

  private connect(): Promise<void> {
    this.connecting = (async () => {
      const client = new pg.Client({ connectionString: this.url });
      let lost = false;
      const onLost = (err?: unknown) => {
        if (lost) return;
        lost = true;
        if (this.listener === client) this.listener = undefined;
        client.end().catch(() => undefined);
        if (this.closed) return;
        this.report('the notification connection broke; connecting again', err ?? new Error('connection ended'));
        this.scheduleReconnect();
      };
      client.on('error', onLost);
      client.on('end', () => onLost());
      client.on('notification', (message) => this.dispatch(message.channel, message.payload ?? ''));
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`listen ${channel}`);
      if (this.closed) {
        lost = true;
        await client.end();
        return;
      }
      this.listener = client;
      this.attempt = 0;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    const first = this.options.reconnectMs ?? 250;
    const wait = Math.min(this.options.maxReconnectMs ?? 5_000, first * 2 ** this.attempt);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      if (this.closed) return;
      this.connect().catch((err: unknown) => {
        this.report('could not connect for notifications; trying again', err);
        this.scheduleReconnect();
      });
    }, wait);
  }

  private dispatch(channel: string, payload: string): void {
    for (const handler of [...(this.handlers.get(channel) ?? [])]) {
      try {
        handler(payload);
      } catch (err) {
        this.report(`a handler of ${channel} failed`, err);
      }
    }
  }

  private report(message: string, err: unknown): void {
    try {
      this.options.onError?.(`${message}: ${errorMessage(err)}`, err);
    } catch {
      // a reporter that throws must not break delivery
    }
  }
}
