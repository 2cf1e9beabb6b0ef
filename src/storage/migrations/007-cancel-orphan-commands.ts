// Servers before transactions wrote a host's command and pointed the host at it in two writes, and
// claimed a job before writing its command. A crash between the two left a pending command that no
// host or job waits for, which its agent would still run when it connects. Such commands are
// cancelled once here; from now on every command is written in the transaction that points at it.
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const ORPHAN_CANCELLATION = JSON.stringify({ ok: false, error: 'cancelled: no host or job waits for this command (left by a server that crashed)' });

export function cancelOrphanCommandsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`update agent_commands set result = ${ORPHAN_CANCELLATION}, completed_at = 0
        where result is null
          and id not in (select command_id from deployment_hosts where command_id is not null)
          and id not in (select command_id from jobs where command_id is not null)`.execute(db);
    },
  };
}
