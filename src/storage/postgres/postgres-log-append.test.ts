// The PostgreSQL append's check for resent lines (SLIPWAY_TEST_POSTGRES_URL): a chunk without gaps
// in its seqs is known by its range, never unpacked, so that an agent sending seq 0 and 2^53 - 1
// together does not make every append unpack each chunk it ever stored; a chunk with gaps (stored
// before chunks were cut at gaps) is unpacked, and its seqs still count.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { logLine } from '../contract/fixtures.ts';
import { dropSchemas } from './drop-schemas-fixture.ts';
import type { Store } from '../store.ts';
import { openPostgresStore } from './postgres-store.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;

describe.skipIf(url === undefined || url === '')('PostgreSQL log append', { timeout: 30_000 }, () => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(url!, schemas), 60_000);

  /** Runs `test` with a store on a schema of its own and a client to plant rows there. */
  async function withStore(test: (store: Store, client: pg.Client, schema: string) => Promise<void>): Promise<void> {
    const schema = `slipway_test_append_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`;
    schemas.push(schema);
    const store = await openPostgresStore(url!, { schema });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await test(store, client, schema);
    } finally {
      await client.end();
      await store.close();
    }
  }

  it('reads no body of a chunk stored without gaps in its seqs when looking for resends', () => withStore(async (store, client, schema) => {
    await store.logs.append(Array.from({ length: 100 }, (_, seq) => logLine('agent-1', seq)));
    // A chunk between seq 100 and 2^53 - 1 that no read may unpack: its seq is not a number.
    await client.query(`insert into "${schema}".log_line_chunks (source, first_seq, last_seq, min_at, max_at, lines, bytes, scope, body)
      values ('agent-1', 5000, 5000, 0, 0, 1, 1, '{}', '[[0, "not a seq", "web-1", null, null, "app", null, null, null, "t"]]')`);
    const stored = await store.logs.append([logLine('agent-1', 10), logLine('agent-1', Number.MAX_SAFE_INTEGER)]);
    expect(stored.map((l) => l.seq)).toEqual([Number.MAX_SAFE_INTEGER]);
  }));

  it('finds resends in chunks with gaps as stored before, and cuts new chunks at every gap in seqs', () => withStore(async (store, client, schema) => {
    // As an older server stored them: one chunk holding seqs 3, 7 and 9 (range 3-9, 3 lines).
    const old = [3, 7, 9].map((seq) => [0, seq, 'web-1', null, null, 'app', null, null, null, `old ${seq}`]);
    await client.query(`insert into "${schema}".log_line_chunks (source, first_seq, last_seq, min_at, max_at, lines, bytes, scope, body)
      values ('agent-1', 3, 9, 0, 0, 3, 15, '{}', $1)`, [JSON.stringify(old)]);
    const spread = [0, 1, 2, 5, 7, 9, 10, 1000, 2 ** 40];
    const stored = await store.logs.append(spread.map((seq) => logLine('agent-1', seq)));
    expect(stored.map((l) => l.seq)).toEqual([0, 1, 2, 5, 10, 1000, 2 ** 40]);
    const { rows } = await client.query<{ first_seq: string; last_seq: string; lines: number }>(
      `select first_seq, last_seq, lines from "${schema}".log_line_chunks where first_seq <> 3 order by id`);
    expect(rows.map((r) => [Number(r.first_seq), Number(r.last_seq), r.lines])).toEqual([[0, 2, 3], [5, 5, 1], [10, 10, 1], [1000, 1000, 1], [2 ** 40, 2 ** 40, 1]]);
    // Sent again, with new ones in between: only those are stored.
    const again = await store.logs.append([...spread, 4, 6, 8].map((seq) => logLine('agent-1', seq)));
    expect(again.map((l) => l.seq)).toEqual([4, 6, 8]);
  }));
});
