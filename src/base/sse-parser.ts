// Reads a Server-Sent Events stream as it arrives in pieces (the WHATWG event-stream format), for
// the CLI and for the web UI (both read streams with fetch, so that they can send the
// Authorization header, which EventSource cannot).

export interface SseMessage {
  /** The message's id: the last one the stream set, this message or an earlier one. */
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Feed it text with push(); it returns the messages each piece completes. As the spec says:
 * `field: value` lines, a blank line ends a message, lines starting with ":" are comments (the
 * server's heartbeats), data lines join with "\n", the event name defaults to "message", an id
 * holds until another is set, and a message without data is dropped.
 */
export class SseParser {
  private pending = '';
  private idBuffer: string | undefined;
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

  /**
   * The id to resume after when reconnecting (Last-Event-ID): that of the last message completed,
   * never of one still arriving, whose data a resume would otherwise skip.
   */
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
    else if (field === 'id' && !value.includes('\0')) this.idBuffer = value;
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    this.lastId = this.idBuffer;
    const message = this.data.length > 0 ? { id: this.idBuffer, event: this.event || 'message', data: this.data.join('\n') } : undefined;
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
