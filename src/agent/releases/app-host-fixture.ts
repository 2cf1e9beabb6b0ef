// Test helper: one host of the releases tests, with real processes: the agent's --root in a fresh
// temporary folder, a free port for its apps, and the app supervisors each test opens, closed and
// removed after it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { freePort } from '../../../test/support/slipway-processes.ts';
import { AppSupervisors } from '../supervisor/app-supervisors.ts';
import type { AppHostDeps } from './start-app.ts';

export interface AppHost {
  /** The test's temporary folder; `root` is inside it. */
  work: string;
  /** The agent's --root. */
  root: string;
  /** The PORT the host gives its apps. */
  port: number;
  /** An agent's dependencies on this host, with supervisors of its own (as after a restart), closed after the test. */
  deps(): AppHostDeps;
}

/**
 * A fresh host before each test (its folder named after `prefix`), its apps stopped and its folder
 * removed after; returns the current one. `options` go into every deps() (host web-1, and the
 * PATH of the test's process unless `baseEnv` says otherwise).
 */
export function useAppHost(prefix: string, options: Pick<AppHostDeps, 'baseEnv' | 'backoff' | 'healthIntervalMs'>): () => AppHost {
  let host: AppHost | undefined;
  const opened: AppHostDeps[] = [];
  beforeEach(async () => {
    const work = await mkdtemp(path.join(tmpdir(), prefix));
    const root = path.join(work, 'root');
    const port = await freePort();
    host = {
      work, root, port,
      deps() {
        const d: AppHostDeps = { root, host: 'web-1', port, apps: new AppSupervisors(), baseEnv: { PATH: process.env.PATH }, ...options };
        opened.push(d);
        return d;
      },
    };
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.apps.close()));
    if (host) await rm(host.work, { recursive: true, force: true });
    host = undefined;
  });
  return () => {
    if (host === undefined) throw new Error('the host exists only inside a test');
    return host;
  };
}
