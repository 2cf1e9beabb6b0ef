import { describe, expect, it } from 'vitest';
import type { Agent } from '../model.ts';
import { can, PERMISSIONS, type Permission } from './permissions.ts';
import { agentPrincipal, ANONYMOUS, BOOTSTRAP_ADMIN, JOIN_TOKEN_HOLDER, type Principal } from './principal.ts';
import type { Grant } from './roles.ts';
import { ROLE_PERMISSIONS } from './roles.ts';

function agent(labels: Record<string, string>): Agent {
  return { id: 'a1', name: 'web-1', labels, address: '127.0.0.1', port: null, online: true, lastSeenAt: 0, apps: [], enrolledAt: 0, status: 'active', enrollAllowed: false };
}

const allowed = (principal: Parameters<typeof can>[0]) => PERMISSIONS.filter((p) => can(principal, p));

describe('can', () => {
  it('lets the bootstrap admin do everything but what only an agent does as itself', () => {
    expect(allowed(BOOTSTRAP_ADMIN)).toEqual(PERMISSIONS.filter((p) => p !== 'agent.connect' && p !== 'artifact.upload'));
    expect(can(BOOTSTRAP_ADMIN, 'deployment.force', { project: 'hello', env: 'production' })).toBe(true);
  });

  it('lets an agent connect and download, and nothing a person does', () => {
    expect(allowed(agentPrincipal(agent({ env: 'production' })))).toEqual(['agent.connect', 'artifact.download', 'source.download']);
  });

  it('lets only an agent labelled role=runner upload an artifact', () => {
    expect(can(agentPrincipal(agent({ role: 'runner' })), 'artifact.upload')).toBe(true);
    expect(can(agentPrincipal(agent({ role: 'web' })), 'artifact.upload')).toBe(false);
  });

  it('lets the join token only enroll', () => {
    expect(allowed(JOIN_TOKEN_HOLDER)).toEqual(['agent.enroll']);
  });

  it('lets nobody without credentials do anything', () => {
    expect(allowed(ANONYMOUS)).toEqual([]);
  });
});

function user(...grants: Grant[]): Principal {
  return { kind: 'user', name: 'bob', userId: 'u1', email: 'bob@example.com', grants };
}

describe('can, for a user', () => {
  it('lets a user do nothing without a grant', () => {
    expect(allowed(user())).toEqual([]);
  });

  it('limits a deployer on one environment to deploying, rolling back and approving there', () => {
    const bob = user({ role: 'deployer', project: 'hello', env: 'testing' });
    for (const p of ['deployment.deploy', 'deployment.rollback', 'stage.approve'] as const) {
      expect(can(bob, p, { project: 'hello', env: 'testing' })).toBe(true);
      expect(can(bob, p, { project: 'hello', env: 'production' })).toBe(false);
      expect(can(bob, p, { project: 'hello' })).toBe(false);
      expect(can(bob, p, { project: 'other', env: 'testing' })).toBe(false);
    }
    expect(can(bob, 'run.start', { project: 'hello' })).toBe(true);
    expect(can(bob, 'deployment.force', { project: 'hello', env: 'testing' })).toBe(false);
  });

  it('keeps an admin grant limited to one environment to that environment and reading', () => {
    const tess = user({ role: 'admin', project: null, env: 'testing' });
    for (const p of ['user.manage', 'agent.manage', 'project.create', 'audit.read', 'artifact.download', 'source.download'] as const) {
      expect(can(tess, p, { project: 'hello', env: 'testing' })).toBe(false);
    }
    expect(can(tess, 'secret.manage', { project: 'hello', env: 'testing' })).toBe(true);
    expect(can(tess, 'secret.manage', { project: 'hello', env: 'production' })).toBe(false);
    expect(can(tess, 'secret.manage', { project: 'hello' })).toBe(false);
    expect(can(tess, 'deployment.force', { project: 'hello', env: 'testing' })).toBe(true);
    expect(can(tess, 'project.read', { project: 'hello' })).toBe(true);
  });

  it('covers every project and environment with a grant that names none', () => {
    const ops = user({ role: 'deployer', project: null, env: null });
    expect(can(ops, 'deployment.deploy', { project: 'any', env: 'production' })).toBe(true);
    expect(can(ops, 'project.read')).toBe(true);
  });

  it('keeps a grant to one project off lists across projects, but lets it manage its own tokens', () => {
    const dev = user({ role: 'developer', project: 'hello', env: null });
    expect(can(dev, 'project.read', {})).toBe(false);
    expect(can(dev, 'token.own', {})).toBe(true);
  });

  it('gives an admin grant what the bootstrap admin has, but enrolling agents (the join token\'s)', () => {
    expect(allowed(user({ role: 'admin', project: null, env: null }))).toEqual(allowed(BOOTSTRAP_ADMIN).filter((p) => p !== 'agent.enroll'));
  });
});

describe('roles', () => {
  it('give each role the permissions of the roles below it and more', () => {
    const has = (role: keyof typeof ROLE_PERMISSIONS, p: Permission) => ROLE_PERMISSIONS[role].includes(p);
    expect(has('viewer', 'project.read') && !has('viewer', 'run.start')).toBe(true);
    expect(has('developer', 'run.start') && !has('developer', 'deployment.deploy')).toBe(true);
    expect(['stage.approve', 'deployment.deploy', 'deployment.rollback'].every((p) => has('deployer', p as Permission))).toBe(true);
    expect(has('deployer', 'deployment.force')).toBe(false);
    expect(['deployment.force', 'agent.manage', 'user.manage', 'secret.manage'].every((p) => has('admin', p as Permission))).toBe(true);
  });

  it('grant no permission that only agents or the join token hold', () => {
    const people = new Set(Object.values(ROLE_PERMISSIONS).flat());
    expect(['agent.connect', 'artifact.upload', 'agent.enroll'].filter((p) => people.has(p as Permission))).toEqual([]);
  });
});
