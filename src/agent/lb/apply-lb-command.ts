// An LB agent's side of the `lb` command: sets servers of a backend of its local HAProxy to ready,
// drain or maint through the runtime API, and answers with the backend as HAProxy then reports it.
import { errorMessage, SlipwayError } from '../../base/errors.ts';
import { HAPROXY_NAME_PATTERN } from '../../core/lb/lb-server-name.ts';
import { MAX_LB_SERVERS, type CommandResult, type LbBackendState, type LbCommand, type LbServerState, type LbState } from '../../core/protocol/messages.ts';
import { ADMIN_BITS, HaproxyRuntime, type ServerStateRow, type StatRow } from './haproxy-runtime.ts';

export interface ApplyLbCommandDeps {
  /**
   * The stats sockets this agent was told to drive (`slipway agent --haproxy-socket`). A command
   * naming another is refused: the path comes from a project's slipway.yml, and the agent must not
   * talk to whatever unix socket a project names.
   */
  sockets: readonly string[];
  /** How long one runtime API command may take (default: HaproxyRuntime's). */
  timeoutMs?: number;
}

/**
 * Carries out `lb` (see lbCommandSchema): checks that the backend has every server to set, sets
 * each in order, and answers with the backend read back. A failure is a result with the error's
 * code; when a server is missing nothing is set, and the answer carries the backend as it is.
 */
export async function applyLbCommand(command: LbCommand, deps: ApplyLbCommandDeps): Promise<CommandResult> {
  if (!deps.sockets.includes(command.socket)) {
    const have = deps.sockets.length === 0 ? 'it drives no HAProxy' : `it drives ${deps.sockets.join(', ')}`;
    return failure(new SlipwayError('SLIPWAY_LB_SOCKET_NOT_ALLOWED', `this agent does not drive HAProxy on ${command.socket} (${have}): start it with --haproxy-socket ${command.socket}`));
  }
  const runtime = new HaproxyRuntime({ socket: command.socket, ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }) });
  try {
    if (command.set.length > 0) {
      const before = await readBackend(runtime, command.backend);
      const missing = [...new Set(command.set.map((s) => s.server).filter((server) => !before.servers.some((s) => s.server === server)))];
      if (missing.length > 0) {
        const have = before.servers.map((s) => s.server).join(', ') || 'none';
        const error = new SlipwayError('SLIPWAY_LB_NO_SUCH_SERVER', `backend ${command.backend} on ${command.socket} has no server ${missing.join(', ')} (it has: ${have}); nothing was changed`);
        return { ...failure(error), lb: before };
      }
      for (const { server, state } of command.set) await runtime.setServerState(command.backend, server, state);
    }
    return { ok: true, lb: await readBackend(runtime, command.backend) };
  } catch (err) {
    return failure(err);
  }
}

/** The backend's servers, from `show servers state` (admin and operational state) joined with `show stat` (status, sessions). */
export async function readBackend(runtime: HaproxyRuntime, backend: string): Promise<LbBackendState> {
  const states = await runtime.showServersState(backend);
  const stats = await runtime.showStat(backend);
  if (states.length > MAX_LB_SERVERS) {
    throw new SlipwayError('SLIPWAY_LB_UNEXPECTED_ANSWER', `backend ${backend} has ${states.length} servers, more than the ${MAX_LB_SERVERS} Slipway reads`);
  }
  const statOf = new Map(stats.map((s) => [s.svname, s]));
  return { backend, servers: states.map((row) => serverState(row, statOf.get(row.server))) };
}

function serverState(row: ServerStateRow, stat: StatRow | undefined): LbServerState {
  if (!HAPROXY_NAME_PATTERN.test(row.server)) {
    throw new SlipwayError('SLIPWAY_LB_UNEXPECTED_ANSWER', `HAProxy reported a server name Slipway cannot use: ${JSON.stringify(row.server.slice(0, 100))}`);
  }
  return {
    server: row.server,
    admin: adminState(row.adminState),
    adminBits: row.adminState & 0xffff,
    operational: (['down', 'starting', 'up', 'stopping'] as const)[row.opState] ?? 'down',
    status: (stat?.status ?? '').slice(0, 64),
    scur: Math.min(stat?.scur ?? 0, 1e9),
    weight: Math.min(row.userWeight, 256),
  };
}

/**
 * The admin state Slipway sets, from srv_admin_state: HAProxy's own reading (its SRV_ADMF_MAINT
 * and SRV_ADMF_DRAIN masks). CMAINT alone is not maint: it stays on a server `disabled` in the
 * config after `state ready` cleared FMAINT, and that server is in the pool.
 */
export function adminState(bits: number): LbState {
  if (bits & (ADMIN_BITS.FMAINT | ADMIN_BITS.IMAINT | ADMIN_BITS.RMAINT)) return 'maint';
  if (bits & (ADMIN_BITS.FDRAIN | ADMIN_BITS.IDRAIN)) return 'drain';
  return 'ready';
}

function failure(err: unknown): CommandResult {
  return err instanceof SlipwayError ? { ok: false, error: err.message, errorCode: err.code } : { ok: false, error: errorMessage(err) };
}
