// A verified sign-in turned into a Slipway session, in one transaction with its events: the user
// of that identity made (with a free name) or brought up to date, and a session token that
// expires and carries the grants the person's groups give now. Nothing is written for a person
// whose groups give no role and who has no grant of their own.
import { newId, newToken } from '../../../base/ids.ts';
import { grantsForGroups } from '../../../core/access/group-roles.ts';
import type { Grant } from '../../../core/access/roles.ts';
import { nameWithSuffix, type SignInClaims } from '../../../core/access/sign-in-claims.ts';
import type { Clock } from '../../../base/clock.ts';
import { ConflictError } from '../../../base/errors.ts';
import type { EventLog } from '../../engine/event-log.ts';
import { describeGrant } from '../../api/user-routes.ts';
import { hashToken } from '../tokens.ts';
import type { OidcSettings } from './oidc-settings.ts';

export type SignInOutcome =
  | { kind: 'signed-in'; user: string; token: string; tokenId: string; grants: Grant[]; expiresAt: number }
  | { kind: 'no-role'; user: string; groups: string[] };

/** Names tried for a new user before giving up (name, name-2, … name-20). */
const NAME_TRIES = 20;

/**
 * Signs the person of `claims` in (see the top of the file); the sign-in, or its refusal for want
 * of a role, is in the audit log with the caller's `address`.
 */
export async function startSession(deps: { events: EventLog; clock: Clock }, settings: OidcSettings, claims: SignInClaims, address: string): Promise<SignInOutcome> {
  const identity = { issuer: settings.issuer.href, subject: claims.subject };
  const sessionGrants = grantsForGroups(settings.groupRoles, claims.groups);
  const token = newToken('sws');
  const tokenId = newId();
  const now = deps.clock.now();
  const expiresAt = now + settings.sessionMs;
  const session = { id: tokenId, tokenHash: hashToken(token), expiresAt, grants: sessionGrants };
  return deps.events.transaction(async (tx) => {
    const users = tx.store.users;
    const existing = await users.getByIdentity(identity);
    const own = existing ? await users.grants(existing.id) : [];
    const audit = (actor: string, outcome: 'ok' | 'refused', message: string, after: unknown) => tx.audit({
      actor, address, action: 'user.sign_in', target: `user:${actor}`, project: null, outcome,
      code: outcome === 'ok' ? null : 'SLIPWAY_OIDC_NO_ROLE', message, before: null, after,
    });
    if (sessionGrants.length === 0 && own.length === 0) {
      const user = existing?.name ?? claims.name;
      await audit(user, 'refused', `no role for the groups ${claims.groups.join(', ') || '(none)'} at ${settings.providerName}`, null);
      return { kind: 'no-role', user, groups: claims.groups };
    }
    let name: string;
    if (existing) {
      name = existing.name;
      if (existing.email !== claims.email) await users.setEmail(existing.id, claims.email);
      await users.addToken(existing.id, session, now);
    } else {
      name = await freeName(async (candidate) => (await users.getByName(candidate)) === undefined, claims.name);
      await users.create({ name, email: claims.email, identity }, session, now);
      await tx.emit('user.added', `user ${name} added at their first sign-in through ${settings.providerName}${claims.email ? ` (${claims.email})` : ''}`,
        { actor: name, data: { user: name, email: claims.email, issuer: identity.issuer, subject: identity.subject } });
    }
    const roles = [...own, ...sessionGrants].map(describeGrant).join(', ');
    await audit(name, 'ok', `signed in through ${settings.providerName} as ${roles}`, { groups: claims.groups, grants: sessionGrants, tokenId, expiresAt });
    await tx.emit('user.signed-in', `${name} signed in through ${settings.providerName} as ${roles}`,
      { actor: name, data: { user: name, groups: claims.groups, grants: sessionGrants, tokenId, expiresAt } });
    return { kind: 'signed-in', user: name, token, tokenId, grants: [...own, ...sessionGrants], expiresAt };
  });
}

async function freeName(isFree: (name: string) => Promise<boolean>, name: string): Promise<string> {
  for (let n = 1; n <= NAME_TRIES; n++) {
    const candidate = nameWithSuffix(name, n);
    if (await isFree(candidate)) return candidate;
  }
  throw new ConflictError('SLIPWAY_USER_EXISTS', `the user names ${name} to ${nameWithSuffix(name, NAME_TRIES)} are all taken: an admin may remove one`);
}
