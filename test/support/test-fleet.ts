// A whole Slipway for one end-to-end test: a server and agents as real processes, a git
// repository holding the sample project, and an API client, in a temp directory removed at close.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { newToken } from '../../src/base/ids.ts';
import { createApiClient, type ApiClient } from '../../src/cli/api-client.ts';
import { freePort, killProcessesUnder, startSlipway, waitForHttp, type SlipwayProcess } from './slipway-processes.ts';

export interface AgentSpec {
  name: string;
  labels: string;
  /** Whether its apps get a port of their own (hosts of an environment do; runners need none). */
  appPort?: boolean;
  /** The host's own address (`--address`), for an agent on a test host of its own. */
  address?: string;
  /** A command that runs the agent on its host, e.g. `ip netns exec NAME` (see netns-hosts.ts). */
  prefix?: string[];
  /** More options for `slipway agent`, e.g. `--haproxy-socket PATH` for an LB agent. */
  args?: string[];
  /** What `--server` says: default the fleet's first server; e.g. another instance, or `URL1,URL2`. */
  server?: string;
}

/** A second (third, …) server instance of the fleet: same data and tokens, its own port. */
export interface FleetInstance {
  process: SlipwayProcess;
  url: string;
  api: ApiClient;
}

export interface FleetAgent {
  spec: AgentSpec;
  process: SlipwayProcess;
  port: number | null;
  root: string;
}

const gitEnv = {
  GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@slipway.invalid', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@slipway.invalid',
};

export class TestFleet {
  readonly dir: string;
  readonly repo: string;
  readonly tokens = { admin: newToken('swa'), join: newToken('swj') };
  readonly agents = new Map<string, FleetAgent>();
  readonly instances: FleetInstance[] = [];
  server!: SlipwayProcess;
  url = '';
  api!: ApiClient;
  private port = 0;

  /**
   * `listen` is the address the server listens on and agents connect to: 127.0.0.1 unless the
   * agents run on test hosts of their own, which reach it at their bridge's address. `slipway`
   * is the command that runs Slipway (default: node bin/slipway), e.g. the packaged executable.
   */
  constructor(name: string, private readonly serverArgs: string[] = [], private readonly listen = '127.0.0.1', private readonly slipway?: string[]) {
    this.dir = mkdtempSync(join(tmpdir(), `slipway-${name}-`));
    // Agents run as root here, and their jobs as nobody: nobody must pass through to a workspace
    // (<root>-work/<job>), yet may not list what the test keeps here.
    chmodSync(this.dir, 0o711);
    this.repo = join(this.dir, 'repo');
    mkdirSync(join(this.dir, 'logs'));
  }

  /** Starts the server (again: on the same port and data); `env` is added to its environment. */
  async startServer(env: NodeJS.ProcessEnv = {}): Promise<void> {
    this.port ||= await freePort(this.listen);
    this.url = `http://${this.listen}:${this.port}`;
    this.server = startSlipway(join(this.dir, 'logs'), 'server', ['server', '--data', join(this.dir, 'server'), '--host', this.listen, '--port', String(this.port), '--allow-local-repos', ...this.serverArgs], {
      SLIPWAY_ADMIN_TOKEN: this.tokens.admin, SLIPWAY_JOIN_TOKEN: this.tokens.join, ...env,
    }, [], this.slipway);
    await waitForHttp(`${this.url}/api/v1/health`);
    this.api = createApiClient(this.url, this.tokens.admin);
  }

  /**
   * Starts another server instance on the same data dir and tokens, on a port of its own, with
   * `env` added (e.g. the SLIPWAY_DATABASE_URL the first one was given: instances share a
   * PostgreSQL database). Its output is in logs/<name>.log.
   */
  async startInstance(name: string, env: NodeJS.ProcessEnv = {}): Promise<FleetInstance> {
    const port = await freePort(this.listen);
    const url = `http://${this.listen}:${port}`;
    const process = startSlipway(join(this.dir, 'logs'), name, ['server', '--data', join(this.dir, 'server'), '--host', this.listen, '--port', String(port), '--allow-local-repos', ...this.serverArgs], {
      SLIPWAY_ADMIN_TOKEN: this.tokens.admin, SLIPWAY_JOIN_TOKEN: this.tokens.join, ...env,
    });
    const instance = { process, url, api: createApiClient(url, this.tokens.admin) };
    this.instances.push(instance);
    await waitForHttp(`${url}/api/v1/health`);
    return instance;
  }

  async startAgent(spec: AgentSpec): Promise<FleetAgent> {
    const known = this.agents.get(spec.name);
    const port = known ? known.port : spec.appPort ? await freePort() : null;
    const root = join(this.dir, 'agents', spec.name);
    const args = ['agent', '--server', spec.server ?? this.url, '--name', spec.name, '--labels', spec.labels, '--root', root];
    if (port) args.push('--port', String(port));
    if (spec.address) args.push('--address', spec.address);
    if (spec.args) args.push(...spec.args);
    // As the README says: in the environment, not on the command line where `ps` shows it.
    const agent = { spec, process: startSlipway(join(this.dir, 'logs'), spec.name, args, { SLIPWAY_JOIN_TOKEN: this.tokens.join }, spec.prefix, this.slipway), port, root };
    this.agents.set(spec.name, agent);
    return agent;
  }

  agent(name: string): FleetAgent {
    const agent = this.agents.get(name);
    if (!agent) throw new Error(`no agent ${name}`);
    return agent;
  }

  /** What the app on this agent's host answers on / (undefined when nothing answers). */
  async appAnswer(name: string): Promise<string | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.agent(name).port}/`, { signal: AbortSignal.timeout(2000) });
      return (await response.text()).trim();
    } catch {
      return undefined;
    }
  }

  /** Creates the repository from examples/<example> (hello), with `change` applied to its files, and commits. */
  initRepo(change: (repo: string) => void = () => undefined, example = 'hello'): string {
    cpSync(resolve(import.meta.dirname, '../../examples', example), this.repo, { recursive: true });
    change(this.repo);
    this.git('init', '-q', '-b', 'main');
    return this.commitAll('The sample app');
  }

  /** Applies a change to the repository's files and commits it; returns the new sha. */
  commit(message: string, change: (repo: string) => void): string {
    change(this.repo);
    return this.commitAll(message);
  }

  editFile(path: string, edit: (text: string) => string): void {
    const file = join(this.repo, path);
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.process.kill('SIGTERM')));
    await Promise.all(this.instances.map((instance) => instance.process.kill('SIGTERM')));
    await this.server?.kill('SIGTERM');
    killProcessesUnder(this.dir);
    if (process.env.SLIPWAY_KEEP_TEST_DIRS) return;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private commitAll(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  private git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.repo, env: { ...process.env, ...gitEnv }, encoding: 'utf8' });
  }
}
