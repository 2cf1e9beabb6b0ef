// Reading Server-Sent Events as they arrive in pieces of any size.
import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.ts';

describe('SseParser', () => {
  it('reads messages with their id and event name, skipping comments and retry hints', () => {
    const parser = new SseParser();
    const messages = parser.push('retry: 2000\n\n: keep-alive\n\nid: 7\nevent: event\ndata: {"a":1}\n\nid: 8\ndata: plain\n\n');
    expect(messages).toEqual([{ id: '7', event: 'event', data: '{"a":1}' }, { id: '8', event: 'message', data: 'plain' }]);
    expect(parser.lastEventId).toBe('8');
  });

  it('puts together a message split anywhere, also between the CR and LF of a line end', () => {
    const text = 'id: 1\r\nevent: event\r\ndata: first\r\n\r\nid: 2\r\nevent: event\r\ndata: second\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new SseParser();
      const messages = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(messages.map((m) => `${m.id}:${m.data}`), `cut at ${cut}`).toEqual(['1:first', '2:second']);
    }
  });

  it('joins several data lines with newlines, with or without a space after the colon, and keeps the last id for messages without one', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\ndata: a\ndata:b\n\ndata:c\n\n')).toEqual([
      { id: '3', event: 'message', data: 'a\nb' },
      { id: '3', event: 'message', data: 'c' },
    ]);
    expect(new SseParser().push('data: real\n\n')).toEqual([{ id: undefined, event: 'message', data: 'real' }]);
  });

  it('sends nothing for a message without data, though its id counts', () => {
    const parser = new SseParser();
    expect(parser.push('id: 4\nevent: event\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([]);
    expect(parser.lastEventId).toBe('4');
  });

  it('resumes after the last message completed, not one still arriving', () => {
    const parser = new SseParser();
    parser.push('id: 5\ndata: done\n\n');
    expect(parser.push('id: 6\ndata: {"x"')).toEqual([]);
    expect(parser.lastEventId).toBe('5');
    expect(parser.push(':1}\n\n')).toEqual([{ id: '6', event: 'message', data: '{"x":1}' }]);
    expect(parser.lastEventId).toBe('6');
  });
});
