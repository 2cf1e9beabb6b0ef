// `slipway agent list|rm|revoke|accept|allow-enroll`: an admin's hold on agents, beside the
// `slipway agent --server …` daemon command they are subcommands of.
import type { Command } from 'commander';
import { formatLabels } from '../../core/deploy/select-hosts.ts';
import type { Agent } from '../../core/model.ts';
import { apiClientFromEnv } from '../api-client.ts';

/** Adds the admin subcommands to the `agent` command. */
export function addAgentAdminCommands(agent: Command): void {
  agent.command('list')
    .description('list agents: name, status, online, labels')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway agent list')
    .action(async (opts: { json?: boolean }) => {
      const agents = await apiClientFromEnv(process.env).get<Agent[]>('/api/v1/agents');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(agents, null, 2)}\n`);
      for (const a of agents) {
        const online = a.online ? 'online' : 'offline';
        const allowed = a.enrollAllowed ? ' (may enroll again)' : '';
        process.stdout.write(`${a.name.padEnd(20)} ${a.status.padEnd(8)} ${online.padEnd(8)} ${formatLabels(a.labels) || '-'}${allowed}\n`);
      }
    });
  const change = (name: string, description: string, send: (path: string) => Promise<Agent>, done: string) => {
    agent.command(name)
      .description(description)
      .argument('<name>', 'the agent\'s name')
      .addHelpText('after', `\nExample:\n  slipway agent ${name} web-1`)
      .action(async (agentName: string) => {
        await send(`/api/v1/agents/${encodeURIComponent(agentName)}`);
        process.stdout.write(`agent ${agentName} ${done}\n`);
      });
  };
  change('rm', 'remove an agent: its token stops working at once, it is in no environment and gets no jobs; its name may enroll anew',
    (path) => apiClientFromEnv(process.env).delete<Agent>(path), 'removed');
  change('revoke', 'revoke an agent\'s token at once (its connection is closed); `allow-enroll` lets the host enroll again',
    (path) => apiClientFromEnv(process.env).post<Agent>(`${path}/revoke`, {}), 'revoked');
  change('accept', 'accept a pending agent (server started with --accept-agents manual)',
    (path) => apiClientFromEnv(process.env).post<Agent>(`${path}/accept`, {}), 'accepted');
  change('allow-enroll', 'let a host enroll once more under this agent\'s name (it keeps its id and labels, and gets a new token)',
    (path) => apiClientFromEnv(process.env).post<Agent>(`${path}/allow-enroll`, {}), 'may enroll again once');
}
