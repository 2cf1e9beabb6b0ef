// `slipway runs PROJECT`: the project's runs, newest first.
import { Command } from 'commander';
import type { RunSummary } from '../../core/api/answers.ts';
import { apiClientFromEnv, projectPath } from '../api-client.ts';

export function runsCommand(): Command {
  return new Command('runs')
    .description('list a project\'s runs, newest first')
    .argument('<project>', 'the project')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway runs hello --limit 5')
    .action(async (project: string, opts: { limit: string; json?: boolean }) => {
      const runs = await apiClientFromEnv(process.env).get<RunSummary[]>(projectPath(project, `/runs?limit=${encodeURIComponent(opts.limit)}`));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      if (runs.length === 0) return void process.stdout.write(`${project} has no runs yet\n`);
      for (const run of runs) {
        const stages = run.stages.map((s) => `${s.name}:${s.status}`).join(' ');
        process.stdout.write(`#${String(run.number).padEnd(5)} ${run.version.padEnd(14)} ${run.status.padEnd(10)} ${stages}  ${run.message}\n`);
      }
    });
}
