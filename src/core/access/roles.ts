// The roles as data: which permissions each grants, and the grants that give a user a role in
// every project and environment, or in one project, or in one environment of it.
import type { Permission } from './permissions.ts';

export const ROLES = ['viewer', 'developer', 'deployer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A role given to a user; null project or env: every one. */
export interface Grant {
  role: Role;
  project: string | null;
  env: string | null;
}

export function isRole(text: string): text is Role {
  return (ROLES as readonly string[]).includes(text);
}

const viewer: Permission[] = ['project.read', 'agent.read', 'token.own'];
const developer: Permission[] = [...viewer, 'run.start'];
const deployer: Permission[] = [...developer, 'stage.approve', 'deployment.deploy', 'deployment.rollback'];
const admin: Permission[] = [...deployer, 'project.create', 'deployment.force', 'agent.manage', 'user.manage', 'secret.manage', 'audit.read',
  'artifact.download', 'source.download'];

/** Each role's permissions; each role includes the ones before it. Agent-only and join permissions are in none. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = { viewer, developer, deployer, admin };
