// Contract tests of LogStore: the central log, deduplicated by (source, seq) so resends are harmless.
import { describe, expect, it } from 'vitest';
import type { NewLogLine, Store } from '../store.ts';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import { logLine } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeLogStoreContract(open: () => Promise<Store>): void {
  describe('logs', () => {
    const store = useStore(open);

    it('stores lines in order and reads them back with growing ids', async () => {
      const lines = [logLine('agent-1', 0, { level: 'info', runId: 'r1' }), logLine('agent-1', 1), logLine('server', 0, { host: 'server' })];
      const appended = await store().logs.append(lines);
      const stored = await store().logs.list({ limit: 10 });
      expect(appended).toEqual(stored);
      expect(stored.map(({ id: _id, ...line }) => line)).toEqual(lines);
      expect(stored[1]!.id).toBeGreaterThan(stored[0]!.id);
      expect(stored[2]!.id).toBeGreaterThan(stored[1]!.id);
    });

    it('skips lines whose source and seq are already stored, and returns only the new ones', async () => {
      const count = (lines: NewLogLine[]) => store().logs.append(lines).then((stored) => stored.length);
      expect(await count([logLine('agent-1', 0), logLine('agent-1', 1)])).toBe(2);
      const resent = await store().logs.append([logLine('agent-1', 1, { text: 'resent' }), logLine('agent-1', 2), logLine('agent-2', 1)]);
      expect(resent.map((l) => [l.source, l.seq])).toEqual([['agent-1', 2], ['agent-2', 1]]);
      expect(await count([logLine('agent-3', 5), logLine('agent-3', 5, { text: 'second copy' })])).toBe(1);
      expect(await count([])).toBe(0);
      const texts = (await store().logs.list({ limit: 10 })).map((l) => l.text);
      expect(texts).toEqual(['line 0 from agent-1', 'line 1 from agent-1', 'line 2 from agent-1', 'line 1 from agent-2', 'line 5 from agent-3']);
    });

    it('answers which seqs of a source are stored in a range, and -1 as the mark of a source retention never touched', async () => {
      await store().logs.append([logLine('server', 1), logLine('server', 2), logLine('agent-1', 3), logLine('server', 5)]);
      await store().logs.append([logLine('server', 4), logLine('server', 2), logLine('server', 9), logLine('server', 2 ** 40)]);
      expect([...await store().logs.storedSeqs('server', 2, 9)].sort((a, b) => a - b)).toEqual([2, 4, 5, 9]);
      expect([...await store().logs.storedSeqs('server', 6, 8)]).toEqual([]);
      expect([...await store().logs.storedSeqs('server', 2 ** 40, 2 ** 41)]).toEqual([2 ** 40]);
      expect([...await store().logs.storedSeqs('agent-2', 0, 10)]).toEqual([]);
      expect(await store().logs.seqMark('server')).toBe(-1);
    });

    it('numbers units of commit in order: consecutive ids of appends one after another are in one unit or the next', async () => {
      const first = await store().logs.append(Array.from({ length: 2_500 }, (_, seq) => logLine('agent-1', seq)));
      const second = await store().logs.append([logLine('agent-2', 0), logLine('agent-1', 2_500)]);
      const units = [...first, ...second].map((l) => store().logs.commitUnitOf(l.id));
      for (let i = 1; i < units.length; i++) expect(units[i]! - units[i - 1]!).toBeOneOf([0, 1]);
      expect(units.at(-1)).toBeGreaterThan(units[0]!);
    });

    it('stores a batch of thousands of lines at once', async () => {
      const lines = Array.from({ length: 10_000 }, (_, seq) => logLine('agent-1', seq));
      expect((await store().logs.append(lines)).length).toBe(10_000);
      expect((await store().logs.append(lines.slice(9_000).concat(logLine('agent-1', 10_000)))).length).toBe(1);
      expect(await store().logs.maxSeq('agent-1')).toBe(10_000);
    });

    it('stores NUL characters as U+FFFD, which every database can hold', async () => {
      const [stored] = await store().logs.append([logLine('agent-1', 0, { text: 'a\0b' })]);
      expect(stored!.text).toBe('a\uFFFDb');
      expect((await store().logs.list({ limit: 1 }))[0]!.text).toBe('a\uFFFDb');
    });

    it('stores a lone UTF-16 surrogate as U+FFFD, and the lines stored with it stay readable and searchable', async () => {
      // A JS string may hold half a surrogate pair (from JSON's "\\ud800"); no database text can.
      const [stored] = await store().logs.append([logLine('agent-1', 0, { text: 'x\uD800y' }), logLine('agent-1', 1, { text: 'z\uDC00 marker' })]);
      expect(stored!.text).toBe('x\uFFFDy');
      expect((await store().logs.list({ limit: 5 })).map((l) => l.text)).toEqual(['x\uFFFDy', 'z\uFFFD marker']);
      while (!(await store().logs.indexPending(1000)).done);
      expect((await store().logs.search({ query: parseLogQuery('marker'), order: 'asc', limit: 5 })).map((l) => l.seq)).toEqual([1]);
    });

    it('answers the highest seq stored for a source, or -1', async () => {
      await store().logs.append([logLine('agent-1', 7), logLine('agent-1', 3), logLine('agent-2', 9)]);
      expect(await store().logs.maxSeq('agent-1')).toBe(7);
      expect(await store().logs.maxSeq('agent-3')).toBe(-1);
    });

    it('answers the highest seq of many sources at once, leaving out those without a line', async () => {
      // Across more than one chunk of PostgreSQL's (a chunk per 1,000 lines or so) and a second source.
      await store().logs.append([...Array.from({ length: 2_500 }, (_, seq) => logLine('agent-1', seq)), logLine('agent-2', 2 ** 40), logLine('agent-2', 4)]);
      await store().logs.append([logLine('agent-1', 2_500)]);
      const maxima = await store().logs.maxSeqOf(['agent-1', 'agent-2', 'agent-3', 'agent-1']);
      expect(maxima).toEqual(new Map([['agent-1', 2_500], ['agent-2', 2 ** 40]]));
      expect(await store().logs.maxSeqOf([])).toEqual(new Map());
    });

    it('keeps seq numbers beyond 32 bits', async () => {
      await store().logs.append([logLine('agent-1', 2 ** 40)]);
      expect(await store().logs.maxSeq('agent-1')).toBe(2 ** 40);
    });

    it('lists the lines of one run, deployment or host after a given id, up to the limit', async () => {
      await store().logs.append([
        logLine('a', 1, { runId: 'r1' }),
        logLine('a', 2, { deploymentId: 'd1', host: 'web-2' }),
        logLine('a', 3, { runId: 'r1', deploymentId: 'd1' }),
        logLine('a', 4, { runId: 'r1' }),
        logLine('a', 5, { host: 'web-2' }),
      ]);
      const seqs = (filter: Parameters<Store['logs']['list']>[0]) => store().logs.list(filter).then((list) => list.map((l) => l.seq));
      expect(await seqs({ runId: 'r1', limit: 10 })).toEqual([1, 3, 4]);
      expect(await seqs({ runId: 'r1', limit: 2 })).toEqual([1, 3]);
      expect(await seqs({ deploymentId: 'd1', limit: 10 })).toEqual([2, 3]);
      expect(await seqs({ host: 'web-2', limit: 10 })).toEqual([2, 5]);
      const [first] = await store().logs.list({ runId: 'r1', limit: 1 });
      expect(await seqs({ runId: 'r1', afterId: first!.id, limit: 10 })).toEqual([3, 4]);
    });
  });
}
