// A client of HAProxy's runtime API (management.txt §9.3) on its local unix socket: one command per
// connection (HAProxy answers and closes in non-interactive mode), with a time limit and a bound on
// the answer, so a stuck or hostile socket cannot hold or swamp the agent.
import { connect } from 'node:net';
import { SlipwayError } from '../../base/errors.ts';
import { HAPROXY_NAME_PATTERN } from '../../core/lb/lb-server-name.ts';
import { lbStateSchema, type LbState } from '../../core/protocol/messages.ts';

export interface HaproxyRuntimeOptions {
  /** The stats socket, declared with `level admin` in haproxy.cfg. */
  socket: string;
  /** How long one command may take, connecting included (default 5 s). */
  timeoutMs?: number;
  /** The largest answer read (default 8 MiB: `show stat` of a thousand servers is about 1 MiB). */
  maxAnswerBytes?: number;
}

/** One row of `show stat` (a server of a backend): the columns Slipway reads, named as HAProxy does. */
export interface StatRow {
  pxname: string;
  svname: string;
  /** "UP", "DOWN", "DRAIN", "MAINT", "no check", "UP 1/3", ... */
  status: string;
  /** Current sessions. */
  scur: number;
  /** Sessions since start. */
  stot: number;
  weight: number;
  /** The last health check's status, e.g. "L7OK", "L4CON"; "" without checks. */
  checkStatus: string;
}

/** One row of `show servers state` (format version 1). */
export interface ServerStateRow {
  backend: string;
  server: string;
  address: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** srv_admin_state: a mask of SRV_ADMF_* bits (ADMIN_BITS). */
  adminState: number;
  /** srv_uweight: the weight as set (0 takes no new sessions). */
  userWeight: number;
}

