// `slipway token create|revoke`: more tokens for a user (yourself by default), and taking one back.
import { Command } from 'commander';
import type { NewTokenAnswer } from '../../core/api/answers.ts';
import { apiClientFromEnv } from '../api-client.ts';

export function tokenCommand(): Command {
  const token = new Command('token')
    .description('create and revoke API tokens')
    .addHelpText('after', '\nExample:\n  slipway token create\n  slipway token create --user ada\n  slipway token revoke 3f2a…');
  token.command('create')
    .description('create a token for yourself, or (admins) for a user, and print it once')
    .option('--user <name>', 'the user the token is for (default: you)')
    .addHelpText('after', '\nExample:\n  slipway token create --user ada')
    .action(async (opts: { user?: string }) => {
      const made = await apiClientFromEnv(process.env).post<NewTokenAnswer>('/api/v1/tokens', opts.user ? { user: opts.user } : {});
      process.stdout.write(`token ${made.tokenId} for ${made.user} (shown only now):\n${made.token}\n`);
    });
  token.command('revoke')
    .description('revoke a token by its id: it is refused from the next request on')
    .argument('<id>', 'the token\'s id (slipway user list shows them)')
    .addHelpText('after', '\nExample:\n  slipway token revoke 0b6f7c1e-…')
    .action(async (id: string) => {
      await apiClientFromEnv(process.env).post(`/api/v1/tokens/${encodeURIComponent(id)}/revoke`, {});
      process.stdout.write(`token ${id} revoked\n`);
    });
  return token;
}
