// What every Kysely sub-store shares: the database, which dialect it speaks, how the adapter
// recognises a duplicate key, and the small codecs between rows and core/model records.
import type { Kysely, Updateable } from 'kysely';
import type { Database, SqlDialectName } from './tables.ts';

export interface StoreContext {
  db: Kysely<Database>;
  dialect: SqlDialectName;
  /** Whether the error is the database refusing a duplicate of a unique key or index. */
  isUniqueViolation: (error: unknown) => boolean;
}

/** JSON-valued fields are stored as text. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function fromJsonOrNull<T>(text: string | null): T | null {
  return text === null ? null : fromJson<T>(text);
}

type Encoders<P> = { [K in keyof P]?: (value: NonNullable<P[K]>) => unknown };

/**
 * Turns a camelCase patch into the row columns to set. Keys whose value is undefined are left
 * out (not given); null is written as null; `encode` converts non-null values (JSON, booleans).
 * Returns undefined when nothing is to be set, since an UPDATE needs at least one column.
 */
export function patchColumns<P extends object, Row>(
  patch: P,
  columns: { [K in keyof P]-?: keyof Row & string },
  encode: Encoders<P> = {},
): Updateable<Row> | undefined {
  const row: Record<string, unknown> = {};
  for (const key of Object.keys(columns) as (keyof P)[]) {
    const value = patch[key];
    if (value === undefined) continue;
    const encoder = encode[key];
    row[columns[key]] = value === null || encoder === undefined ? value : encoder(value);
  }
  return Object.keys(row).length === 0 ? undefined : (row as Updateable<Row>);
}
