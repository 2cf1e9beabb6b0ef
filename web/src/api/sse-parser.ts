// Reads the text/event-stream format from chunks as they arrive (the browser reads the stream
// with fetch, so that it can send the Authorization header, which EventSource cannot).

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Feed it chunks of text with push(); it returns the messages completed by each chunk. Follows
 * the HTML spec's parsing: `field: value` lines, a blank line ends a message, lines starting with
 * ":" are comments, data lines join with "\n", the event name defaults to "message", and a
 * message without data is dropped. `lastEventId` is the id to resume after.
 */
export class SseParser {
  lastEventId: string | undefined;
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const messages: SseMessage[] = [];
    let newline: RegExpExecArray | null;
    const lineEnd = /\r\n|\r|\n/g;
    let consumed = 0;
    while ((newline = lineEnd.exec(this.buffer)) !== null) {
      // A lone \r at the end of the buffer may be the first half of \r\n: wait for more.
      if (newline[0] === '\r' && newline.index === this.buffer.length - 1) break;
      const message = this.line(this.buffer.slice(consumed, newline.index));
      if (message) messages.push(message);
      consumed = newline.index + newline[0].length;
    }
    this.buffer = this.buffer.slice(consumed);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    if (this.id !== undefined) this.lastEventId = this.id;
    const message = this.data.length ? { id: this.id, event: this.event || 'message', data: this.data.join('\n') } : undefined;
    this.data = [];
    this.event = '';
    this.id = undefined;
    return message;
  }
}
