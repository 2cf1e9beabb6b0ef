// Contract tests of the central log's retention: by age and by estimated size, the full-text
// index losing the same lines, and the size ledger staying exact.
import { describe, expect, it } from 'vitest';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import type { Store } from '../store.ts';
import { logLine } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeLogRetentionContract(open: () => Promise<Store>): void {
  describe('log retention', () => {
    const store = useStore(open);
    const all = () => store().logs.search({ order: 'asc', limit: 100_000 });

    it('counts the lines stored and their bytes: UTF-8 text plus 400 each', async () => {
      expect(await store().logs.size()).toEqual({ lines: 0, bytes: 0 });
      await store().logs.append([logLine('a', 1, { text: 'abc' }), logLine('a', 2, { text: 'é' }), logLine('a', 2, { text: 'dup' })]);
      expect(await store().logs.size()).toEqual({ lines: 2, bytes: 3 + 400 + 2 + 400 });
    });

    it('removes exactly the lines older than a time, and search no longer finds them', async () => {
      await store().logs.append([
        logLine('a', 1, { at: 100, text: 'ancient alpha' }),
        logLine('a', 2, { at: 300, text: 'recent beta' }),
        logLine('b', 1, { at: 150, text: 'ancient gamma' }),
        logLine('a', 3, { at: 200, text: 'borderline delta' }),
      ]);
      expect(await store().logs.deleteOlderThan(200)).toBe(2);
      expect((await all()).map((l) => l.text)).toEqual(['recent beta', 'borderline delta']);
      expect(await store().logs.search({ query: parseLogQuery('ancient'), order: 'asc', limit: 10 })).toEqual([]);
      expect(await store().logs.size()).toEqual({ lines: 2, bytes: 'recent beta'.length + 'borderline delta'.length + 800 });
      expect(await store().logs.deleteOlderThan(200)).toBe(0);
    });

    it('removes old lines across many chunks and keeps a late line with a new time', async () => {
      await store().logs.append(Array.from({ length: 10_000 }, (_, seq) => logLine('a', seq, { at: 1000 + seq, text: `old ${seq}` })));
      await store().logs.append([logLine('b', 0, { at: 50_000, text: 'new one' })]);
      expect(await store().logs.deleteOlderThan(1000 + 9_990)).toBe(9_990);
      const left = await all();
      expect(left.map((l) => l.text)).toEqual([...Array.from({ length: 10 }, (_, i) => `old ${9_990 + i}`), 'new one']);
      expect((await store().logs.size()).lines).toBe(11);
      expect((await store().logs.search({ query: parseLogQuery('old'), order: 'asc', limit: 100 })).length).toBe(10);
    });

    it('removes the old lines of an append that straddles the time, keeping the ids of the others', async () => {
      const stored = await store().logs.append(Array.from({ length: 3000 }, (_, seq) => logLine('a', seq, { at: seq % 2 === 0 ? 10 : 20, text: `mixed ${seq}` })));
      expect(await store().logs.deleteOlderThan(15)).toBe(1500);
      const left = await all();
      expect(left).toEqual(stored.filter((l) => l.at === 20));
      expect((await store().logs.search({ query: parseLogQuery('mixed'), order: 'desc', limit: 2, beforeId: stored[1501]!.id })).map((l) => l.seq)).toEqual([1499, 1497]);
      expect(await store().logs.size()).toEqual({ lines: 1500, bytes: left.reduce((sum, l) => sum + l.text.length + 400, 0) });
      // A line removed is no longer stored: sent again, it is stored again, after the others.
      const [again] = await store().logs.append([logLine('a', 0, { at: 30 }), logLine('a', 1, { at: 30 })]);
      expect(again!.seq).toBe(0);
      expect(again!.id).toBeGreaterThan(stored.at(-1)!.id);
      expect(await store().logs.maxSeq('a')).toBe(2999);
    });

    it('marks the highest seq of each source it removed, a mark that only rises, and answers the seqs left', async () => {
      const sorted = (seqs: Set<number>) => [...seqs].sort((a, b) => a - b);
      await store().logs.append([
        ...Array.from({ length: 10 }, (_, seq) => logLine('a', seq, { at: seq % 2 === 0 ? 100 : 300 })),
        logLine('b', 2 ** 40, { at: 150 }),
        logLine('c', 1, { at: 300 }),
      ]);
      expect(await store().logs.deleteOlderThan(200)).toBe(6);
      expect([await store().logs.seqMark('a'), await store().logs.seqMark('b'), await store().logs.seqMark('c')]).toEqual([8, 2 ** 40, -1]);
      expect(sorted(await store().logs.storedSeqs('a', 0, 9))).toEqual([1, 3, 5, 7, 9]);
      // A line of a lower seq removed later leaves the mark as it is.
      await store().logs.append([logLine('a', 0, { at: 50, text: 'x' })]);
      expect(await store().logs.deleteOlderThan(60)).toBe(1);
      expect(await store().logs.seqMark('a')).toBe(8);
      // By size: the oldest lines, some of a chunk or whole chunks.
      const perLine = (await store().logs.size()).bytes / 6;
      expect(await store().logs.deleteToFitSize(perLine * 4)).toBe(2);
      expect(await store().logs.seqMark('a')).toBe(8);
      expect(sorted(await store().logs.storedSeqs('a', 0, 9))).toEqual([5, 7, 9]);
      await store().logs.append(Array.from({ length: 3000 }, (_, i) => logLine('d', i)));
      expect(await store().logs.deleteToFitSize(0)).toBe(3004);
      expect([await store().logs.seqMark('a'), await store().logs.seqMark('c'), await store().logs.seqMark('d')]).toEqual([9, 1, 2999]);
    });

    it('removes the oldest lines until the size fits, keeping the newest', async () => {
      const lines = Array.from({ length: 10_000 }, (_, seq) => logLine('a', seq, { text: `line number ${String(seq).padStart(5, '0')}` }));
      await store().logs.append(lines);
      const perLine = 'line number 00000'.length + 400;
      expect(await store().logs.size()).toEqual({ lines: 10_000, bytes: 10_000 * perLine });
      const removed = await store().logs.deleteToFitSize(2_500 * perLine + 10);
      expect(removed).toBe(7_500);
      const size = await store().logs.size();
      expect(size).toEqual({ lines: 2_500, bytes: 2_500 * perLine });
      const left = await all();
      expect(left[0]!.seq).toBe(7_500);
      expect(left.at(-1)!.seq).toBe(9_999);
      expect((await store().logs.search({ query: parseLogQuery('00042'), order: 'asc', limit: 10 }))).toEqual([]);
      expect((await store().logs.search({ query: parseLogQuery('09999'), order: 'asc', limit: 10 })).length).toBe(1);
      expect(await store().logs.deleteToFitSize(size.bytes)).toBe(0);
    });

    it('removes everything to fit a size of zero, and stores new lines after it with greater ids', async () => {
      const [first] = await store().logs.append([logLine('a', 1), logLine('a', 2)]);
      expect(await store().logs.deleteToFitSize(0)).toBe(2);
      expect(await store().logs.size()).toEqual({ lines: 0, bytes: 0 });
      const [next] = await store().logs.append([logLine('a', 3)]);
      expect(next!.id).toBeGreaterThan(first!.id + 1);
      expect(await store().logs.append([logLine('a', 2)])).toHaveLength(1);
    });
  });
}
