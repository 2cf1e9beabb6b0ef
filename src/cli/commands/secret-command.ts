// `slipway secret set|list|rm`: a project's secrets. The value is read from stdin, never from the
// command line (where `ps` and the shell's history would show it), and never printed.
import { Command } from 'commander';
import { InputError } from '../../base/errors.ts';
import type { SecretAnswer } from '../../core/api/answers.ts';
import { apiClientFromEnv, projectPath } from '../api-client.ts';

export function secretCommand(): Command {
  const secret = new Command('secret')
    .description('manage a project\'s secrets: apps and verify jobs of an environment get them as environment variables, builds those marked --build')
    .addHelpText('after', '\nExample:\n  slipway secret list hello\n  printf %s "$DB_URL" | slipway secret set hello DATABASE_URL --env production');
  secret.command('set')
    .description('set a secret, reading its value from stdin (a single trailing newline is dropped)')
    .argument('<project>', 'the project')
    .argument('<name>', 'the environment variable it becomes, e.g. DATABASE_URL')
    .option('--env <env>', 'only for this environment (default: every environment)')
    .option('--build', 'build jobs get it too (for the whole project: not with --env)')
    .addHelpText('after', '\nExample:\n  slipway secret set hello NPM_TOKEN --build < npm-token.txt')
    .action(async (project: string, name: string, opts: { env?: string; build?: boolean }) => {
      const value = (await readStdin()).replace(/\r?\n$/, '');
      if (value === '') throw new InputError('SLIPWAY_SECRET_VALUE_MISSING', `no value on stdin for ${name}: pipe it in, e.g. printf %s "$VALUE" | slipway secret set ${project} ${name}`);
      const saved = await apiClientFromEnv(process.env).post<SecretAnswer>(projectPath(project, '/secrets'), {
        name, value, env: opts.env ?? null, build: opts.build ?? false,
      });
      process.stdout.write(`secret ${saved.name} set for ${saved.env ?? 'every environment'} of ${project}${saved.build ? ' (builds get it too)' : ''}\n`);
    });
  secret.command('list')
    .description('list a project\'s secrets: names, environments and when they changed, never values')
    .argument('<project>', 'the project')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway secret list hello')
    .action(async (project: string, opts: { json?: boolean }) => {
      const secrets = await apiClientFromEnv(process.env).get<SecretAnswer[]>(projectPath(project, '/secrets'));
      if (opts.json) return void process.stdout.write(`${JSON.stringify(secrets, null, 2)}\n`);
      if (secrets.length === 0) return void process.stdout.write(`${project} has no secrets\n`);
      process.stdout.write(`${'NAME'.padEnd(32)} ${'ENV'.padEnd(16)} ${'BUILD'.padEnd(6)} UPDATED\n`);
      for (const s of secrets) {
        process.stdout.write(`${s.name.padEnd(32)} ${(s.env ?? '(all)').padEnd(16)} ${(s.build ? 'yes' : 'no').padEnd(6)} ${new Date(s.updatedAt).toISOString()}\n`);
      }
    });
  secret.command('rm')
    .description('remove a secret (the project-wide one, or with --env that environment\'s)')
    .argument('<project>', 'the project')
    .argument('<name>', 'the secret')
    .option('--env <env>', 'the environment whose secret to remove')
    .addHelpText('after', '\nExample:\n  slipway secret rm hello DATABASE_URL --env production')
    .action(async (project: string, name: string, opts: { env?: string }) => {
      const query = opts.env === undefined ? '' : `?env=${encodeURIComponent(opts.env)}`;
      await apiClientFromEnv(process.env).delete(projectPath(project, `/secrets/${encodeURIComponent(name)}${query}`));
      process.stdout.write(`secret ${name} removed from ${opts.env ?? 'every environment'} of ${project}\n`);
    });
  return secret;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('value (end with Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
