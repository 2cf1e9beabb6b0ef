// Sign-in through an identity provider (OpenID Connect): a user may be tied to one identity (the
// issuer and its subject, unique together), a token may expire (a web session's), and a token
// may carry grants of its own: those the provider's groups gave at the sign-in that made it, so
// they end with that session and never outlive a change of groups at the provider.
import type { Kysely, Migration } from 'kysely';

export function signInSessionsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('users').addColumn('oidc_issuer', 'text').execute();
      await db.schema.alterTable('users').addColumn('oidc_subject', 'text').execute();
      // NULLs never collide in a unique index (both dialects): users without an identity are many.
      await db.schema.createIndex('users_identity').on('users').columns(['oidc_issuer', 'oidc_subject']).unique().execute();
      await db.schema.alterTable('user_tokens').addColumn('expires_at', 'bigint').execute();
      await db.schema.createTable('token_grants')
        .addColumn('token_id', 'text', (c) => c.notNull().references('user_tokens.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('env', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('token_grants_pk', ['token_id', 'role', 'project', 'env'])
        .execute();
    },
  };
}
