// The roles of issue 7 as data: which permissions each grants. Nothing grants roles yet (users
// come with issue 7); this keeps the permission list honest about the roles it was shaped for.
import type { Permission } from './permissions.ts';

export type Role = 'viewer' | 'developer' | 'deployer' | 'admin';

const viewer: Permission[] = ['project.read', 'agent.read'];
const developer: Permission[] = [...viewer, 'run.start'];
const deployer: Permission[] = [...developer, 'stage.approve', 'deployment.deploy', 'deployment.rollback'];
const admin: Permission[] = [...deployer, 'project.create', 'deployment.force', 'agent.manage', 'user.manage', 'secret.manage',
  'artifact.download', 'source.download'];

/** Each role's permissions; each role includes the ones before it. Agent-only and join permissions are in none. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = { viewer, developer, deployer, admin };
