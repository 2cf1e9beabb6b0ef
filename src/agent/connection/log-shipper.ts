// Sends the spool's lines to the server in order and in batches, a bounded window ahead of the
// server's acknowledgements; after a reconnect it starts again from the last acknowledged line.
import { splitForMessages } from '../../core/protocol/log-message.ts';
import type { LogLineIn } from '../../core/protocol/messages.ts';
import type { LogSpool } from '../spool/log-spool.ts';

export interface LogShipperOptions {
  spool: LogSpool;
  /** Sends one batch; returns false when not connected. */
  send: (lines: LogLineIn[]) => boolean;
  /**
   * Lines read from the spool at a time (default 2000), sent in messages of about
   * LOG_MESSAGE_TARGET_CHARS each (splitForMessages).
   */
  maxBatch?: number;
  /** Lines sent and not yet acknowledged, at most (default 20,000). */
  window?: number;
  /** Called when reading the spool fails (the shipper tries again with the next event). */
  onError?: (err: unknown) => void;
}

/**
 * Ships what the spool holds. `connected()` after every (re)connection resends everything after
 * the server's last acknowledgement (the server ignores lines it already stored); `acknowledge`
 * passes the server's log_ack to the spool and sends more; lines made durable by the spool are
 * sent as they come. Sending stops while disconnected.
 */
export class LogShipper {
  private online = false;
  private sentUpTo = 0;
  private pumping: Promise<void> | undefined;
  private again = false;
  private readonly stopListening: () => void;

  constructor(private readonly options: LogShipperOptions) {
    this.stopListening = options.spool.onDurable(() => this.pump());
  }

  /** The connection is (again) open: start over from the server's last acknowledgement. */
  connected(): void {
    this.online = true;
    this.sentUpTo = this.options.spool.acked;
    this.pump();
  }

  disconnected(): void {
    this.online = false;
  }

  /** The server stored every line up to `seq`. */
  acknowledge(seq: number): void {
    this.options.spool.acknowledge(seq);
    this.pump();
  }

  /** Resolves once the shipper has sent what it can for now (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  close(): void {
    this.online = false;
    this.stopListening();
  }

  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.sendWhatFits()
      .catch((err: unknown) => this.options.onError?.(err))
      .finally(() => {
        this.pumping = undefined;
        if (this.again) {
          this.again = false;
          this.pump();
        }
      });
  }

  private async sendWhatFits(): Promise<void> {
    const { spool, send } = this.options;
    const maxBatch = this.options.maxBatch ?? 2000;
    const window = this.options.window ?? 20_000;
    // An ack may come from before a reconnect; never send from below it.
    this.sentUpTo = Math.max(this.sentUpTo, spool.acked);
    while (this.online && this.sentUpTo - spool.acked < window) {
      const from = this.sentUpTo;
      const lines = await spool.read(from, Math.min(maxBatch, window - (from - spool.acked)));
      // A reconnect while reading starts over from the acknowledgement: this batch is stale.
      if (lines.length === 0 || !this.online || this.sentUpTo !== from) return;
      for (const message of splitForMessages(lines)) {
        if (!send(message)) {
          this.online = false;
          return;
        }
        this.sentUpTo = message.at(-1)!.seq;
      }
    }
  }
}
