// A small client of HAProxy's runtime API for tests: one command per connection on the stats
// socket (non-interactive mode, as `socat` would send it), and the two answers tests read parsed
// into rows: `show stat` (CSV) and `show servers state` (space-separated, version 1).
import { connect } from 'node:net';

/** One row of `show stat`: column name → value, e.g. `{ pxname: 'app', svname: 'host-1', status: 'UP', scur: '0' }`. */
export type StatRow = Record<string, string>;

/** One server of `show servers state`, with the fields tests look at. */
export interface ServerState {
  backend: string;
  server: string;
  address: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  operational: number;
  /** srv_admin_state: bit flags; 0 means ready, 0x01 is set by `state maint`, 0x08 by `state drain`. */
  admin: number;
  port: number;
}

export class HaproxyRuntimeClient {
  constructor(readonly socketPath: string, private readonly timeoutMs = 5000) {}

  /** Sends one command and returns HAProxy's whole answer; rejects when the socket does not answer in time. */
  command(line: string): Promise<string> {
    if (/[\n;]/.test(line)) throw new Error(`one runtime command without newline or ';', not ${JSON.stringify(line)}`);
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      const chunks: Buffer[] = [];
      socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`HAProxy at ${this.socketPath} did not answer '${line}' within ${this.timeoutMs} ms`)));
      socket.on('connect', () => socket.end(`${line}\n`));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', (hadError) => {
        if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }

  /** `show stat`: a row per frontend, backend and server. */
  async showStat(): Promise<StatRow[]> {
    const [header = '', ...lines] = (await this.command('show stat')).split('\n').filter((l) => l.trim());
    if (!header.startsWith('# ')) throw new Error(`'show stat' answered without a CSV header: ${header}`);
    const columns = header.slice(2).split(',');
    return lines.map((line) => {
      const values = line.split(',');
      return Object.fromEntries(columns.filter(Boolean).map((c, i) => [c, values[i] ?? '']));
    });
  }

  /** `show servers state [backend]`: the servers with their operational and administrative state. */
  async showServersState(backend?: string): Promise<ServerState[]> {
    const answer = await this.command(backend ? `show servers state ${backend}` : 'show servers state');
    const [version, header, ...lines] = answer.split('\n').filter((l) => l.trim());
    if (version?.trim() !== '1' || !header?.startsWith('# ')) throw new Error(`unexpected 'show servers state' answer: ${answer.slice(0, 200)}`);
    const columns = header.slice(2).split(' ');
    return lines.map((line) => {
      const values = line.split(' ');
      const field = (name: string) => values[columns.indexOf(name)] ?? '';
      return {
        backend: field('be_name'), server: field('srv_name'), address: field('srv_addr'),
        operational: Number(field('srv_op_state')), admin: Number(field('srv_admin_state')), port: Number(field('srv_port')),
      };
    });
  }

  /** The `show info` field `name`, e.g. `Pid`. */
  async info(name: string): Promise<string | undefined> {
    const line = (await this.command('show info')).split('\n').find((l) => l.startsWith(`${name}: `));
    return line?.slice(name.length + 2);
  }
}
