// `slipway rollback PROJECT --env ENV`: puts an environment back on its known-good version.
import { Command } from 'commander';
import type { Deployment } from '../../core/model.ts';
import { projectPath } from '../api-client.ts';
import { progressContextFromEnv } from '../progress/progress-context.ts';
import { watchDeployment } from '../progress/watch.ts';

export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('put every host of an environment back on known-good (the version it ran before, when all hosts run known-good)')
    .argument('<project>', 'the project')
    .requiredOption('--env <env>', 'the environment')
    .option('--detach', 'start it and return at once')
    .addHelpText('after', '\nExample:\n  slipway rollback hello --env production')
    .action(async (project: string, opts: { env: string; detach?: boolean }) => {
      const progress = progressContextFromEnv(process.env, process.stdout);
      const started = await progress.api.post<Deployment>(projectPath(project, '/rollback'), { env: opts.env });
      process.stdout.write(`rolling ${opts.env} of ${project} back to ${started.version} (${started.id})\n`);
      if (opts.detach) return;
      const ended = await watchDeployment(progress, project, started.id);
      if (ended.status !== 'succeeded') process.exitCode = 1;
    });
}
