// Ids that a request gives (a Last-Event-ID header, after=, before=, limit=) on the whole HTTP app,
// over SQLite and, with SLIPWAY_TEST_POSTGRES_URL, over PostgreSQL, whose bigint columns refuse
// "1e+30" or "1.5": each bad one is a 400 that names it, never a 500 or a stream that ends at once.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addProjectWithRun } from '../../storage/contract/fixtures.ts';
import { dropSchemas } from '../../storage/postgres/drop-schemas-fixture.ts';
import { openPostgresStore } from '../../storage/postgres/postgres-store.ts';
import type { Store } from '../../storage/store.ts';
import { ADMIN_TOKEN, startApiFixture, type ApiFixture } from './api-fixture.ts';

const postgresUrl = process.env.SLIPWAY_TEST_POSTGRES_URL || undefined;
const schemas: string[] = [];

const stores: [string, () => Promise<Store | undefined>][] = [['SQLite', () => Promise.resolve(undefined)]];
if (postgresUrl !== undefined) {
  stores.push(['PostgreSQL', () => {
    const schema = `slipway_test_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
    schemas.push(schema);
    return openPostgresStore(postgresUrl, { schema });
  }]);
}

afterAll(async () => {
  if (postgresUrl !== undefined) await dropSchemas(postgresUrl, schemas);
}, 60_000);

/** Not ids: above 2^53, far above a bigint, negative, fractional, in exponent notation, not a number. */
const notIds = ['9007199254740993', '99999999999999999999', '-1', '1.5', '1e30', 'abc'];

describe.each(stores)('ids in requests over %s', (_name, openStore) => {
  let api: ApiFixture;
  let url: string;
  const streams: AbortController[] = [];

  beforeEach(async () => {
    api = await startApiFixture({ store: await openStore() });
    await addProjectWithRun(api.store);
    url = await api.app.listen({ port: 0, host: '127.0.0.1' });
  }, 30_000);

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.abort();
    await api.close();
  });

  /** A GET over a real socket: a stream that opens is left open (aborted after the test) and answers 200 with no body read. */
  async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; message?: string }> {
    const abort = new AbortController();
    streams.push(abort);
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers }, signal: abort.signal });
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) return { status: response.status };
    const body = await response.json() as { error?: { code: string; message: string } };
    return { status: response.status, message: body.error === undefined ? undefined : `${body.error.code}: ${body.error.message}` };
  }

  it('refuses a Last-Event-ID that is not an id, saying so, on both streams', async () => {
    for (const path of ['/api/v1/events/stream', '/api/v1/logs/tail']) {
      for (const id of notIds) {
        expect(await get(path, { 'last-event-id': id }), `${path} ${id}`).toEqual({
          status: 400,
          message: `SLIPWAY_INVALID_REQUEST: invalid Last-Event-ID header "${id}": expected the id of an item this stream sent, a whole number from 0 to 9007199254740991`,
        });
      }
    }
  });

  it('refuses after=, before= and limit= that are not whole numbers, naming the parameter', async () => {
    const paths = [
      '/api/v1/events?after=', '/api/v1/events/stream?after=', '/api/v1/logs?after=', '/api/v1/logs?before=', '/api/v1/logs/tail?after=',
      '/api/v1/audit?before=', '/api/v1/projects/hello/runs/1/log?after=', '/api/v1/projects/hello/runs/1/log?limit=', '/api/v1/projects/hello/runs?limit=',
    ];
    for (const path of paths) {
      const parameter = /[?&](\w+)=$/.exec(path)![1]!;
      for (const id of notIds) {
        const answer = await get(`${path}${encodeURIComponent(id)}`);
        expect(answer.status, `${path}${id}`).toBe(400);
        expect(answer.message, `${path}${id}`).toMatch(new RegExp(`^SLIPWAY_INVALID_REQUEST: invalid .*: ${parameter}: expected .*: a whole number from 0 to 9007199254740991$`));
      }
    }
  });

  it('refuses a time (since=, until=) too large for a bigint column, naming the parameter', async () => {
    for (const path of ['/api/v1/audit?since=', '/api/v1/logs?since=', '/api/v1/logs?until=']) {
      const parameter = /[?&](\w+)=$/.exec(path)![1]!;
      for (const time of ['99999999999999999999', '1'.repeat(400)]) {
        const answer = await get(`${path}${time}`);
        expect(answer.status, `${path}${time}`).toBe(400);
        expect(answer.message, `${path}${time}`).toMatch(new RegExp(`^SLIPWAY_INVALID_REQUEST: invalid .*: ${parameter}: expected `));
      }
    }
  });

  it('takes the largest id as any other', async () => {
    const largest = String(Number.MAX_SAFE_INTEGER);
    expect(await get('/api/v1/events/stream', { 'last-event-id': largest })).toEqual({ status: 200 });
    expect(await get('/api/v1/logs/tail', { 'last-event-id': ` ${largest} ` })).toEqual({ status: 200 });
    expect(await get(`/api/v1/events?after=${largest}`)).toEqual({ status: 200, message: undefined });
    expect(await get(`/api/v1/projects/hello/runs/1/log?after=${largest}&limit=99999`)).toEqual({ status: 200, message: undefined });
    expect(await get('/api/v1/projects/hello/runs?limit=0')).toEqual({ status: 200, message: undefined });
  });
});
