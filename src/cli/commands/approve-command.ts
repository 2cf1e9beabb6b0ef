// `slipway approve PROJECT RUN --env ENV`: opens a manual gate.
import { Command } from 'commander';
import { projectPath } from '../api-client.ts';
import { progressContextFromEnv } from '../progress/progress-context.ts';
import { awaitingApproval, watchRun } from '../progress/watch.ts';

export function approveCommand(): Command {
  return new Command('approve')
    .description('approve a run\'s manual gate into an environment, then follow the run')
    .argument('<project>', 'the project')
    .argument('<run>', 'the run number')
    .requiredOption('--env <env>', 'the environment whose gate to open')
    .option('--detach', 'approve and return at once')
    .addHelpText('after', '\nExample:\n  slipway approve hello 12 --env production')
    .action(async (project: string, run: string, opts: { env: string; detach?: boolean }) => {
      const progress = progressContextFromEnv(process.env, process.stdout);
      await progress.api.post(projectPath(project, `/runs/${encodeURIComponent(run)}/approve`), { env: opts.env });
      process.stdout.write(`approved ${opts.env} for run #${run} of ${project}\n`);
      if (opts.detach) return;
      const ended = await watchRun(progress, project, Number(run), { stopAtApproval: true });
      const gate = awaitingApproval(ended);
      if (ended.status === 'failed') process.exitCode = 1;
      else if (gate) process.stdout.write(`waiting for approval into ${gate.name}: slipway approve ${project} ${ended.number} --env ${gate.name}\n`);
    });
}
