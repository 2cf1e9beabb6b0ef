// What an LB agent's answer to `lb` means for the servers Slipway cares about: the reading of
// LbBackendState the deployment planner decides on (drained yet? serving again? gone? put back
// by a HAProxy reload?). Pure: plain data in, verdicts out.
import type { LbBackendState, LbState } from '../protocol/messages.ts';

export type LbServerVerdict =
  /** The backend has no server of this name: nothing can be drained or readied. */
  | { server: string; verdict: 'missing' }
  /** Meant drain and drained: no new sessions and none left (`scur` 0). */
  | { server: string; verdict: 'drained' }
  /** Meant drain, drained, but `scur` sessions are still open: wait (up to the drain timeout). */
  | { server: string; verdict: 'draining'; scur: number }
  /** Meant ready, ready, and HAProxy's checks see it up: it takes traffic. */
  | { server: string; verdict: 'serving' }
  /**
   * Meant ready and ready, but not up yet (checks still failing or rising, `status` says how):
   * it takes no traffic, so the next host must not be drained yet.
   */
  | { server: string; verdict: 'warming'; status: string }
  /** Meant maint and in maintenance: no traffic at all. */
  | { server: string; verdict: 'out' }
  /** HAProxy has it in another admin state than Slipway set (a reload, a person): set it again. */
  | { server: string; verdict: 'unintended'; actual: LbState; intended: LbState };

/**
 * One verdict per server of `intended` (server name → the state Slipway set), in that order. Any
 * admin state other than the one meant is `unintended`, also maint where drain was meant (no
 * traffic either, but not what Slipway set): the planner sets the meant state again and logs it.
 * With several LB agents, a change counts only when every one's answer gives the wanted verdict.
 */
export function checkLbServers(backend: LbBackendState, intended: Record<string, LbState>): LbServerVerdict[] {
  return Object.entries(intended).map(([server, want]): LbServerVerdict => {
    const found = backend.servers.find((s) => s.server === server);
    if (!found) return { server, verdict: 'missing' };
    if (found.admin !== want) return { server, verdict: 'unintended', actual: found.admin, intended: want };
    switch (want) {
      case 'drain':
        return found.scur === 0 ? { server, verdict: 'drained' } : { server, verdict: 'draining', scur: found.scur };
      case 'ready':
        return found.operational === 'up' && found.weight > 0 ? { server, verdict: 'serving' } : { server, verdict: 'warming', status: found.status };
      case 'maint':
        return { server, verdict: 'out' };
    }
  });
}
