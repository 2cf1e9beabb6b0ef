// Where a Slipway deployment's batches spend their time, from what the server, the agents and the
// app record, all on this machine's clock: the server's `deployment.host` events (command written,
// result taken), the agent's deploy lines (command received, health passed) and the app's own lines
// (see ansible-compare-app.py: SIGTERM received, exiting; process forked, listening). The app's
// restart is its own stop (SIGTERM → gone) plus its own start (fork → listening); the rest of a
// batch is Slipway's share. "Gone" is the agent's note that the old process group has ended: the
// app's "exiting" line is printed by atexit, and Python's interpreter teardown after it (10–80 ms
// on a shared 2-core machine) is the app's, not Slipway's; the note also holds the agent's own
// moment of noticing the exit (SIGCHLD, a fraction of a ms when idle).
// Used by bench/ansible-compare.bench.ts.
import type { LogLine, SlipwayEvent } from '../src/core/model.ts';

export interface HostTimeline {
  host: string;
  /** Server: the activate command written down (the `activating` event). */
  sent: number;
  /** Agent: the command received (its "activating …" line). */
  received: number;
  /** Old app: SIGTERM received ("stopping at …"). */
  oldStopping: number;
  /** Old app: exiting ("exiting at …", from its atexit). */
  oldExiting: number;
  /** Agent: the old process group seen gone (its note "… stopped N ms after SIGTERM"). */
  oldGone: number;
  /** New app: its process forked ("spawned at …", from /proc, ±5 ms). */
  spawned: number;
  /** New app: it listens ("listening at …"). */
  listening: number;
  /** Agent: the health check passed ("… is healthy"). */
  healthyOnAgent: number;
  /** Server: the result recorded (the `healthy` event). */
  healthyOnServer: number;
}

export interface BatchTimes {
  /** From this batch's first command to the next batch's first command (the last: to the deployment's end). */
  period: number;
  /** The slowest host's own restart: the old app's stop plus the new app's start. */
  appRestart: number;
  hosts: HostTimeline[];
  /** From this batch's last result recorded to the next batch's first command (the last: to the deployment's end). */
  engineGap: number;
}

/** The app's own restart on this host: its stop and its start, without what happened between. */
export function appRestart(h: HostTimeline): number {
  return h.oldGone - h.oldStopping + (h.listening - h.spawned);
}

/**
 * Each host's timeline in a deployment of `version`: `lines` are the deployment's lines (deploy
 * and the new app's), `appLines` the app's lines since it began (the old app's are tagged with
 * the deployment that started it).
 */
export function hostTimelines(events: SlipwayEvent[], lines: LogLine[], appLines: LogLine[], version: string): HostTimeline[] {
  const hosts = [...new Set(events.filter((e) => e.kind === 'deployment.host').map((e) => String(e.data.host)))].sort();
  return hosts.map((host) => {
    const event = (step: string) => {
      const found = events.find((e) => e.kind === 'deployment.host' && e.data.host === host && e.data.step === step);
      if (!found) throw new Error(`no "${host} ${step}" event`);
      return found.at;
    };
    const deployLine = (pattern: RegExp) => {
      const found = lines.find((l) => l.host === host && l.stream === 'deploy' && pattern.test(l.text));
      if (!found) throw new Error(`no deploy line ${pattern} from ${host}`);
      return found.at;
    };
    const stamped = (from: LogLine[], word: string) => {
      const found = from.find((l) => l.host === host && l.stream === 'app' && l.text.startsWith(`${word} at `));
      if (!found) throw new Error(`no "${word} at" line from ${host}`);
      return Number(found.text.slice(`${word} at `.length));
    };
    return {
      host,
      sent: event('activating'),
      received: deployLine(new RegExp(`^activating \\S+ ${version} `)),
      oldStopping: stamped(appLines, 'stopping'),
      oldExiting: stamped(appLines, 'exiting'),
      oldGone: stoppedNote(appLines, host),
      spawned: stamped(lines, 'spawned'),
      listening: stamped(lines, 'listening'),
      healthyOnAgent: deployLine(new RegExp(`^${version} is healthy`)),
      healthyOnServer: event('healthy'),
    };
  });
}

/** The agent's note that the old app's process group is gone (AppSupervisor). */
const STOPPED_NOTE = /^\[slipway\] \S+ \S+ stopped \d+ ms after SIGTERM$/;

function stoppedNote(lines: LogLine[], host: string): number {
  const found = lines.find((l) => l.host === host && l.stream === 'app' && STOPPED_NOTE.test(l.text));
  if (!found) throw new Error(`no "stopped … after SIGTERM" note from ${host}`);
  return found.at;
}

/** How many hosts have sent the agent's note that the old app stopped (among `lines`). */
export function hostsWithStoppedNote(lines: LogLine[]): number {
  return new Set(lines.filter((l) => l.stream === 'app' && STOPPED_NOTE.test(l.text)).map((l) => l.host)).size;
}

/** How many hosts have sent the line that starts with `word` (among `lines`). */
export function hostsWithLine(lines: LogLine[], stream: string, start: string): number {
  return new Set(lines.filter((l) => l.stream === stream && l.text.startsWith(start)).map((l) => l.host)).size;
}

/** The deployment's batches: hosts in name order, `batchSize` at a time, as Slipway plans them. */
export function batchTimes(timelines: HostTimeline[], batchSize: number, finishedAt: number): BatchTimes[] {
  const batches: HostTimeline[][] = [];
  for (let i = 0; i < timelines.length; i += batchSize) batches.push(timelines.slice(i, i + batchSize));
  return batches.map((hosts, k) => {
    const start = Math.min(...hosts.map((h) => h.sent));
    const next = batches[k + 1];
    const end = next ? Math.min(...next.map((h) => h.sent)) : finishedAt;
    return {
      period: end - start,
      appRestart: Math.max(...hosts.map(appRestart)),
      hosts,
      engineGap: end - Math.max(...hosts.map((h) => h.healthyOnServer)),
    };
  });
}
