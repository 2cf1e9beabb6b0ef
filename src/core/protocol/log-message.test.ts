import { describe, expect, it } from 'vitest';
import { checkLogMessage, LOG_LINE_RULES, LOG_MESSAGE_TARGET_CHARS, logMessageSchema, MAX_LOG_LINES_PER_MESSAGE, splitForMessages } from './log-message.ts';
import { readAgentMessage } from './messages.ts';

const line = { seq: 1, at: 1_700_000_000_000, stream: 'app', text: 'GET / 200' };

function problemOf(value: { type: 'log'; lines?: unknown }): string | undefined {
  const checked = checkLogMessage(value);
  return 'problem' in checked ? checked.problem : undefined;
}

/** Values of every kind JSON can carry, and a few only a caller in-process can. */
const samples: unknown[] = [
  0, -0, 1, -1, 1.5, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e300, Number.NaN, Number.POSITIVE_INFINITY,
  '', 'x', '1', true, false, null, undefined, [], ['x'], {}, { a: 1 },
];

describe('checkLogMessage', () => {
  it('takes a batch of well-formed lines as it is, without copying it, optional fields absent, null or set', () => {
    const message = { type: 'log' as const, lines: [line, { ...line, seq: 2, level: null, app: 'shop', env: 'production', runId: 'r-1', deploymentId: null, cp: { k: 'x', v: 1 } }] };
    const checked = checkLogMessage(message);
    expect(checked).toEqual({ message });
    expect('message' in checked && checked.message).toBe(message);
  });

  it('refuses a line whose field breaks its rule, saying which line, which field and what it got', () => {
    expect(problemOf({ type: 'log', lines: [line, { ...line, seq: -1 }] })).toBe('lines.1.seq: expected a non-negative integer, got the number -1');
    expect(problemOf({ type: 'log', lines: [{ ...line, seq: 1.5 }] })).toBe('lines.0.seq: expected a non-negative integer, got the number 1.5');
    expect(problemOf({ type: 'log', lines: [{ ...line, seq: 2 ** 53 }] })).toBe('lines.0.seq: expected a non-negative integer, got the number 9007199254740992');
    expect(problemOf({ type: 'log', lines: [{ ...line, at: '2024-01-01' }] })).toBe('lines.0.at: expected a number, got a string');
    expect(problemOf({ type: 'log', lines: [{ ...line, stream: null }] })).toBe('lines.0.stream: expected a string, got null');
    expect(problemOf({ type: 'log', lines: [{ seq: 1, at: 1, stream: 'app' }] })).toBe('lines.0.text: expected a string, got nothing');
    expect(problemOf({ type: 'log', lines: [{ ...line, level: 3 }] })).toBe('lines.0.level: expected a string or null, got the number 3');
    expect(problemOf({ type: 'log', lines: [{ ...line, runId: { id: 'r-1' } }] })).toBe('lines.0.runId: expected a string or null, got an object');
    expect(problemOf({ type: 'log', lines: [{ ...line, deploymentId: ['d-1'] }] })).toBe('lines.0.deploymentId: expected a string or null, got an array');
  });

  it('never puts a string the agent sent into the problem (it may be huge, or a secret)', () => {
    expect(problemOf({ type: 'log', lines: [{ ...line, seq: 'hunter2-secret' }] })).toBe('lines.0.seq: expected a non-negative integer, got a string');
  });

  it('refuses what is no list of line objects, and more lines than one message may hold', () => {
    expect(problemOf({ type: 'log' })).toBe('lines: expected an array, got nothing');
    expect(problemOf({ type: 'log', lines: { 0: line } })).toBe('lines: expected an array, got an object');
    expect(problemOf({ type: 'log', lines: [line, 'text', null, [line]] })).toBe('lines.1: expected an object, got a string; lines.2: expected an object, got null; lines.3: expected an object, got an array');
    const tooMany = Array.from({ length: MAX_LOG_LINES_PER_MESSAGE + 1 }, (_, i) => ({ ...line, seq: i }));
    expect(problemOf({ type: 'log', lines: tooMany })).toBe(`lines: at most ${MAX_LOG_LINES_PER_MESSAGE} lines in one message, got ${MAX_LOG_LINES_PER_MESSAGE + 1}`);
    expect(problemOf({ type: 'log', lines: tooMany.slice(1) })).toBeUndefined();
  });

  it('names the first three problems of a batch broken throughout', () => {
    const broken = Array.from({ length: 1000 }, () => ({ ...line, seq: 'x', text: 5 }));
    expect(problemOf({ type: 'log', lines: broken })).toBe(
      'lines.0.seq: expected a non-negative integer, got a string; lines.0.text: expected a string, got the number 5; lines.1.seq: expected a non-negative integer, got a string');
  });

  it('holds every line to the same rules as the zod schema, field by field and value by value', () => {
    let cases = 0;
    for (const field of Object.keys(LOG_LINE_RULES)) {
      for (const value of samples) {
        const message = { type: 'log' as const, lines: [{ ...line, [field]: value }] };
        const byZod = logMessageSchema.safeParse(message).success;
        expect({ field, value, accepted: !('problem' in checkLogMessage(message)) }).toEqual({ field, value, accepted: byZod });
        cases += 1;
      }
      // And the field left out.
      const { [field]: _left, ...without } = { ...line, level: 'info' } as Record<string, unknown>;
      const message = { type: 'log' as const, lines: [without] };
      expect({ field, absent: !('problem' in checkLogMessage(message)) }).toEqual({ field, absent: logMessageSchema.safeParse(message).success });
    }
    expect(cases).toBe(Object.keys(LOG_LINE_RULES).length * samples.length);
  });
});

describe('readAgentMessage', () => {
  it('reads a log message through checkLogMessage and says what is wrong with a broken one', () => {
    const text = JSON.stringify({ type: 'log', lines: [line] });
    expect(readAgentMessage(text)).toEqual({ message: { type: 'log', lines: [line] } });
    expect(readAgentMessage(JSON.stringify({ type: 'log', lines: [{ ...line, seq: -3 }] }))).toEqual({ problem: 'lines.0.seq: expected a non-negative integer, got the number -3' });
  });

  it('says what is wrong with any other message, and with what is no JSON', () => {
    expect(readAgentMessage('{"type":"log",')).toEqual({ problem: 'not JSON' });
    expect(readAgentMessage(JSON.stringify({ type: 'progress', commandId: 'c-1' }))).toEqual({ problem: expect.stringMatching(/^message: /) as string });
    expect(readAgentMessage(JSON.stringify({ type: 'nonsense' }))).toEqual({ problem: expect.stringMatching(/^type: /) as string });
    expect(readAgentMessage(JSON.stringify({ type: 'heartbeat' }))).toEqual({ message: { type: 'heartbeat' } });
  });
});

describe('splitForMessages', () => {
  it('keeps every line, in order, in messages of at most the target size, a longer line alone', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => ({ ...line, seq: i + 1, text: i === 1000 ? 'y'.repeat(LOG_MESSAGE_TARGET_CHARS * 2) : `line ${i} ${'x'.repeat(i % 300)}` }));
    const messages = splitForMessages(lines);
    expect(messages.flat().map((l) => l.seq)).toEqual(lines.map((l) => l.seq));
    for (const message of messages) {
      if (message.some((l) => l.seq === 1001)) expect(message.map((l) => l.seq)).toEqual([1001]);
      else expect(JSON.stringify({ type: 'log', lines: message }).length).toBeLessThanOrEqual(LOG_MESSAGE_TARGET_CHARS);
    }
  });

  it('gives no message for no lines', () => {
    expect(splitForMessages([])).toEqual([]);
  });
});