/** srv_admin_state bits, as management.txt lists them for `show servers state`. */
export const ADMIN_BITS = {
  FMAINT: 0x01, // forced into maintenance (`set server … state maint`, or `disabled` in the config)
  IMAINT: 0x02, // inherited from a tracked server
  CMAINT: 0x04, // `disabled` in the config; stays after `state ready`, which clears FMAINT
  FDRAIN: 0x08, // forced into drain (`set server … state drain`)
  IDRAIN: 0x10, // inherited from a tracked server
  RMAINT: 0x20, // its address did not resolve
} as const;

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export class HaproxyRuntime {
  private readonly timeoutMs: number;
  private readonly maxAnswerBytes: number;

  constructor(private readonly options: HaproxyRuntimeOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxAnswerBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  }

  /**
   * `set server <backend>/<server> state <state>`. Resolves once HAProxy has applied it; throws
   * SLIPWAY_LB_NO_SUCH_BACKEND or SLIPWAY_LB_NO_SUCH_SERVER when it has no such thing, and the
   * transport errors of `send`.
   */
  async setServerState(backend: string, server: string, state: LbState): Promise<void> {
    if (!lbStateSchema.safeParse(state).success) throw new SlipwayError('SLIPWAY_LB_BAD_NAME', `not a server state Slipway sets: ${JSON.stringify(String(state).slice(0, 100))}`);
    const answer = await this.send(`set server ${name(backend)}/${name(server)} state ${state}`);
    if (answer.trim() !== '') throw this.refusal(answer, `set server ${backend}/${server} state ${state}`);
  }

  /** `show stat <backend> 4 -1`: every server of the backend (not the backend's own row), in HAProxy's order. */
  async showStat(backend: string): Promise<StatRow[]> {
    const answer = await this.send(`show stat ${name(backend)} 4 -1`);
    if (!answer.startsWith('# ')) throw this.refusal(answer, `show stat ${backend}`);
    const [header, ...lines] = answer.slice(2).split('\n').filter((line) => line !== '');
    const columns = parseCsvLine(header ?? '');
    return lines.map((line) => {
      const cells = parseCsvLine(line);
      const cell = (column: string) => cells[columns.indexOf(column)] ?? '';
      return {
        pxname: cell('pxname'), svname: cell('svname'), status: cell('status'), scur: count(cell('scur')), stot: count(cell('stot')),
        weight: count(cell('weight')), checkStatus: cell('check_status'),
      };
    }).filter((row) => row.pxname === backend);
  }

  /** `show servers state <backend>`: every server of the backend with its operational and admin state. */
  async showServersState(backend: string): Promise<ServerStateRow[]> {
    const answer = await this.send(`show servers state ${name(backend)}`);
    const lines = answer.split('\n').filter((line) => line.trim() !== '');
    if (lines[0]?.trim() !== '1' || !lines[1]?.startsWith('# ')) throw this.refusal(answer, `show servers state ${backend}`);
    const columns = lines[1].slice(2).trim().split(/\s+/);
    return lines.slice(2).filter((line) => !line.startsWith('#')).map((line) => {
      const cells = line.trim().split(/\s+/);
      const cell = (column: string) => cells[columns.indexOf(column)] ?? '';
      return {
        backend: cell('be_name'), server: cell('srv_name'), address: cell('srv_addr'), opState: count(cell('srv_op_state')),
        adminState: count(cell('srv_admin_state')), userWeight: count(cell('srv_uweight')),
      };
    });
  }

  /**
   * Sends one command and returns HAProxy's whole answer. Throws SLIPWAY_LB_SOCKET_MISSING,
   * SLIPWAY_LB_SOCKET_DENIED, SLIPWAY_LB_NOT_ANSWERING (refused, reset, or no answer in time) and
   * SLIPWAY_LB_ANSWER_TOO_LARGE.
   */
  send(command: string): Promise<string> {
    const { socket } = this.options;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const conn = connect(socket);
      const finish = (error: SlipwayError | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.destroy();
        if (error) reject(error);
        else resolve(Buffer.concat(chunks).toString('utf8'));
      };
      const timer = setTimeout(() => finish(new SlipwayError('SLIPWAY_LB_NOT_ANSWERING', `HAProxy did not answer "${command}" on ${socket} within ${this.timeoutMs} ms`)), this.timeoutMs);
      conn.on('connect', () => conn.write(`${command}\n`));
      conn.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxAnswerBytes) return finish(new SlipwayError('SLIPWAY_LB_ANSWER_TOO_LARGE', `HAProxy's answer to "${command}" on ${socket} is larger than ${this.maxAnswerBytes} bytes`));
        chunks.push(chunk);
      });
      conn.on('end', () => finish(undefined));
      conn.on('error', (err: NodeJS.ErrnoException) => finish(transportError(err, socket, command)));
    });
  }

  /** HAProxy's answer to a command it did not carry out, as the error that says why. */
  private refusal(answer: string, command: string): SlipwayError {
    const said = answer.trim().split('\n')[0]?.slice(0, 200) ?? '';
    const where = `on ${this.options.socket}`;
    if (/^No such backend|^Can't find backend|^No such proxy/i.test(said)) {
      return new SlipwayError('SLIPWAY_LB_NO_SUCH_BACKEND', `HAProxy has no backend named in "${command}" ${where} (it said: ${said})`);
    }
    if (/^No such server/i.test(said)) return new SlipwayError('SLIPWAY_LB_NO_SUCH_SERVER', `HAProxy has no server named in "${command}" ${where} (it said: ${said})`);
    if (/^Permission denied/i.test(said)) {
      return new SlipwayError('SLIPWAY_LB_NOT_ADMIN', `HAProxy refused "${command}" ${where}: the stats socket needs "level admin" in haproxy.cfg (it said: ${said})`);
    }
    return new SlipwayError('SLIPWAY_LB_UNEXPECTED_ANSWER', `HAProxy answered "${command}" ${where} with something Slipway does not understand: ${JSON.stringify(said)}`);
  }
}

function transportError(err: NodeJS.ErrnoException, socket: string, command: string): SlipwayError {
  switch (err.code) {
    case 'ENOENT':
      return new SlipwayError('SLIPWAY_LB_SOCKET_MISSING', `HAProxy's stats socket ${socket} does not exist: is HAProxy running, with "stats socket ${socket} level admin" in its config?`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new SlipwayError('SLIPWAY_LB_SOCKET_DENIED', `the agent may not open HAProxy's stats socket ${socket} (permission denied): give the agent's user access, e.g. "mode 660 group <group>" on the stats socket line`, { cause: err });
    case 'ENOTSOCK':
      return new SlipwayError('SLIPWAY_LB_SOCKET_MISSING', `${socket} is not a socket: name HAProxy's stats socket`, { cause: err });
    default:
      return new SlipwayError('SLIPWAY_LB_NOT_ANSWERING', `HAProxy is not answering on ${socket} ("${command}": ${err.code ?? err.message})`, { cause: err });
  }
}

/** A name put into a command: checked again here, because a bad one would be a second command. */
function name(text: string): string {
  if (!HAPROXY_NAME_PATTERN.test(text)) throw new SlipwayError('SLIPWAY_LB_BAD_NAME', `not a HAProxy name: ${JSON.stringify(text.slice(0, 100))}`);
  return text;
}

function count(text: string): number {
  const value = Number.parseInt(text, 10);
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

/** One CSV line as HAProxy writes `show stat`: fields with a comma or a quote are quoted, quotes doubled. */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { cells.push(cell); cell = ''; } else cell += c;
  }
  cells.push(cell);
  return cells;
}
