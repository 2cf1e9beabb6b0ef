// What Slipway takes from a verified ID token (and the provider's userinfo): who the person is at
// the provider, the user name they get here, their email and their groups.
import { AuthError } from '../../base/errors.ts';
import { RESERVED_NAMES } from './principal.ts';

export interface SignInClaims {
  /** The provider's stable id of the person (`sub`); with the issuer it names the Slipway user. */
  subject: string;
  /** A valid Slipway user name taken from preferred_username or email (unique only after `nameWithSuffix`). */
  name: string;
  /** Lowercased; null when the provider gave none or said it is not verified. */
  email: string | null;
  groups: string[];
}

/**
 * Reads the claims of a signed-in person. `claims` is the verified ID token's claims with the
 * userinfo's after them (the ID token wins). Throws AuthError (SLIPWAY_OIDC_BAD_CLAIMS) when
 * `sub` is missing or the groups claim is neither a list of strings nor one string.
 */
export function readSignInClaims(claims: Record<string, unknown>, groupsClaim: string): SignInClaims {
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '') throw new AuthError('SLIPWAY_OIDC_BAD_CLAIMS', 'the identity provider\'s ID token has no subject (sub)');
  const rawGroups = claims[groupsClaim];
  let groups: string[];
  if (rawGroups === undefined || rawGroups === null) groups = [];
  else if (typeof rawGroups === 'string') groups = [rawGroups];
  else if (Array.isArray(rawGroups) && rawGroups.every((g) => typeof g === 'string')) groups = rawGroups;
  else throw new AuthError('SLIPWAY_OIDC_BAD_CLAIMS', `the identity provider's "${groupsClaim}" claim is not a list of group names (see --oidc-groups-claim)`);
  const email = typeof claims.email === 'string' && claims.email_verified !== false && /^[^\s<>@]+@[^\s<>@]+$/.test(claims.email) ? claims.email.toLowerCase() : null;
  const preferred = typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined;
  return { subject, name: userNameOf(preferred ?? email?.split('@')[0] ?? ''), email, groups };
}

/** `text` made a valid user name: lowercase letters, digits, ".", "_" and "-", from a letter, at most 56 characters. */
function userNameOf(text: string): string {
  const name = text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z]+/, '').slice(0, 56).replace(/[-.]+$/, '');
  return name === '' || RESERVED_NAMES.includes(name) ? `user${name === '' ? '' : `-${name}`}` : name;
}

/** The `n`th name to try for a new user (1: the name itself, then name-2, name-3, …). */
export function nameWithSuffix(name: string, n: number): string {
  return n <= 1 ? name : `${name}-${n}`;
}
