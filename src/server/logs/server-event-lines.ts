// The server's own events as lines of the central log (source "server", seq = event id, host and
// stream "server"), tagged with the project's name as app, the environment, run and deployment.
import type { Logger } from 'pino';
import type { SlipwayEvent } from '../../core/model.ts';
import type { NewLogLine, Store } from '../../storage/store.ts';
import type { LogIngest } from './log-ingest.ts';

export interface ServerEventLinesDeps {
  store: Store;
  ingest: LogIngest;
  log: Logger;
}

/** The source of the server's event lines; their seq is the event's id. */
export const SERVER_EVENTS_SOURCE = 'server';

/** Names looked up once and kept; a busy server forgets them all when there are this many. */
const MAX_CACHED = 10_000;

/**
 * How far below the highest event id it saw before a catch-up looks again for events without a
 * line (ids, so at most this many events). An event another instance stored is seen by the first
 * catch-up after its commit, which writes its line if missing, unless its id is below this window:
 * that takes 2,000 other events stored while its transaction was open (engine transactions last
 * milliseconds, and PostgreSQL ends one left idle for a minute). At start, the events an instance
 * stored and had no time to write lines for are those of its last moments, just below or above the
 * highest line written. Reading 2,000 events and the seqs of their lines takes milliseconds.
 */
export const LOOKBACK_IDS = 2_000;

/** Events read at once. */
const PAGE_EVENTS = 1_000;

/**
 * How often a running server catches up: another instance's death leaves lines missing at most
 * twice this long (a line is written when two catch-ups in a row found it missing, see catchUp).
 */
export const EVENT_LINE_REPAIR_MS = 30_000;

export class ServerEventLines {
  /** The highest event id the last catch-up saw, where the next one looks back from. */
  private seenThrough: number | undefined;
  /**
   * The events whose line the last catch-up found missing; undefined before the first. A line
   * found missing once may be on its way (its instance stored the event and is writing the line,
   * behind agents' lines in a busy ingest): a running server writes only those missing twice in a row.
   */
  private suspects: Set<number> | undefined;
  private catchingUp: Promise<number> | undefined;
  private readonly projectNames = new Map<string, string | null>();
  private readonly runProjects = new Map<string, string | null>();
  private readonly deployments = new Map<string, { projectId: string; env: string } | null>();

  constructor(private readonly deps: ServerEventLinesDeps) {}

  /** Writes the event's line. Never throws: a line that cannot be written is logged and left out. */
  async write(event: SlipwayEvent): Promise<void> {
    try {
      await this.deps.ingest.append([await this.line(event)]);
    } catch (err) {
      this.deps.log.error({ err, event: event.id }, 'could not write a server event to the central log');
    }
  }

  /**
   * Writes the lines of stored events that have none: at start, for events an instance stored
   * before it stopped (this one or another on the same database), and then every so often
   * (repairEvery) for another instance's that died. Looks at the events after the highest id the
   * last catch-up saw (at first: the highest server seq in the log) less LOOKBACK_IDS, and at
   * none whose line retention removed (the log's seq mark). The first catch-up (at start) writes
   * every line missing; a later one only those the one before found missing too, so that lines
   * still being written (by this instance or another) are not taken for lost. Returns how many
   * lines it handed in (the log drops any that their own instance stored meanwhile). Two calls
   * never overlap: a second one waits for the first and is then the same one.
   */
  catchUp(): Promise<number> {
    this.catchingUp ??= this.writeMissing().finally(() => {
      this.catchingUp = undefined;
    });
    return this.catchingUp;
  }

  /** Catches up every `intervalMs` until closed; close() waits for a catch-up in progress. */
  repairEvery(intervalMs: number): { close(): Promise<void> } {
    const tick = () => void this.catchUp().then(
      (written) => {
        if (written > 0) this.deps.log.warn({ written }, 'wrote the lines of server events that had none (an instance stopped before writing them, or a write failed)');
      },
      (err: unknown) => this.deps.log.error({ err }, 'could not write the missing lines of server events'),
    );
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return {
      close: async () => {
        clearInterval(timer);
        await this.catchingUp?.catch(() => undefined);
      },
    };
  }

