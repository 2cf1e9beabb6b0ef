// Contract tests of LogStore.search: words, phrases, prefixes and literals through the full-text
// index, every filter, and paging by id both ways. Each runs on lines just appended and on lines
// indexed (PostgreSQL fills its index behind ingest: both must give the same answers).
import { describe, expect, it } from 'vitest';
import { parseLogQuery } from '../../core/logs/parse-log-query.ts';
import type { LogSearch, Store } from '../store.ts';
import { logLine } from './fixtures.ts';
import { useStore } from './use-store.ts';

export function describeLogSearchContract(open: () => Promise<Store>): void {
  describeSearch('log search, lines just appended', open);
  describeSearch('log search, lines indexed', async () => indexingEachAppend(await open()));
  describeIndexing(open);
}

/** Indexes everything that waits (LogStore.indexPending), a few ids a pass; returns how many passes it took. */
export async function indexAll(store: Store, maxIds = 1000): Promise<number> {
  for (let passes = 1; ; passes++) {
    if ((await store.logs.indexPending(maxIds)).done) return passes;
    if (passes > 10_000) throw new Error('indexPending never reports done');
  }
}

/** The store, with every line appended indexed before append resolves. */
function indexingEachAppend(store: Store): Store {
  const append: Store['logs']['append'] = async (lines) => {
    const stored = await store.logs.append(lines);
    await indexAll(store);
    return stored;
  };
  return { ...store, logs: { ...store.logs, append } };
}

function describeIndexing(open: () => Promise<Store>): void {
  describe('log search index', () => {
    const store = useStore(open);
    const texts = async (q: string) => (await store().logs.search({ query: parseLogQuery(q), order: 'asc', limit: 100 })).map((l) => l.text);

    it('finds lines indexed and lines waiting for the index together, in id order', async () => {
      await store().logs.append([logLine('a', 1, { text: 'disk full on web-1' }), logLine('a', 2, { text: 'all fine' })]);
      await indexAll(store());
      await store().logs.append([logLine('a', 3, { text: 'disk full again' })]);
      expect(await texts('disk full')).toEqual(['disk full on web-1', 'disk full again']);
      expect((await store().logs.search({ query: parseLogQuery('disk'), order: 'desc', limit: 1 })).map((l) => l.text)).toEqual(['disk full again']);
      await indexAll(store());
      expect(await texts('"disk full"')).toEqual(['disk full on web-1', 'disk full again']);
    });

    it('indexes a large append in passes of at most the ids asked for, then has nothing left', async () => {
      await store().logs.append(Array.from({ length: 2500 }, (_, seq) => logLine('a', seq, { text: `request ${seq} served` })));
      const first = await store().logs.indexPending(1000);
      expect(first.indexed).toBeLessThanOrEqual(1000);
      await indexAll(store(), 1000);
      expect(await store().logs.indexPending(1000)).toEqual({ indexed: 0, done: true });
      expect(await texts('request 2499')).toEqual(['request 2499 served']);
      expect(await store().logs.search({ query: parseLogQuery('served'), order: 'asc', limit: 5000 })).toHaveLength(2500);
    });

    it('forgets lines that retention removed, indexed or not', async () => {
      await store().logs.append([logLine('a', 1, { at: 10, text: 'old news' })]);
      await indexAll(store());
      await store().logs.append([logLine('a', 2, { at: 20, text: 'old too' }), logLine('a', 3, { at: 30, text: 'news today' })]);
      await store().logs.deleteOlderThan(25);
      expect(await texts('old')).toEqual([]);
      await indexAll(store());
      expect(await texts('news')).toEqual(['news today']);
      expect(await texts('old')).toEqual([]);
    });
  });
}

