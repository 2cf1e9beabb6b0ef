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

export class ServerEventLines {
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
   * Writes the lines of events stored after the last one in the log: a server that stopped
   * between storing an event and its line catches up at start. Returns how many it wrote. The
   * last one is also known when retention removed every server line: it kept a mark of it.
   */
  async catchUp(): Promise<number> {
    const { logs } = this.deps.store;
    let after = Math.max(await logs.maxSeq(SERVER_EVENTS_SOURCE), await logs.seqMark(SERVER_EVENTS_SOURCE));
    let written = 0;
    for (;;) {
      const events = await this.deps.store.events.list({ afterId: Math.max(0, after), limit: 1000 });
      if (events.length === 0) return written;
      const lines: NewLogLine[] = [];
      for (const event of events) lines.push(await this.line(event));
      await this.deps.ingest.append(lines);
      written += lines.length;
      after = events.at(-1)!.id;
    }
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
