// `slipway grant|revoke USER ROLE [--project P] [--env E]`: hand out and take back roles.
import { Command } from 'commander';
import type { Grant } from '../../core/access/roles.ts';
import type { GrantAnswer } from '../../core/api/answers.ts';
import { apiClientFromEnv } from '../api-client.ts';

interface GrantFlags {
  project?: string;
  env?: string;
}

const roles = `roles:
  viewer     reads projects, runs, deployments, events and logs
  developer  also starts runs and re-runs
  deployer   also deploys, rolls back and approves (in the environments granted)
  admin      does everything, including --force, agents, users and secrets
Without --project a grant covers every project; without --env, every environment.`;

/** "viewer everywhere, deployer in hello/testing". */
export function describeGrants(grants: readonly Grant[]): string {
  if (grants.length === 0) return 'no roles';
  return grants.map((g) => `${g.role}${g.project === null && g.env === null ? ' everywhere' : ` in ${g.project ?? '*'}/${g.env ?? '*'}`}`).join(', ');
}

function grantOrRevoke(change: 'grant' | 'revoke'): Command {
  return new Command(change)
    .description(change === 'grant' ? 'give a user a role, in every project and environment or in one' : 'take back a role given with slipway grant (the same --project and --env)')
    .argument('<user>', 'the user\'s name')
    .argument('<role>', 'viewer, developer, deployer or admin')
    .option('--project <name>', 'only in this project')
    .option('--env <name>', 'only in this environment')
    .addHelpText('after', `\n${roles}\n\nExample:\n  slipway ${change} ada deployer --project hello --env testing`)
    .action(async (user: string, role: string, flags: GrantFlags) => {
      const body = { role, ...(flags.project ? { project: flags.project } : {}), ...(flags.env ? { env: flags.env } : {}) };
      const path = `/api/v1/users/${encodeURIComponent(user)}/grants${change === 'revoke' ? '/revoke' : ''}`;
      const answer = await apiClientFromEnv(process.env).post<GrantAnswer>(path, body);
      const what = describeGrants([answer.grant]);
      process.stdout.write(change === 'grant'
        ? `${answer.user}: ${what}${answer.changed ? '' : ' (already granted)'}\n`
        : `${answer.user}: no longer ${what}\n`);
    });
}

export function grantCommand(): Command {
  return grantOrRevoke('grant');
}

export function revokeCommand(): Command {
  return grantOrRevoke('revoke');
}
