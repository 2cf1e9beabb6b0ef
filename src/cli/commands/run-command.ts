// `slipway run PROJECT [--ref REF]`: starts a run by hand and follows it.
import { Command } from 'commander';
import type { Run } from '../../core/model.ts';
import { projectPath } from '../api-client.ts';
import { progressContextFromEnv } from '../progress/progress-context.ts';
import { awaitingApproval, watchRun } from '../progress/watch.ts';

export function runCommand(): Command {
  return new Command('run')
    .description('start a run of a project by hand and follow it until it ends or waits for approval')
    .argument('<project>', 'the project')
    .option('--ref <ref>', 'a branch, tag or full commit sha (default: the project\'s branch)')
    .option('--detach', 'start it and return at once')
    .addHelpText('after', '\nExample:\n  slipway run hello --ref main')
    .action(async (project: string, opts: { ref?: string; detach?: boolean }) => {
      const progress = progressContextFromEnv(process.env, process.stdout);
      const run = await progress.api.post<Run>(projectPath(project, '/runs'), opts.ref ? { ref: opts.ref } : {});
      process.stdout.write(`run #${run.number} of ${project} for ${run.sha.slice(0, 7)} "${run.message}"\n`);
      if (opts.detach) return;
      const ended = await watchRun(progress, project, run.number, { stopAtApproval: true });
      const gate = awaitingApproval(ended);
      if (ended.status === 'failed') process.exitCode = 1;
      else if (gate) process.stdout.write(`waiting for approval into ${gate.name}: slipway approve ${project} ${ended.number} --env ${gate.name}\n`);
    });
}
