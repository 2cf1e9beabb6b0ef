// People and their approvals: users with hashed tokens and role grants, and one row per person who
// approved a stage (a stage may need several different approvers). A grant limited to no project
// or no environment stores '' there, so that the primary key stays a plain unique key on both
// dialects (NULLs never collide in a unique key).
import type { Kysely, Migration } from 'kysely';

export function peopleMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('email', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createTable('user_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('user_tokens_user').on('user_tokens').column('user_id').execute();
      await db.schema.createTable('grants')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('env', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('grants_pk', ['user_id', 'role', 'project', 'env'])
        .execute();
      await db.schema.createTable('stage_approvals')
        .addColumn('stage_id', 'text', (c) => c.notNull().references('stages.id'))
        .addColumn('approver_key', 'text', (c) => c.notNull())
        .addColumn('approver', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('stage_approvals_pk', ['stage_id', 'approver_key'])
        .execute();
    },
  };
}
