// The introspector the migrator reads the catalog with (SLIPWAY_TEST_POSTGRES_URL): it must not
// fail while other sessions drop schemas and tables, as other server databases and test runs do.
import { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { CurrentSchemaPostgresDialect } from './current-schema-dialect.ts';
import { dropSchemas } from './drop-schemas-fixture.ts';

const url = process.env.SLIPWAY_TEST_POSTGRES_URL;

describe.skipIf(url === undefined || url === '')('CurrentSchemaPostgresDialect', { timeout: 60_000 }, () => {
  const prefix = `slipway_test_churn_${globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const own = `${prefix}_own`;
  const churned: string[] = [];
  afterAll(() => dropSchemas(url!, [own, ...churned]), 60_000);

  it('lists the current schema\'s tables while other sessions drop schemas and tables', async () => {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    await setup.query(`create schema "${own}"; create table "${own}".kysely_migration (name text); create table "${own}".runs (id text)`);
    await setup.end();
    const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${own}`, max: 2 });
    const db = new Kysely<unknown>({ dialect: new CurrentSchemaPostgresDialect({ pool }) });
    const churn = new pg.Client({ connectionString: url });
    await churn.connect();
    let stop = false;
    const churning = (async () => {
      for (let i = 0; i < 400 && !stop; i++) {
        const schema = `${prefix}_${i}`;
        churned.push(schema);
        await churn.query(`create schema "${schema}"; create table "${schema}".t (a serial, b text); create table "${schema}".u (a int)`);
        await churn.query(`drop schema "${schema}" cascade`);
      }
    })();
    try {
      const failures: string[] = [];
      for (let i = 0; i < 150; i++) {
        try {
          const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
          expect(tables.map((t) => `${t.schema}.${t.name}`)).toEqual([`${own}.kysely_migration`, `${own}.runs`]);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
      expect(failures).toEqual([]);
      expect((await db.introspection.getTables()).map((t) => t.name)).toEqual(['runs']);
    } finally {
      stop = true;
      await churning;
      await churn.end();
      await db.destroy();
    }
  });
});
