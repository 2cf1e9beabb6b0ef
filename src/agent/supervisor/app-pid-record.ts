// What state.json says about the processes one supervisor starts: their marker (SLIPWAY_INSTANCE)
// and the running group's pid, so that an agent that crashed can find them again (killOrphan).
import { randomBytes } from 'node:crypto';
import { errorMessage } from '../../base/errors.ts';
import { readAppState, updateAppState, type AppState } from '../releases/app-state.ts';
import { readProcInfo } from './proc-info.ts';

/** A new marker for the processes of one supervisor: SLIPWAY_INSTANCE in their environment. */
export function newAppInstance(): string {
  return randomBytes(8).toString('hex');
}

/**
 * The record of one supervisor's processes in <root>/apps/<app>/state.json. A write that fails is
 * told to `note` (the supervisor's notes about the app) and the app goes on: the record only helps
 * a restarted agent find what was left running.
 */
export class AppPidRecord {
  constructor(
    private readonly root: string,
    private readonly app: string,
    private readonly instance: string,
    /** Changes that go to disk with the first record of a pid (or of its absence), then never again. */
    private firstRecord: ((state: AppState) => void) | undefined,
    private readonly note: (text: string) => void,
  ) {}

  /** Records the marker, with no pid yet: before the app starts, so that an agent killed in between can still find it. */
  recordMarker(): void {
    try {
      // Written already (by an activation, with `current`): each write waits for the disk.
      const recorded = readAppState(this.root, this.app);
      if (recorded.pidInstance === this.instance && recorded.pid === null) return;
      if (recorded.switching?.instance === this.instance) return;
      updateAppState(this.root, this.app, (s) => {
        s.pid = null;
        s.pidStartTime = null;
        s.pidInstance = this.instance;
      });
    } catch (err) {
      this.note(`[slipway] could not record the app's marker in state.json: ${errorMessage(err)}`);
    }
  }

  recordPid(pid: number): void {
    try {
      const startTime = readProcInfo(pid)?.startTime ?? null;
      updateAppState(this.root, this.app, (s) => {
        this.takeFirstRecord()?.(s);
        s.pid = pid;
        s.pidStartTime = startTime;
        s.pidInstance = this.instance;
      });
    } catch (err) {
      this.note(`[slipway] could not record pid ${pid} in state.json: ${errorMessage(err)}`);
    }
  }

  /** Clears the recorded pid when it is `pid` (a newer process's record stays). */
  clearPid(pid: number | undefined): void {
    try {
      updateAppState(this.root, this.app, (s) => {
        this.takeFirstRecord()?.(s);
        if (s.pid !== pid) return;
        s.pid = null;
        s.pidStartTime = null;
        s.pidInstance = null;
      });
    } catch (err) {
      this.note(`[slipway] could not clear pid ${pid} in state.json: ${errorMessage(err)}`);
    }
  }

  private takeFirstRecord(): ((state: AppState) => void) | undefined {
    const record = this.firstRecord;
    this.firstRecord = undefined;
    return record;
  }
}
