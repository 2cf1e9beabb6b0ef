// The map from an identity provider's groups to Slipway grants (`--oidc-group-role ops=admin`):
// parsed once at start-up, applied at each sign-in. A group nobody mapped gives nothing.
import { InputError } from '../../base/errors.ts';
import { isRole, ROLES, type Grant } from './roles.ts';

/** One line of the map: members of `group` get `grant`. */
export interface GroupRole {
  group: string;
  grant: Grant;
}

const scopeName = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Reads `GROUP=ROLE[:project[:env]]`. The group is everything before the last "=" (LDAP-style
 * group names such as `cn=ops,ou=groups` hold "=" themselves; a role never does). Throws
 * InputError (SLIPWAY_OIDC_BAD_GROUP_ROLE) saying what is wrong.
 */
export function parseGroupRole(text: string): GroupRole {
  const bad = (why: string) => new InputError('SLIPWAY_OIDC_BAD_GROUP_ROLE', `--oidc-group-role "${text}": ${why}; expected GROUP=ROLE[:project[:env]], e.g. ops=admin or devs=deployer:hello:testing`);
  const at = text.lastIndexOf('=');
  if (at <= 0) throw bad(at === 0 ? 'the group is empty' : 'there is no "="');
  const group = text.slice(0, at);
  const [role = '', project, env, ...rest] = text.slice(at + 1).split(':');
  if (!isRole(role)) throw bad(`"${role}" is not a role (${ROLES.join(', ')})`);
  if (rest.length > 0) throw bad('too many ":"');
  for (const [what, name] of [['project', project], ['environment', env]] as const) {
    if (name !== undefined && !scopeName.test(name)) throw bad(`"${name}" is not a ${what} name`);
  }
  return { group, grant: { role, project: project ?? null, env: env ?? null } };
}

/** The grants that membership of `groups` gives through `map`, each once, in the map's order. */
export function grantsForGroups(map: readonly GroupRole[], groups: readonly string[]): Grant[] {
  const member = new Set(groups);
  const grants: Grant[] = [];
  for (const { group, grant } of map) {
    if (!member.has(group)) continue;
    if (grants.some((g) => g.role === grant.role && g.project === grant.project && g.env === grant.env)) continue;
    grants.push(grant);
  }
  return grants;
}
