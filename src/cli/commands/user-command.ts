// `slipway user add|list|rm`: the people who call the server, each with a token of their own.
import { Command } from 'commander';
import type { NewTokenAnswer, UserAnswer } from '../../core/api/answers.ts';
import { apiClientFromEnv } from '../api-client.ts';
import { describeGrants } from './grant-command.ts';

export function userCommand(): Command {
  const user = new Command('user')
    .description('add, list and remove users (admins only)')
    .addHelpText('after', '\nExample:\n  slipway user add ada --email ada@example.com\n  slipway grant ada deployer --project hello --env testing');
  user.command('add')
    .description('add a user and print their token, once: hand it to them')
    .argument('<name>', 'the user\'s name, as records show it')
    .option('--email <email>', 'their email: tells them apart from a commit\'s author (approval: notAuthor)')
    .addHelpText('after', '\nExample:\n  slipway user add ada --email ada@example.com')
    .action(async (name: string, opts: { email?: string }) => {
      const added = await apiClientFromEnv(process.env).post<NewTokenAnswer>('/api/v1/users', { name, ...(opts.email ? { email: opts.email } : {}) });
      process.stdout.write(`user ${added.user} added; their token (shown only now, id ${added.tokenId}):\n${added.token}\n` +
        `they may do nothing until granted a role: slipway grant ${added.user} viewer\n`);
    });
  user.command('list')
    .description('list users with their roles and tokens')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  slipway user list')
    .action(async (opts: { json?: boolean }) => {
      const users = await apiClientFromEnv(process.env).get<UserAnswer[]>('/api/v1/users');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
      const now = Date.now();
      for (const u of users) {
        // A web session's token (a sign-in through the identity provider) ends by itself too.
        const live = u.tokens.filter((t) => t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now)).map((t) => t.id);
        process.stdout.write(`${u.name.padEnd(16)} ${(u.email ?? '-').padEnd(28)} ${describeGrants(u.grants)}; tokens: ${live.join(', ') || 'none'}\n`);
      }
    });
  user.command('rm')
    .description('remove a user; their tokens stop working at once')
    .argument('<name>', 'the user\'s name')
    .addHelpText('after', '\nExample:\n  slipway user rm ada')
    .action(async (name: string) => {
      await apiClientFromEnv(process.env).delete(`/api/v1/users/${encodeURIComponent(name)}`);
      process.stdout.write(`user ${name} removed\n`);
    });
  return user;
}
