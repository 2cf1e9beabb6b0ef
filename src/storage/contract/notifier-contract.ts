// The Notifier port's contract suite: InProcessNotifier and PostgresNotifier run it, so that the
// gateway, the log tail and the event stream rely on the same wake-ups on either.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notifier } from '../notifier.ts';

/** Polls until `check` holds, or fails after `timeoutMs`. */
async function eventually(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Declares the contract tests under `name`. `open` returns a new notifier each call (one
 * instance's). What one instance hears from another is each multi-instance adapter's own test.
 * Channels are fresh per test, since PostgreSQL's are database-wide.
 */
export function describeNotifierContract(name: string, open: () => Promise<Notifier>): void {
  describe(name, () => {
    const opened: Notifier[] = [];
    const notifier = async () => {
      const n = await open();
      opened.push(n);
      return n;
    };
    const channel = (what: string) => `${what}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    afterEach(async () => {
      for (const n of opened.splice(0)) await n.close();
    });

    it('hands a notification sent after listen resolved to the listener, with its payload, its own sender included', async () => {
      const n = await notifier();
      const ch = channel('agent_commands');
      const got: string[] = [];
      await n.listen(ch, (payload) => got.push(payload));
      await n.notify(ch, 'agent-1');
      await n.notify(ch, 'agent-2');
      await eventually('both notifications', () => got.length === 2);
      expect(got).toEqual(['agent-1', 'agent-2']);
    });

    it('hands a notification to every listener of its channel and to none of another channel', async () => {
      const n = await notifier();
      const [a, b] = [channel('a'), channel('b')];
      const first: string[] = [];
      const second: string[] = [];
      const other: string[] = [];
      await n.listen(a, (p) => first.push(p));
      await n.listen(a, (p) => second.push(p));
      await n.listen(b, (p) => other.push(p));
      await n.notify(a, 'x');
      await n.notify(b, 'marker');
      // The marker on b came after x on a: once it is heard, x has been handed out too.
      await eventually('the marker', () => other.length === 1);
      await eventually('x to both listeners', () => first.length === 1 && second.length === 1);
      expect([first, second, other]).toEqual([['x'], ['x'], ['marker']]);
    });

    it('calls a handler no more once it stopped listening, while the others go on', async () => {
      const n = await notifier();
      const ch = channel('changes');
      const stopped: string[] = [];
      const going: string[] = [];
      const stop = await n.listen(ch, (p) => stopped.push(p));
      await n.listen(ch, (p) => going.push(p));
      await n.notify(ch, '1');
      await eventually('the first', () => stopped.length === 1 && going.length === 1);
      stop();
      await n.notify(ch, '2');
      await eventually('the second', () => going.length === 2);
      expect(stopped).toEqual(['1']);
    });

    it('goes on delivering to the other handlers when one throws', async () => {
      const n = await notifier();
      const ch = channel('log_lines');
      const got: string[] = [];
      await n.listen(ch, () => {
        throw new Error('a broken handler');
      });
      await n.listen(ch, (p) => got.push(p));
      await n.notify(ch, 'a');
      await n.notify(ch, 'b');
      await eventually('both', () => got.length === 2);
    });

    it('refuses a channel that is not a lowercase identifier and a payload that does not fit', async () => {
      const n = await notifier();
      await expect(n.notify('Agent Commands', 'x')).rejects.toThrow(/not a notifier channel/);
      await expect(n.listen('drop table; --', () => undefined)).rejects.toThrow(/not a notifier channel/);
      await expect(n.notify('changes', 'x'.repeat(4001))).rejects.toThrow(/at most 4000/);
    });

    it('calls no handler after close, and a notify after close does nothing', async () => {
      const n = await open();
      const ch = channel('events');
      const got: string[] = [];
      await n.listen(ch, (p) => got.push(p));
      await n.close();
      await n.notify(ch, 'late');
      const witness = await notifier();
      const seen: string[] = [];
      await witness.listen(ch, (p) => seen.push(p));
      await witness.notify(ch, 'marker');
      await eventually('the marker', () => seen.length === 1);
      expect(got).toEqual([]);
    });
  });
}