  private async writeMissing(): Promise<number> {
    const { logs, events } = this.deps.store;
    const top = this.seenThrough ?? await logs.maxSeq(SERVER_EVENTS_SOURCE);
    let after = Math.max(0, top - LOOKBACK_IDS, await logs.seqMark(SERVER_EVENTS_SOURCE));
    const previous = this.suspects;
    // A line found missing last time is looked at again, even below the window (many events since).
    for (const id of previous ?? []) after = Math.min(after, id - 1);
    const suspects = new Set<number>();
    let written = 0;
    for (;;) {
      const page = await events.list({ afterId: after, limit: PAGE_EVENTS });
      if (page.length === 0) break;
      const stored = await logs.storedSeqs(SERVER_EVENTS_SOURCE, page[0]!.id, page.at(-1)!.id);
      // Read after what is stored: retention raises the mark in the transaction that removes a line,
      // so a line gone from `stored` is at or below the mark read now.
      const removedThrough = await logs.seqMark(SERVER_EVENTS_SOURCE);
      const lines: NewLogLine[] = [];
      for (const event of page) {
        if (event.id <= removedThrough || stored.has(event.id)) continue;
        if (previous === undefined || previous.has(event.id)) lines.push(await this.line(event));
        else suspects.add(event.id);
      }
      await this.deps.ingest.append(lines);
      written += lines.length;
      after = page.at(-1)!.id;
    }
    this.seenThrough = Math.max(top, after);
    this.suspects = suspects;
    return written;
  }

  /** The line for an event; public for tests. */
  async line(event: SlipwayEvent): Promise<NewLogLine> {
    const deployment = event.deploymentId === null ? null : await this.deployment(event.deploymentId);
    const projectId = event.projectId ?? deployment?.projectId ?? (event.runId === null ? null : await this.runProject(event.runId));
    return {
      at: event.at,
      source: SERVER_EVENTS_SOURCE,
      seq: event.id,
      host: 'server',
      app: projectId === null ? null : await this.projectName(projectId),
      env: deployment?.env ?? stringOrNull(event.data.env),
      stream: 'server',
      level: levelOf(event),
      runId: event.runId,
      deploymentId: event.deploymentId,
      text: event.message,
    };
  }

  private async projectName(id: string): Promise<string | null> {
    return cached(this.projectNames, id, async () => (await this.deps.store.projects.get(id))?.name ?? null);
  }

  private async runProject(id: string): Promise<string | null> {
    return cached(this.runProjects, id, async () => (await this.deps.store.runs.get(id))?.projectId ?? null);
  }

  private async deployment(id: string): Promise<{ projectId: string; env: string } | null> {
    return cached(this.deployments, id, async () => {
      const found = await this.deps.store.deployments.get(id);
      return found ? { projectId: found.projectId, env: found.env } : null;
    });
  }
}

/**
 * The level of an event: error when something failed (a run, job or deployment, a stage or a
 * host step), warn when a rollback begins or ends, info otherwise.
 */
export function levelOf(event: Pick<SlipwayEvent, 'kind' | 'data'>): 'error' | 'warn' | 'info' {
  const { status, step } = event.data;
  if (event.kind.endsWith('.failed') || status === 'failed' || step === 'failed' || step === 'restore_failed') return 'error';
  // deployment.lb: a load balancer did something Slipway did not ask for (a reload), a drain timed out, or a retry.
  if (event.kind === 'deployment.rolling_back' || event.kind === 'deployment.rolled_back' || event.kind === 'deployment.lb') return 'warn';
  return 'info';
}

async function cached<T>(map: Map<string, T>, key: string, load: () => Promise<T>): Promise<T> {
  if (map.has(key)) return map.get(key)!;
  const value = await load();
  if (map.size >= MAX_CACHED) map.clear();
  map.set(key, value);
  return value;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
