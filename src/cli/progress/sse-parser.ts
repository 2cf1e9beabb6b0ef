// Reads a Server-Sent Events stream as it arrives in pieces (the WHATWG event-stream format):
// messages with their id, event name and data; comments (heartbeats) and retry hints skipped.

export interface SseMessage {
  /** The message's id, or the last one the stream set (what Last-Event-ID carries). */
  id: string | undefined;
  event: string;
  data: string;
}

export class SseParser {
  private pending = '';
  private lastId: string | undefined;
  private event = '';
  private data: string[] = [];

  /** Feeds the next piece of text; returns the messages it completed. */
  push(text: string): SseMessage[] {
    const all = this.pending + text;
    const messages: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const end = lineEnd(all, start);
      if (!end) break;
      const message = this.line(all.slice(start, end.at));
      if (message) messages.push(message);
      start = end.at + end.length;
    }
    this.pending = all.slice(start);
    return messages;
  }

  /** The id to resume after when reconnecting. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const message = this.data.length > 0 ? { id: this.lastId, event: this.event || 'message', data: this.data.join('\n') } : undefined;
    this.event = '';
    this.data = [];
    return message;
  }
}

/** Where the first complete line ends: "\r\n", "\n" or "\r" (a lone "\r" at the very end may be half of "\r\n"). */
function lineEnd(text: string, from: number): { at: number; length: number } | undefined {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') return { at: i, length: 1 };
    if (c === '\r') {
      if (i + 1 === text.length) return undefined;
      return { at: i, length: text[i + 1] === '\n' ? 2 : 1 };
    }
  }
  return undefined;
}
