// When the log indexer may index: it yields to ingest, whose commits need the same CPU (the
// database's above all), and catches up when ingest pauses. Plain numbers in, the next step out.

export interface IndexPacing {
  /** No lines stored for this long: ingest has paused, index at full speed. */
  quietMs: number;
  /** While lines flow: one pass at most per this interval, so the index still moves. */
  busyPassIntervalMs: number;
  /** Not caught up for this long: index at full speed even while lines flow (a sustained stream). */
  maxBehindMs: number;
}

/**
 * Under full load ingest never pauses for 500 ms (a group commits every few ms); one pass (up to
 * INDEX_IDS_PER_PASS lines) a second keeps up with a stream of up to 10,000 lines/s; 30 s behind
 * bounds what a search scans unindexed (about 3,000,000 lines at full ingest speed).
 */
export const DEFAULT_INDEX_PACING: IndexPacing = { quietMs: 500, busyPassIntervalMs: 1_000, maxBehindMs: 30_000 };

export interface IndexerState {
  now: number;
  /** When this instance last stored lines; undefined when it has stored none. */
  lastStoredAt: number | undefined;
  /** When the last pass started; undefined before the first. */
  lastPassAt: number | undefined;
  /** When a pass last found nothing more waiting (or the indexer started). */
  caughtUpAt: number;
}

/** A pass now (at full speed: as many at once as the indexer runs), or a wait. */
export type IndexStep = { kind: 'pass'; fullSpeed: boolean } | { kind: 'wait'; ms: number };

/**
 * The indexer's next step: a pass now, or a wait. Full speed when ingest is quiet or the index is
 * too far behind; while lines flow, one pass per busyPassIntervalMs, else a wait until the next
 * such pass, until ingest would count as quiet or until the index would be too far behind.
 */
export function nextIndexStep(state: IndexerState, pacing: IndexPacing = DEFAULT_INDEX_PACING): IndexStep {
  const { now, lastStoredAt, lastPassAt, caughtUpAt } = state;
  if (lastStoredAt === undefined || now - lastStoredAt >= pacing.quietMs) return { kind: 'pass', fullSpeed: true };
  if (now - caughtUpAt >= pacing.maxBehindMs) return { kind: 'pass', fullSpeed: true };
  if (lastPassAt === undefined || now - lastPassAt >= pacing.busyPassIntervalMs) return { kind: 'pass', fullSpeed: false };
  const untilQuiet = pacing.quietMs - (now - lastStoredAt);
  const untilNextPass = pacing.busyPassIntervalMs - (now - lastPassAt);
  const untilBehind = pacing.maxBehindMs - (now - caughtUpAt);
  return { kind: 'wait', ms: Math.max(1, Math.min(untilQuiet, untilNextPass, untilBehind)) };
}
