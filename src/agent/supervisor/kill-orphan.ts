// After an agent crash, finds the app process group it left behind (recorded in state.json, or
// only its marker when the agent died while starting it) and stops it, making sure a pid since
// reused by an unrelated process is left alone.
import { signalGroup, signalProcess } from '../process-signals.ts';
import { readAppState, updateAppState } from '../releases/app-state.ts';
import { listGroupMembers, listProcessesWithEnv, readProcEnviron, readProcInfo } from './proc-info.ts';
import { terminate } from './terminate.ts';

export interface OrphanOutcome {
  /** True when processes of the app were found and stopped. */
  killed: boolean;
  /** The processes that were signalled. */
  pids: number[];
  /** What happened, for the agent's log. */
  reason: string;
}

/**
 * Stops the app process group recorded in `<root>/apps/<app>/state.json`, if it still runs, and
 * clears the record. A process counts as the app's only if it is the recorded leader with the
 * recorded start time (/proc/<pid>/stat), or carries the recorded SLIPWAY_INSTANCE marker (or
 * that of a staged switch) in its environment; anything else (a reused pid) is never signalled. SIGTERM, then SIGKILL after
 * `timeoutMs` (default: the current version's stopTimeoutMs, else 10 s). Call before starting
 * the app again; the app name must have passed checkReleaseNames.
 */
export async function killOrphan(root: string, app: string, options: { timeoutMs?: number } = {}): Promise<OrphanOutcome> {
  const state = readAppState(root, app);
  const pgid = state.pid;
  const marker = state.pidInstance === null ? undefined : `SLIPWAY_INSTANCE=${state.pidInstance}`;
  // An activation that died between its switch and the new process's first record: that process
  // carries the staged marker (switch-current.ts).
  const staged = state.switching === null || state.switching.instance === state.pidInstance ? undefined : `SLIPWAY_INSTANCE=${state.switching.instance}`;
  if (pgid === null && marker === undefined && staged === undefined) return { killed: false, pids: [], reason: 'no app process recorded' };
  const timeoutMs = options.timeoutMs ?? (state.current ? state.runSpecs[state.current]?.stopTimeoutMs : undefined) ?? 10_000;

  const leader = pgid === null ? undefined : readProcInfo(pgid);
  const leaderIsOurs =
    leader !== undefined && leader.state !== 'Z' && leader.pgid === pgid && leader.startTime === state.pidStartTime;
  // With no pid recorded, the agent died between starting the app and writing its pid down: the
  // marker written before the start is then the only way to find it.
  const recorded = pgid === null
    ? (marker === undefined ? [] : listProcessesWithEnv(marker))
    : listGroupMembers(pgid).filter((pid) => leaderIsOurs || (marker !== undefined && (readProcEnviron(pid)?.includes(marker) ?? false)));
  const startedBySwitch = staged === undefined ? [] : listProcessesWithEnv(staged).filter((pid) => !recorded.includes(pid));
  const members = [...recorded, ...startedBySwitch];
  if (members.length === 0) {
    forgetPid(root, app, pgid);
    const why = pgid === null ? 'no process carries its marker' : leader && !leaderIsOurs ? `pid ${pgid} now belongs to another process` : `process group ${pgid} is gone`;
    return { killed: false, pids: [], reason: `nothing to stop: ${why}` };
  }

  // Pids are pinned to their start time so that one reused during the wait is never signalled.
  const targets = new Map(members.map((pid) => [pid, readProcInfo(pid)?.startTime]));
  const stillOurs = (pid: number) => {
    const info = readProcInfo(pid);
    return info !== undefined && info.state !== 'Z' && info.startTime === targets.get(pid);
  };
  const oneByOne = leaderIsOurs ? startedBySwitch : members;
  const result = await terminate({
    timeoutMs,
    signal: (signal) => {
      if (leaderIsOurs) signalGroup(pgid, signal);
      for (const pid of oneByOne) if (stillOurs(pid)) signalProcess(pid, signal);
    },
    alive: () => (leaderIsOurs && listGroupMembers(pgid).length > 0) || oneByOne.some(stillOurs),
  });
  forgetPid(root, app, pgid);
  const how = result.forced ? 'SIGKILL after SIGTERM was ignored' : 'SIGTERM';
  return {
    killed: result.stopped,
    pids: members,
    reason: result.stopped ? `stopped the app left behind (${how}): ${members.join(', ')}` : `processes ${members.join(', ')} survived SIGKILL`,
  };
}

function forgetPid(root: string, app: string, pgid: number | null): void {
  updateAppState(root, app, (s) => {
    if (s.pid !== pgid) return;
    s.pid = null;
    s.pidStartTime = null;
    s.pidInstance = null;
  });
}
