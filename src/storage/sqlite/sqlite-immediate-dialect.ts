// Kysely's SQLite dialect with one change: transactions start with BEGIN IMMEDIATE. A plain BEGIN
// is deferred: it takes the write lock only at the first write, and a transaction that read first
// may then fail with SQLITE_BUSY (busy_timeout does not help there) when another process wrote in
// between. IMMEDIATE takes the write lock at once, so a transaction never fails half-way for that.
import { CompiledQuery, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, SqliteDialectConfig } from 'kysely';

class SqliteImmediateDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** SqliteDialect whose transactions begin with BEGIN IMMEDIATE. */
export class SqliteImmediateDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new SqliteImmediateDriver(this.#config);
  }
}
