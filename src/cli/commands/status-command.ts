// `slipway status PROJECT`: per environment, the version on each host and the last deployment.
import { Command } from 'commander';
import type { ProjectAnswer, ProjectStatus } from '../../core/api/answers.ts';
import { apiClientFromEnv, projectPath } from '../api-client.ts';

export function statusCommand(): Command {
  return new Command('status')
    .description('show what each environment of a project runs, host by host')
    .argument('<project>', 'the project')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway status hello --json')
    .action(async (project: string, opts: { json?: boolean }) => {
      const api = apiClientFromEnv(process.env);
      const [{ pollError }, status] = await Promise.all([
        api.get<ProjectAnswer>(projectPath(project)),
        api.get<ProjectStatus>(projectPath(project, '/status')),
      ]);
      if (opts.json) return void process.stdout.write(`${JSON.stringify({ ...status, pollError }, null, 2)}\n`);
      if (pollError) process.stdout.write(`repository checks failing since ${new Date(pollError.at).toISOString()}: ${pollError.message}\n`);
      for (const env of status.environments) {
        const last = env.lastDeployment;
        process.stdout.write(`${env.name}  known-good: ${env.knownGood ?? '-'}  last deployment: ${last ? `${last.version} ${last.status}` : '-'}\n`);
        if (last?.cause) process.stdout.write(`  cause: ${last.cause.host} failed at ${last.cause.step}: ${last.cause.error}\n`);
        for (const host of env.hosts) {
          process.stdout.write(`  ${host.name.padEnd(16)} ${(host.version ?? '-').padEnd(14)} ${host.online ? 'online' : 'OFFLINE'}\n`);
        }
      }
    });
}
