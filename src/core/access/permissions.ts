// What a principal may do: the permissions routes declare, and the one pure rule `can` that
// answers for a principal. Shaped for issue 7's roles (see roles.ts): read, start runs, deploy
// per environment, administer; plus what agents and the join token do.
import { isRunner } from '../agents/is-runner.ts';
import type { Principal } from './principal.ts';
import { ROLE_PERMISSIONS, type Grant } from './roles.ts';

/** Every permission a route can require, with the words a refusal uses ("may not …"). */
export const PERMISSION_WORDS = {
  // People (roles, issue 7).
  'project.read': 'read projects, runs, deployments, events and logs',
  'project.create': 'add a project',
  'agent.read': 'list agents',
  'run.start': 'start or re-run a run',
  'stage.approve': 'approve a stage',
  'deployment.deploy': 'deploy a version',
  'deployment.rollback': 'roll an environment back',
  'deployment.force': 'force a deployment (--force)',
  'agent.manage': 'change agents (labels, removal, tokens)',
  'user.manage': 'manage users, tokens and grants',
  'secret.manage': 'manage secrets',
  'token.own': 'create or revoke their own tokens',
  'audit.read': 'read the audit log',
  // Agents, with their own token.
  'agent.connect': 'open the agent connection',
  'artifact.download': 'download an artifact',
  'source.download': 'download a source archive',
  'artifact.upload': 'upload an artifact (runners only: an agent labelled role=runner)',
  // The join token.
  'agent.enroll': 'enroll an agent',
} as const;

export type Permission = keyof typeof PERMISSION_WORDS;

export const PERMISSIONS = Object.keys(PERMISSION_WORDS) as Permission[];

/**
 * Where an action applies, for grants limited to a project or an environment (issue 7). Absent
 * fields mean "not about one in particular".
 */
export interface AccessScope {
  project?: string;
  env?: string;
}

/** What an agent's own token allows; `artifact.upload` also needs the runner label. */
const AGENT_PERMISSIONS: ReadonlySet<Permission> = new Set(['agent.connect', 'artifact.download', 'source.download', 'artifact.upload']);

/** What only an agent does, as itself: nobody else can hold its connection or upload as its runner. */
const AGENT_ONLY: ReadonlySet<Permission> = new Set(['agent.connect', 'artifact.upload']);

/**
 * Whether `principal` may do `permission` (in `scope`, where a grant is limited to one). The
 * bootstrap admin may do everything but what only an agent does as itself (hold the agent
 * connection, upload as a runner); an agent only what agents do, and uploads only as a runner
 * (labels are fixed at enrollment and changed only by an admin, so the label can be trusted);
 * a pending agent only connects, a revoked or removed one nothing; the join token only enrolls;
 * a user what one of their grants covers (see `covers`); nobody else anything. Pure: no I/O, no clock.
 */
export function can(principal: Principal, permission: Permission, scope: AccessScope = {}): boolean {
  switch (principal.kind) {
    case 'admin':
      return !AGENT_ONLY.has(permission);
    case 'user':
      return principal.grants.some((grant) => covers(grant, permission, scope));
    case 'agent':
      if (!AGENT_PERMISSIONS.has(permission)) return false;
      // A pending agent may hold its connection (and is handed nothing); revoked and removed ones nothing.
      if (principal.agent.status !== 'active') return principal.agent.status === 'pending' && permission === 'agent.connect';
      return permission !== 'artifact.upload' || isRunner(principal.agent);
    case 'join':
      return permission === 'agent.enroll';
    case 'anonymous':
      return false;
  }
}

/** What is done in one environment: a grant limited to environments covers these only there. */
const ENVIRONMENT_PERMISSIONS: ReadonlySet<Permission> = new Set(['stage.approve', 'deployment.deploy', 'deployment.rollback', 'deployment.force', 'secret.manage']);

/**
 * What a grant limited to environments also covers anywhere in its project(s): reading and
 * starting runs, which change no environment. Nothing else: managing users, agents, projects or
 * reading the audit reach past any one environment (an admin of testing who may grant could grant
 * themselves production), so only a grant without an environment covers them.
 */
const PROJECT_WIDE_PERMISSIONS: ReadonlySet<Permission> = new Set(['project.read', 'agent.read', 'run.start']);

/**
 * Whether a grant covers `permission` in `scope`: its role has the permission (managing one's own
 * tokens is about nobody's project, so any grant of it covers it); a grant limited to
 * a project covers only requests about that project (not lists across projects); a grant limited
 * to an environment covers what is done in an environment (deploy, roll back, approve, force, that
 * environment's secrets) only there, reading and starting runs anywhere in its project(s), and
 * nothing else.
 */
export function covers(grant: Grant, permission: Permission, scope: AccessScope): boolean {
  if (!ROLE_PERMISSIONS[grant.role].includes(permission)) return false;
  if (permission === 'token.own') return true;
  if (grant.project !== null && grant.project !== scope.project) return false;
  if (grant.env === null) return true;
  if (ENVIRONMENT_PERMISSIONS.has(permission)) return grant.env === scope.env;
  return PROJECT_WIDE_PERMISSIONS.has(permission);
}
