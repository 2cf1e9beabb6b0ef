// Kysely's SQLite dialect with two changes. Transactions start with BEGIN IMMEDIATE: a plain BEGIN
// is deferred, takes the write lock only at the first write, and a transaction that read first may
// then fail with SQLITE_BUSY (busy_timeout does not help there) when another process wrote in
// between; IMMEDIATE takes the write lock at once. And migrations run in a transaction each, with
// the migrator's record of them: SQLite's DDL is transactional, though Kysely's adapter says not,
// and a migration that rebuilds a table (003) must never stop half-way.
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig } from 'kysely';

class SqliteImmediateDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class SqliteTransactionalDdlAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** SqliteDialect whose transactions begin with BEGIN IMMEDIATE and whose migrations are atomic. */
export class SqliteImmediateDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new SqliteImmediateDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new SqliteTransactionalDdlAdapter();
  }
}
