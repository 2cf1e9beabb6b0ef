// A real HAProxy (Debian's /usr/sbin/haproxy) for end-to-end tests, in the root namespace: a
// frontend on a loopback port, one backend with a server per test host, health checks every
// 200 ms, and a stats socket with `level admin` in a temp dir, through which `runtime` talks to it.
// `reload()` is the `haproxy -sf` reload a user runs after editing haproxy.cfg: the new process
// takes over the listeners (seamless, through `expose-fd listeners`), and runtime state set on the
// old one (drain, maint) is lost, which is what a test of a load balancer's reload needs.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HaproxyRuntime } from '../../src/agent/lb/haproxy-runtime.ts';
import { freePort } from './slipway-processes.ts';
import { waitFor } from './wait-for.ts';

export const haproxyBin = '/usr/sbin/haproxy';

export interface HaproxyServer {
  /** The server's name in the backend: the Slipway host name. */
  name: string;
  address: string;
  port: number;
}

export interface HaproxyOptions {
  servers: HaproxyServer[];
  /** The backend's name (default "app"). */
  backend?: string;
  /** What the health check asks for (default /healthz, as the sample app answers). */
  healthPath?: string;
  /** Extra lines for the backend section, e.g. `retry-on all-retryable-errors`. */
  backendLines?: string[];
  /** Extra lines for the frontend section, e.g. `option idle-close-on-response`. */
  frontendLines?: string[];
}

/** Why this machine cannot run the HAProxy tests, or null when it can. */
export function haproxyUnavailableReason(): string | null {
  return existsSync(haproxyBin) ? null : `${haproxyBin} is not installed (apt-get install haproxy)`;
}

const dirPrefix = 'slipway-haproxy-';

/**
 * Kills the HAProxy processes that a test process which died left running (their config lies in
 * a directory named after that process's pid) and removes their directories. Returns their pids.
 */
export function removeStaleHaproxies(): number[] {
  const deadRun = (path: string) => {
    const pid = new RegExp(`/${dirPrefix}(\\d+)-`).exec(path)?.[1];
    return pid !== undefined && !isAlive(Number(pid));
  };
  const killed: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args[0] !== haproxyBin || !args.some(deadRun)) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed.push(Number(entry));
    } catch {
      // already gone
    }
  }
  for (const entry of readdirSync(tmpdir())) {
    if (entry.startsWith(dirPrefix) && deadRun(`/${entry}`)) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
  }
  return killed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class HaproxyProcess {
  readonly runtime: HaproxyRuntime;
  readonly configPath: string;
  readonly socketPath: string;
  private readonly logFile: string;
  /** Every HAProxy process started: after a reload the old one may still finish its connections. */
  private readonly children = new Set<ChildProcess>();
  private current!: ChildProcess;
  /** If the test process exits without stop(), its HAProxies must not outlive it. */
  private readonly onExit = () => {
    for (const child of this.children) child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor(readonly dir: string, readonly port: number, readonly backend: string) {
    this.configPath = join(dir, 'haproxy.cfg');
    this.socketPath = join(dir, 'admin.sock');
    this.logFile = join(dir, 'haproxy.log');
    this.runtime = new HaproxyRuntime({ socket: this.socketPath });
  }

  /**
   * Writes the config, starts HAProxy and waits until its stats socket answers; stops it again if
   * that fails. A dead test run's HAProxies are removed first.
   */
  static async start(options: HaproxyOptions): Promise<HaproxyProcess> {
    removeStaleHaproxies();
    const dir = mkdtempSync(join(tmpdir(), `${dirPrefix}${process.pid}-`));
    const haproxy = new HaproxyProcess(dir, await freePort(), options.backend ?? 'app');
    process.on('exit', haproxy.onExit);
    try {
      writeFileSync(haproxy.configPath, haproxy.config(options));
      await haproxy.spawn([]);
      return haproxy;
    } catch (err) {
      await haproxy.stop();
      throw err;
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The pid of the HAProxy process that serves now. */
  get pid(): number {
    return this.current.pid ?? 0;
  }

  /** What HAProxy printed (warnings, alerts), across reloads. */
  output(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /**
   * `haproxy -sf <old pid> -x <socket>`: a new process takes the listeners over and the old one
   * stops once its connections end. Resolves when the new one answers on the stats socket.
   */
  async reload(): Promise<void> {
    await this.spawn(['-x', this.socketPath, '-sf', String(this.pid)]);
  }

  /** Waits until every server of the backend is UP by its health checks. */
  async waitUntilAllUp(timeoutMs = 10_000): Promise<void> {
    await waitFor(`every server of ${this.backend} to be UP`, async () => {
      const servers = await this.runtime.showStat(this.backend);
      return servers.length > 0 && servers.every((r) => r.status === 'UP');
    }, { timeoutMs });
  }

  /** Stops every HAProxy process it started (SIGTERM, then SIGKILL) and removes its directory. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all([...this.children].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }));
    process.off('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Whether any HAProxy process it started still runs. */
  get running(): boolean {
    return [...this.children].some((c) => c.exitCode === null && c.signalCode === null);
  }

  private async spawn(extraArgs: string[]): Promise<void> {
    const fd = openSync(this.logFile, 'a');
    // -db: in the foreground, not as a daemon, so the child is HAProxy itself.
    const child = spawn(haproxyBin, ['-db', '-f', this.configPath, ...extraArgs], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.children.add(child);
    this.current = child;
    try {
      await waitFor(`HAProxy (pid ${child.pid}) to answer on ${this.socketPath}`, async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`HAProxy exited (${child.exitCode ?? child.signalCode}): ${this.output().slice(-2000)}`);
        return (await this.runtime.send('show info')).split('\n').includes(`Pid: ${child.pid}`);
      }, { timeoutMs: 10_000, intervalMs: 50 });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nHAProxy said: ${this.output().slice(-2000)}`, { cause: err });
    }
  }

  private config(options: HaproxyOptions): string {
    const servers = options.servers.map((s) => `  server ${s.name} ${s.address}:${s.port} check inter 200ms fall 2 rise 2`);
    return [
      'global',
      `  stats socket ${this.socketPath} mode 600 level admin expose-fd listeners`,
      // An old process left by a reload gives up its last keep-alive connections after this.
      '  hard-stop-after 10s',
      '  maxconn 4096',
      '',
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 10s',
      '  timeout server 10s',
      '  retries 3',
      '  option redispatch',
      '',
      'frontend www',
      `  bind 127.0.0.1:${this.port}`,
      `  default_backend ${this.backend}`,
      ...(options.frontendLines ?? []).map((l) => `  ${l}`),
      '',
      `backend ${this.backend}`,
      '  balance roundrobin',
      '  option httpchk',
      `  http-check send meth GET uri ${options.healthPath ?? '/healthz'}`,
      ...(options.backendLines ?? []).map((l) => `  ${l}`),
      ...servers,
      '',
    ].join('\n');
  }
}
