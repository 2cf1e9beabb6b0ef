// `slipway agent`: runs an agent until SIGINT or SIGTERM, then stops the apps it supervises; its
// subcommands (list, rm, revoke, accept, allow-enroll) are an admin's.
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createJsonLog } from '../../agent/agent-log.ts';
import { InputError } from '../../base/errors.ts';
import type { Labels } from '../../core/model.ts';
import { parseLabels, parsePort, parseSize } from '../options.ts';
import { untilSignal } from '../until-signal.ts';
import { addAgentAdminCommands } from './agent-admin-commands.ts';

interface AgentFlags {
  server: string;
  joinToken?: string;
  joinTokenFile?: string;
  name: string;
  labels: Labels;
  root: string;
  workDir?: string;
  jobUser: string;
  port?: number;
  address: string;
  keepApps?: boolean;
  spoolMax?: number;
  haproxySocket?: string[];
}

export function agentCommand(): Command {
  const agent: Command = new Command('agent')
    .description('run an agent on this host: it dials the server, deploys and supervises apps, and runs jobs with role=runner')
    // Required for the daemon, but not a requiredOption: commander would demand it of the subcommands too.
    // The settings a host keeps (slipway-agent.service reads them from /etc/slipway/agent.env)
    // may also come from SLIPWAY_* variables; a flag wins over its variable.
    .addOption(new Option('--server <urls>', 'the server, e.g. http://slipway.internal:7700, or its instances comma-separated, tried in turn (required)').env('SLIPWAY_SERVER'))
    .option('--join-token-file <file>', 'a file holding the server\'s join token (needed the first time only)')
    .option('--join-token <token>', 'the join token itself; other users of the host see it in `ps`: prefer --join-token-file or SLIPWAY_JOIN_TOKEN')
    .addOption(new Option('--name <name>', 'this host\'s name').env('SLIPWAY_AGENT_NAME').default(hostname()))
    .addOption(new Option('--labels <k=v,...>', 'labels that environments select hosts by').env('SLIPWAY_AGENT_LABELS').argParser(parseLabels).default({}))
    .addOption(new Option('--root <dir>', 'where releases, state and the agent token are kept (mode 0700)').env('SLIPWAY_AGENT_ROOT').default('/var/lib/slipway-agent'))
    .option('--work-dir <dir>', 'where build and verify jobs get their workspaces, outside the root (default: <root>-work)')
    .option('--job-user <user>', 'when the agent runs as root, the unprivileged user build and verify steps run as', 'nobody')
    .addOption(new Option('--port <n>', 'the PORT apps get on this host (default: the app\'s run.port)').env('SLIPWAY_AGENT_PORT').argParser(parsePort))
    .option('--address <address>', 'how runners reach apps on this host', '127.0.0.1')
    .option('--haproxy-socket <path>', 'a HAProxy stats socket (with "level admin") this agent drains and readies servers on, as an LB agent; repeat for several', collectSocket)
    .option('--keep-apps', 'leave apps running when the agent stops')
    .option('--spool-max <size>', 'disk kept for log lines the server has not acknowledged yet; when full, the oldest go first (default 256MiB)', parseSize)
    .addHelpText('after', `
Environment:
  SLIPWAY_JOIN_TOKEN    the join token, when neither --join-token-file nor --join-token is given

Example:
  slipway agent --server http://127.0.0.1:7700 --join-token-file /etc/slipway/join-token --name web-1 \\
    --labels env=production,role=web --root /var/lib/slipway-agent --port 8080
  slipway agent --server http://127.0.0.1:7700 --name lb-1 --labels role=lb --haproxy-socket /run/haproxy/admin.sock
  slipway agent list      (and rm|revoke|accept|allow-enroll NAME: an admin's commands)`)
    .action(async (flags: Omit<AgentFlags, 'server'> & { server?: string }) => {
      const servers = (flags.server ?? '').split(',').map((url) => url.trim()).filter(Boolean);
      if (servers.length === 0) agent.error('error: required option \'--server <urls>\' not specified');
      // Loaded here, not at the top: `slipway --help` and the user commands stay quick to start.
      const { startAgent } = await import('../../agent/agent-main.ts');
      const log = createJsonLog({ level: 'info', write: (line) => process.stdout.write(line), pid: process.pid, hostname: hostname() });
      const { lookUpJobUser } = await import('../../agent/runner/job-user.ts');
      const joinToken = flags.joinToken ?? readJoinTokenFile(flags.joinTokenFile) ?? process.env.SLIPWAY_JOIN_TOKEN;
      // Read once, and gone from what the agent's children (its apps) inherit.
      delete process.env.SLIPWAY_JOIN_TOKEN;
      const asRoot = process.getuid?.() === 0;
      const running = await startAgent({
        servers, joinToken, name: flags.name, labels: flags.labels,
        root: resolve(flags.root), ...(flags.workDir ? { workDir: resolve(flags.workDir) } : {}),
        ...(asRoot ? { jobUser: lookUpJobUser(flags.jobUser), isolateMigrations: true } : {}), ...(process.env.PATH ? { jobPath: process.env.PATH } : {}),
        port: flags.port ?? null, address: flags.address, spoolMaxBytes: flags.spoolMax, haproxySockets: flags.haproxySocket ?? [], log,
      });
      await untilSignal();
      await running.close({ stopApps: !flags.keepApps });
      // Apps left running are still this process's children, whose handles would keep it alive
      // (slipway-agent.service restarts with --keep-apps): they run on without it.
      if (flags.keepApps) process.exit(0);
    });
  addAgentAdminCommands(agent);
  return agent;
}

/** `--haproxy-socket` may be given several times; each must be an absolute path, as slipway.yml's `socket` is. */
function collectSocket(path: string, sockets: string[] = []): string[] {
  if (!path.startsWith('/')) throw new InvalidArgumentError(`expected the absolute path of HAProxy's stats socket, e.g. /run/haproxy/admin.sock, got ${JSON.stringify(path)}`);
  return [...sockets, path];
}

/** The join token kept in `file` (surrounding white space dropped), or undefined without a file. */
function readJoinTokenFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new InputError('SLIPWAY_JOIN_TOKEN_FILE_UNREADABLE', `cannot read the join token file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
  if (text === '') throw new InputError('SLIPWAY_JOIN_TOKEN_FILE_EMPTY', `the join token file ${file} is empty`);
  return text;
}