function describeSearch(name: string, open: () => Promise<Store>): void {
  describe(name, () => {
    const store = useStore(open);
    const texts = async (q: string, filter: Partial<LogSearch> = {}) =>
      (await store().logs.search({ query: parseLogQuery(q), order: 'asc', limit: 100, ...filter })).map((l) => l.text);

    const sample = () => store().logs.append([
      logLine('a', 1, { text: 'Connection refused by db-2:5432' }),
      logLine('a', 2, { text: 'connection established; user_id=42' }),
      logLine('a', 3, { text: 'Deployment of 3-abc1234 started -> testing' }),
      logLine('a', 4, { text: 'the deploy was refused' }),
      logLine('a', 5, { text: 'café ouvert, 北京 OK' }),
    ]);

    it('finds the lines holding every word, in any case', async () => {
      await sample();
      expect(await texts('connection')).toEqual(['Connection refused by db-2:5432', 'connection established; user_id=42']);
      expect(await texts('REFUSED connection')).toEqual(['Connection refused by db-2:5432']);
      expect(await texts('refused')).toEqual(['Connection refused by db-2:5432', 'the deploy was refused']);
      expect(await texts('refused nowhere')).toEqual([]);
    });

    it('finds a quoted phrase only as words in a row', async () => {
      await sample();
      expect(await texts('"connection refused"')).toEqual(['Connection refused by db-2:5432']);
      expect(await texts('"refused connection"')).toEqual([]);
      expect(await texts('user_id=42')).toEqual(['connection established; user_id=42']);
      expect(await texts('db-2:5432')).toEqual(['Connection refused by db-2:5432']);
    });

    it('finds words by a prefix with a trailing star, and whole words only without it', async () => {
      await sample();
      expect(await texts('deploy*')).toEqual(['Deployment of 3-abc1234 started -> testing', 'the deploy was refused']);
      expect(await texts('deploy')).toEqual(['the deploy was refused']);
      expect(await texts('"3 abc"*')).toEqual(['Deployment of 3-abc1234 started -> testing']);
    });

    it('finds text without letters or digits as written', async () => {
      await sample();
      expect(await texts('->')).toEqual(['Deployment of 3-abc1234 started -> testing']);
      expect(await texts('; =')).toEqual(['connection established; user_id=42']);
    });

    it('finds words in any script', async () => {
      await sample();
      expect(await texts('café')).toEqual(['café ouvert, 北京 OK']);
      expect(await texts('北京')).toEqual(['café ouvert, 北京 OK']);
    });

    it('finds words with letters outside ASCII in any case, whole words only', async () => {
      await store().logs.append([
        logLine('a', 1, { text: 'naïve ÉCOLE started' }),
        logLine('a', 2, { text: 'ΣΊΣΥΦΟΣ rolled the stone' }),
        logLine('a', 3, { text: 'Ünïcode school' }),
      ]);
      for (const q of ['naïve', 'NAÏVE', 'école', 'ÉCOLE', 'École', '"naïve école"', 'écol*', 'naïve started']) expect(await texts(q), q).toEqual(['naïve ÉCOLE started']);
      expect(await texts('"école naïve"')).toEqual([]);
      expect(await texts('cole')).toEqual([]);
      expect(await texts('ecole')).toEqual([]);
      expect(await texts('σίσυφος')).toEqual(['ΣΊΣΥΦΟΣ rolled the stone']);
      expect(await texts('ünïcode')).toEqual(['Ünïcode school']);
      expect(await texts('ÜNÏ*')).toEqual(['Ünïcode school']);
    });

    it('finds a whole word among many lines holding it inside longer words, paging both ways', async () => {
      const whole = new Set([5, 1500, 2999]);
      await store().logs.append(Array.from({ length: 3000 }, (_, seq) => logLine('a', seq, { text: whole.has(seq) ? `deploy ${seq} done` : `DEPLOYMENT ${seq} redeploy` })));
      const seqs = async (filter: Partial<LogSearch>) => (await store().logs.search({ query: parseLogQuery('deploy'), order: 'asc', limit: 2, ...filter })).map((l) => l.seq);
      expect(await seqs({})).toEqual([5, 1500]);
      expect(await seqs({ order: 'desc', limit: 3 })).toEqual([2999, 1500, 5]);
      expect(await seqs({ order: 'desc', limit: 1 })).toEqual([2999]);
    });

    it('finds a very long word whole, and not by another sharing its first hundreds of letters', async () => {
      const head = 'é'.repeat(400) + 'x'.repeat(400);
      await store().logs.append([logLine('a', 1, { text: `long ${head}a end` }), logLine('a', 2, { text: `long ${head}b end` })]);
      expect(await texts(`${head}A`)).toEqual([`long ${head}a end`]);
      expect(await texts(`${head}c`)).toEqual([]);
      expect(await texts(`${head.toUpperCase()}*`)).toEqual([`long ${head}a end`, `long ${head}b end`]);
    });

    it('never fails on odd input: unbalanced quotes and full-text operators are plain words', async () => {
      await sample();
      for (const q of ['"connection', 'connection"', 'NEAR(connection refused)', 'connection AND refused OR x', 'NOT refused',
        '-refused', '^refused', 'text:refused', '(refused', "refused'", 'refused\\', '&|!<->', '*', '""', '" "*', 'refused:*', "'", '%_']) {
        await expect(texts(q), q).resolves.toBeInstanceOf(Array);
      }
      expect(await texts('"connection')).toHaveLength(2);
      expect(await texts('NOT refused')).toEqual([]);
      expect(await texts('%_')).toEqual([]);
    });

    it('filters by host, app, env, stream, levels, run and deployment', async () => {
      await store().logs.append([
        logLine('a', 1, { host: 'web-1', app: 'hello', env: 'testing', stream: 'app', level: 'info', runId: 'r1', deploymentId: 'd1', text: 'x one' }),
        logLine('a', 2, { host: 'web-2', app: 'hello', env: 'production', stream: 'deploy', level: 'error', runId: 'r1', deploymentId: 'd2', text: 'x two' }),
        logLine('a', 3, { host: 'web-2', app: 'other', env: 'production', stream: '/var/log/other.log', level: null, runId: null, deploymentId: null, text: 'x three' }),
      ]);
      expect(await texts('', { host: 'web-2' })).toEqual(['x two', 'x three']);
      expect(await texts('x', { app: 'hello' })).toEqual(['x one', 'x two']);
      expect(await texts('', { env: 'production', app: 'hello' })).toEqual(['x two']);
      expect(await texts('', { stream: '/var/log/other.log' })).toEqual(['x three']);
      expect(await texts('', { levels: ['warn', 'error'] })).toEqual(['x two']);
      expect(await texts('', { levels: [] })).toEqual([]);
      expect(await texts('x', { runId: 'r1' })).toEqual(['x one', 'x two']);
      expect(await texts('', { deploymentId: 'd1' })).toEqual(['x one']);
      expect(await texts('three', { host: 'web-1' })).toEqual([]);
    });

    it('filters by time from since up to, not including, until', async () => {
      await store().logs.append([10, 20, 30, 40].map((at, i) => logLine('a', i, { at, text: `at ${at}` })));
      expect(await texts('', { since: 20 })).toEqual(['at 20', 'at 30', 'at 40']);
      expect(await texts('', { until: 30 })).toEqual(['at 10', 'at 20']);
      expect(await texts('at', { since: 15, until: 35 })).toEqual(['at 20', 'at 30']);
      expect(await texts('', { since: 41 })).toEqual([]);
      expect(await texts('', { until: 10 })).toEqual([]);
    });

    it('finds lines by time across many chunks, also a late line with an old time', async () => {
      await store().logs.append(Array.from({ length: 10_000 }, (_, seq) => logLine('a', seq, { at: 100_000 + seq, text: `n${seq}` })));
      await store().logs.append([logLine('late', 0, { at: 100_005, text: 'late arrival' })]);
      expect(await texts('', { since: 109_998 })).toEqual(['n9998', 'n9999']);
      expect(await texts('', { since: 100_004, until: 100_006 })).toEqual(['n4', 'n5', 'late arrival']);
      expect(await texts('late', { until: 100_006 })).toEqual(['late arrival']);
    });

    it('pages back from the newest with beforeId and forward from the oldest with afterId', async () => {
      await store().logs.append(Array.from({ length: 7 }, (_, seq) => logLine('a', seq, { text: `match ${seq}` })));
      const page = (filter: Partial<LogSearch>) => store().logs.search({ query: parseLogQuery('match'), order: 'desc', limit: 3, ...filter });
      const first = await page({});
      expect(first.map((l) => l.seq)).toEqual([6, 5, 4]);
      const second = await page({ beforeId: first.at(-1)!.id });
      expect(second.map((l) => l.seq)).toEqual([3, 2, 1]);
      expect((await page({ beforeId: second.at(-1)!.id })).map((l) => l.seq)).toEqual([0]);

      const forward = await page({ order: 'asc', afterId: second[0]!.id });
      expect(forward.map((l) => l.seq)).toEqual([4, 5, 6]);
      expect(await page({ order: 'asc', afterId: forward.at(-1)!.id })).toEqual([]);
      const between = await store().logs.search({ order: 'asc', limit: 10, afterId: second[1]!.id, beforeId: first[0]!.id });
      expect(between.map((l) => l.seq)).toEqual([3, 4, 5]);
    });

    it('finds a line in the middle of a large append, and pages from inside it both ways', async () => {
      const stored = await store().logs.append(Array.from({ length: 3000 }, (_, seq) => logLine('a', seq, { text: `item ${seq} ${seq % 2 === 0 ? 'even' : 'odd'}` })));
      expect(await texts('1500')).toEqual(['item 1500 even']);
      const middle = stored[1500]!.id;
      const seqs = (lines: { seq: number }[]) => lines.map((l) => l.seq);
      expect(seqs(await store().logs.search({ query: parseLogQuery('odd'), order: 'asc', limit: 3, afterId: middle }))).toEqual([1501, 1503, 1505]);
      expect(seqs(await store().logs.search({ query: parseLogQuery('odd'), order: 'desc', limit: 3, beforeId: middle }))).toEqual([1499, 1497, 1495]);
      expect(seqs(await store().logs.search({ order: 'desc', limit: 2, beforeId: middle, afterId: stored[1497]!.id }))).toEqual([1499, 1498]);
      expect(seqs(await store().logs.list({ afterId: middle, limit: 2 }))).toEqual([1501, 1502]);
      expect(await store().logs.search({ query: parseLogQuery('even'), order: 'asc', limit: 5000 })).toHaveLength(1500);
    });

    it('pages the same way without a query', async () => {
      await store().logs.append(Array.from({ length: 5 }, (_, seq) => logLine('a', seq)));
      const newest = await store().logs.search({ order: 'desc', limit: 2 });
      expect(newest.map((l) => l.seq)).toEqual([4, 3]);
      expect((await store().logs.search({ order: 'desc', limit: 2, beforeId: newest[1]!.id })).map((l) => l.seq)).toEqual([2, 1]);
      expect((await store().logs.search({ order: 'asc', limit: 2, afterId: newest[1]!.id })).map((l) => l.seq)).toEqual([4]);
    });
  });
}
