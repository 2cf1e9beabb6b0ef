// Events over Kysely: the append-only audit trail that also feeds live views.
import type { Selectable } from 'kysely';
import type { SlipwayEvent } from '../../core/model.ts';
import type { EventStore } from '../store.ts';
import { fromJson, toJson } from './store-context.ts';
import type { StoreContext } from './store-context.ts';
import type { EventsTable } from './tables.ts';

/** The EventStore of the port, over the `events` table; ids grow, so a reader resumes after the last it saw. */
export function createKyselyEventStore({ db }: StoreContext): EventStore {
  return {
    async append(event) {
      const row = await db.insertInto('events')
        .values({
          at: event.at,
          kind: event.kind,
          project_id: event.projectId,
          run_id: event.runId,
          deployment_id: event.deploymentId,
          actor: event.actor ?? null,
          message: event.message,
          data: toJson(event.data),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEvent(row);
    },

    async list(filter) {
      let query = db.selectFrom('events').selectAll();
      if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
      if (filter.runId !== undefined) query = query.where('run_id', '=', filter.runId);
      if (filter.deploymentId !== undefined) query = query.where('deployment_id', '=', filter.deploymentId);
      if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId);
      if (filter.projectIds !== undefined) {
        // `in ()` is not SQL: no project at all lists nothing.
        if (filter.projectIds.length === 0) return [];
        query = query.where('project_id', 'in', [...filter.projectIds]);
      }
      const rows = await query.orderBy('id').limit(filter.limit).execute();
      return rows.map(toEvent);
    },

    async lastId() {
      const row = await db.selectFrom('events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row?.id ?? 0;
    },
  };
}

function toEvent(row: Selectable<EventsTable>): SlipwayEvent {
  return {
    id: row.id,
    at: row.at,
    kind: row.kind,
    projectId: row.project_id,
    runId: row.run_id,
    deploymentId: row.deployment_id,
    actor: row.actor,
    message: row.message,
    data: fromJson<Record<string, unknown>>(row.data),
  };
}
