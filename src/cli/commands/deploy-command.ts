// `slipway deploy PROJECT VERSION --env ENV [--force]`: deploys a built version by hand.
import { Command } from 'commander';
import type { Deployment } from '../../core/model.ts';
import { projectPath } from '../api-client.ts';
import { progressContextFromEnv } from '../progress/progress-context.ts';
import { watchDeployment } from '../progress/watch.ts';

export function deployCommand(): Command {
  return new Command('deploy')
    .description('deploy a version to an environment and follow it; a failure on any host rolls every host back')
    .argument('<project>', 'the project')
    .argument('<version>', 'the version, e.g. 12-3f9a2c1')
    .requiredOption('--env <env>', 'the environment')
    .option('--force', 'deploy even a quarantined version, or one that has not passed the environment before')
    .option('--detach', 'start it and return at once')
    .addHelpText('after', '\nExample:\n  slipway deploy hello 12-3f9a2c1 --env production')
    .action(async (project: string, version: string, opts: { env: string; force?: boolean; detach?: boolean }) => {
      const progress = progressContextFromEnv(process.env, process.stdout);
      const started = await progress.api.post<Deployment>(projectPath(project, '/deployments'), { version, env: opts.env, force: Boolean(opts.force) });
      process.stdout.write(`deploying ${project} ${version} to ${opts.env} (${started.id})\n`);
      if (opts.detach) return;
      const ended = await watchDeployment(progress, project, started.id);
      if (ended.status !== 'succeeded') process.exitCode = 1;
    });
}
