import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.ts';

describe('SseParser', () => {
  it('reads a message with an id, an event name and JSON data', () => {
    const parser = new SseParser();
    expect(parser.push('id: 7\nevent: line\ndata: {"text":"hi"}\n\n')).toEqual([{ id: '7', event: 'line', data: '{"text":"hi"}' }]);
    expect(parser.lastEventId).toBe('7');
  });

  it('puts together messages split across chunks anywhere, even inside \\r\\n', () => {
    const parser = new SseParser();
    const text = 'retry: 2000\r\n\r\nid: 1\r\nevent: event\r\ndata: {"a":1}\r\n\r\nid: 2\r\ndata: x\r\n\r\n';
    const messages = [];
    for (const char of text) messages.push(...parser.push(char));
    expect(messages).toEqual([
      { id: '1', event: 'event', data: '{"a":1}' },
      { id: '2', event: 'message', data: 'x' },
    ]);
  });

  it('skips comments such as heartbeats and messages without data', () => {
    const parser = new SseParser();
    expect(parser.push(': keep-alive\n\nevent: nothing\n\ndata: real\n\n')).toEqual([{ id: undefined, event: 'message', data: 'real' }]);
  });

  it('joins several data lines with newlines and keeps a value without a space after the colon', () => {
    const parser = new SseParser();
    expect(parser.push('data:one\ndata: two\n\n')).toEqual([{ id: undefined, event: 'message', data: 'one\ntwo' }]);
  });

  it('holds back an unfinished message until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\ndata: {"x"')).toEqual([]);
    expect(parser.lastEventId).toBeUndefined();
    expect(parser.push(':1}\n\n')).toEqual([{ id: '3', event: 'message', data: '{"x":1}' }]);
  });
});
