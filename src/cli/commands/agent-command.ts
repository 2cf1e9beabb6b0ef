// `slipway agent`: runs an agent until SIGINT or SIGTERM, then stops the apps it supervises; its
// subcommands (list, rm, revoke, accept, allow-enroll) are an admin's.
import { Command } from 'commander';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import pino from 'pino';
import type { Labels } from '../../core/model.ts';
import { parseLabels, parsePort, parseSize } from '../options.ts';
import { untilSignal } from '../until-signal.ts';
import { addAgentAdminCommands } from './agent-admin-commands.ts';

interface AgentFlags {
  server: string;
  joinToken?: string;
  name: string;
  labels: Labels;
  root: string;
  port?: number;
  address: string;
  keepApps?: boolean;
  spoolMax?: number;
}

export function agentCommand(): Command {
  const agent: Command = new Command('agent')
    .description('run an agent on this host: it dials the server, deploys and supervises apps, and runs jobs with role=runner')
    // Required for the daemon, but not a requiredOption: commander would demand it of the subcommands too.
    .option('--server <url>', 'the server, e.g. http://slipway.internal:7700 (required)')
    .option('--join-token <token>', 'the server\'s join token (needed the first time only)', process.env.SLIPWAY_JOIN_TOKEN)
    .option('--name <name>', 'this host\'s name', hostname())
    .option('--labels <k=v,...>', 'labels that environments select hosts by', parseLabels, {})
    .option('--root <dir>', 'where releases, state and the agent token are kept', '/var/lib/slipway-agent')
    .option('--port <n>', 'the PORT apps get on this host (default: the app\'s run.port)', parsePort)
    .option('--address <address>', 'how runners reach apps on this host', '127.0.0.1')
    .option('--keep-apps', 'leave apps running when the agent stops')
    .option('--spool-max <size>', 'disk kept for log lines the server has not acknowledged yet; when full, the oldest go first (default 256MiB)', parseSize)
    .addHelpText('after', `
Example:
  slipway agent --server http://127.0.0.1:7700 --join-token swj_… --name web-1 \\
    --labels env=production,role=web --root /var/lib/slipway-agent --port 8080
  slipway agent list      (and rm|revoke|accept|allow-enroll NAME: an admin's commands)`)
    .action(async (flags: Omit<AgentFlags, 'server'> & { server?: string }) => {
      if (flags.server === undefined) agent.error('error: required option \'--server <url>\' not specified');
      const log = pino({ level: 'info' });
      const { startAgent } = await import('../../agent/agent-main.ts');
      const running = await startAgent({
        serverUrl: flags.server, joinToken: flags.joinToken, name: flags.name, labels: flags.labels,
        root: resolve(flags.root), port: flags.port ?? null, address: flags.address, spoolMaxBytes: flags.spoolMax, log,
      });
      await untilSignal();
      await running.close({ stopApps: !flags.keepApps });
    });
  addAgentAdminCommands(agent);
  return agent;
}
