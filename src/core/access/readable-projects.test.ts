import { describe, expect, it } from 'vitest';
import type { Agent } from '../model.ts';
import { can } from './permissions.ts';
import { agentPrincipal, ANONYMOUS, BOOTSTRAP_ADMIN, JOIN_TOKEN_HOLDER, type Principal } from './principal.ts';
import { projectsWith, reaches, reachesAny, readableProjects } from './readable-projects.ts';
import type { Grant } from './roles.ts';

function user(...grants: Grant[]): Principal {
  return { kind: 'user', name: 'bob', userId: 'u1', email: 'bob@example.com', grants };
}

const agent: Agent = { id: 'a1', name: 'web-1', labels: { role: 'runner' }, address: '127.0.0.1', port: null, online: true, lastSeenAt: 0, apps: [], enrolledAt: 0, status: 'active', enrollAllowed: false };

describe('readableProjects', () => {
  it('lets the bootstrap admin and a grant that names no project read every project', () => {
    expect(readableProjects(BOOTSTRAP_ADMIN)).toBe('all');
    expect(readableProjects(user({ role: 'viewer', project: null, env: null }))).toBe('all');
    expect(readableProjects(user({ role: 'viewer', project: 'shop', env: null }, { role: 'admin', project: null, env: null }))).toBe('all');
  });

  it('limits a user whose grants name projects to those projects, an environment grant reading its whole project', () => {
    const reach = readableProjects(user(
      { role: 'viewer', project: 'shop', env: null },
      { role: 'deployer', project: 'blog', env: 'testing' },
      { role: 'developer', project: 'shop', env: null },
    ));
    expect(reach).toEqual(new Set(['shop', 'blog']));
    expect(reaches(reach, 'shop')).toBe(true);
    expect(reaches(reach, 'other')).toBe(false);
    expect(reaches(reach, null)).toBe(false);
    expect(reaches('all', null)).toBe(true);
  });

  it('gives agents, the join token, anonymous callers and a user without grants no project', () => {
    for (const principal of [agentPrincipal(agent), JOIN_TOKEN_HOLDER, ANONYMOUS, user()]) {
      expect(readableProjects(principal), principal.name).toEqual(new Set());
      expect(reachesAny(readableProjects(principal))).toBe(false);
    }
  });

  it('agrees with can for every project, whoever asks', () => {
    const principals = [BOOTSTRAP_ADMIN, agentPrincipal(agent), JOIN_TOKEN_HOLDER, ANONYMOUS, user(),
      user({ role: 'viewer', project: 'shop', env: null }), user({ role: 'deployer', project: 'shop', env: 'testing' }),
      user({ role: 'viewer', project: null, env: null })];
    for (const principal of principals) {
      for (const project of ['shop', 'other']) {
        expect(reaches(readableProjects(principal), project), `${principal.name} on ${project}`).toBe(can(principal, 'project.read', { project }));
      }
    }
  });

  it('answers for other permissions too: agent.read of a project grant, run.start only from developer up', () => {
    const bob = user({ role: 'viewer', project: 'shop', env: null }, { role: 'developer', project: 'blog', env: null });
    expect(projectsWith(bob, 'agent.read')).toEqual(new Set(['shop', 'blog']));
    expect(projectsWith(bob, 'run.start')).toEqual(new Set(['blog']));
    expect(projectsWith(bob, 'user.manage')).toEqual(new Set());
  });
});
