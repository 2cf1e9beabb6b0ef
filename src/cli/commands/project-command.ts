// `slipway project add|list`: registers repositories with the server.
import { Command } from 'commander';
import type { ProjectAnswer } from '../../core/api/answers.ts';
import { apiClientFromEnv } from '../api-client.ts';
import { checkDuration } from '../options.ts';

export function projectCommand(): Command {
  const project = new Command('project')
    .description('register and list projects')
    .addHelpText('after', '\nExample:\n  slipway project add hello --repo https://git.example.com/team/hello.git\n  slipway project list');
  project.command('add')
    .description('register a git repository; every new commit on its branch gets a run')
    .argument('<name>', 'the project\'s name')
    .requiredOption('--repo <url>', 'the repository: a URL git can clone, or an absolute path')
    .option('--branch <branch>', 'the branch to build', 'main')
    .option('--poll <duration>', 'how often to look for new commits', checkDuration, '10s')
    .addHelpText('after', '\nExample:\n  slipway project add hello --repo https://git.example.com/team/hello.git --branch main --poll 10s')
    .action(async (name: string, opts: { repo: string; branch: string; poll: string }) => {
      const created = await apiClientFromEnv(process.env).post<ProjectAnswer>('/api/v1/projects', { name, repo: opts.repo, branch: opts.branch, poll: opts.poll });
      process.stdout.write(`project ${created.name} added: ${created.repoUrl} (${created.branch}), polled every ${opts.poll}\n` +
        `push webhook: POST ${process.env.SLIPWAY_URL ?? ''}${created.webhookPath} with secret ${created.webhookSecret}\n`);
    });
  project.command('list')
    .description('list projects')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway project list')
    .action(async (opts: { json?: boolean }) => {
      const projects = await apiClientFromEnv(process.env).get<ProjectAnswer[]>('/api/v1/projects');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(projects, null, 2)}\n`);
      for (const p of projects) process.stdout.write(`${p.name.padEnd(20)} ${p.branch.padEnd(12)} ${p.repoUrl}\n`);
    });
  return project;
}
