// How `slipway server` signs people in through an OpenID Connect provider: the flags checked once
// at start-up into settings, or a clear error saying which flag is wrong.
import { InputError } from '../../../base/errors.ts';
import { parseGroupRole, type GroupRole } from '../../../core/access/group-roles.ts';

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  /** Absent: a public client (PKCE alone, no client secret). */
  clientSecret?: string;
  /** Where people reach this server; the redirect URI is <publicUrl>/auth/oidc/callback. */
  publicUrl: URL;
  groupRoles: GroupRole[];
  /** The claim that lists a person's groups (`groups` by default). */
  groupsClaim: string;
  /** The scopes asked for; always with `openid`. */
  scopes: string;
  /** What the sign-in button says: "Sign in with <providerName>". */
  providerName: string;
  /** How long a web session lasts. */
  sessionMs: number;
}

/** The flags as given; all absent: OIDC is off. */
export interface OidcFlags {
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  publicUrl?: string;
  groupRoles?: readonly string[];
  groupsClaim?: string;
  providerName?: string;
  scopes?: string;
  sessionMs?: number;
}

/** The scopes asked for by default: `groups` is the usual scope that puts the groups claim in. */
export const DEFAULT_SCOPES = 'openid profile email groups';

/** A web session lasts a working day: long enough not to annoy, short enough that a group change at the provider takes effect by tomorrow. */
export const DEFAULT_SESSION_MS = 10 * 60 * 60 * 1000;

/**
 * The settings of the given flags, or undefined when no OIDC flag is given. Throws InputError
 * (SLIPWAY_OIDC_CONFIG) when one is missing or wrong: the issuer must be https (http only on a
 * loopback address, for a provider on the same machine), the public URL http(s) without query,
 * and at least one --oidc-group-role given (SLIPWAY_OIDC_BAD_GROUP_ROLE for an unreadable one).
 */
export function checkOidcSettings(flags: OidcFlags): OidcSettings | undefined {
  const given = [flags.issuer, flags.clientId, flags.clientSecret, flags.publicUrl, flags.groupRoles?.length ? 'x' : undefined];
  if (given.every((v) => v === undefined || v === '')) return undefined;
  const bad = (message: string) => new InputError('SLIPWAY_OIDC_CONFIG', message);
  if (!flags.issuer) throw bad('--oidc-issuer is missing: the URL of the identity provider (its /.well-known/openid-configuration is read)');
  if (!flags.clientId) throw bad('--oidc-client-id is missing: the client id the identity provider gave Slipway');
  if (!flags.publicUrl) throw bad('--public-url is missing: the address people use to reach this server (for the redirect URI <public-url>/auth/oidc/callback)');
  if (!flags.groupRoles?.length) throw bad('--oidc-group-role is missing: map at least one group to a role, e.g. --oidc-group-role ops=admin (without one, nobody who signs in has a role)');
  const issuer = parseUrl(flags.issuer, '--oidc-issuer');
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopback(issuer.hostname))) {
    throw bad(`--oidc-issuer ${flags.issuer}: expected an https: URL (http: only on a loopback address)`);
  }
  const publicUrl = parseUrl(flags.publicUrl, '--public-url');
  if (publicUrl.protocol !== 'https:' && publicUrl.protocol !== 'http:') throw bad(`--public-url ${flags.publicUrl}: expected an http: or https: URL`);
  if (publicUrl.search || publicUrl.hash || publicUrl.username || publicUrl.password) throw bad(`--public-url ${flags.publicUrl}: expected a plain address, without query, fragment or credentials`);
  const groupsClaim = flags.groupsClaim ?? 'groups';
  if (!/^[A-Za-z0-9_:./-]{1,100}$/.test(groupsClaim)) throw bad(`--oidc-groups-claim "${groupsClaim}": expected a claim name such as groups or roles`);
  if (flags.sessionMs !== undefined && flags.sessionMs < 60_000) throw bad('--oidc-session: expected at least 1m');
  const scopes = (flags.scopes ?? DEFAULT_SCOPES).split(/\s+/).filter(Boolean);
  if (!scopes.includes('openid')) throw bad(`--oidc-scopes "${flags.scopes}": must include openid`);
  return {
    scopes: scopes.join(' '),
    issuer, clientId: flags.clientId, ...(flags.clientSecret ? { clientSecret: flags.clientSecret } : {}), publicUrl,
    groupRoles: flags.groupRoles.map(parseGroupRole), groupsClaim,
    providerName: flags.providerName?.trim() || issuer.hostname,
    sessionMs: flags.sessionMs ?? DEFAULT_SESSION_MS,
  };
}

/** The redirect URI to register at the provider. */
export function redirectUri(settings: OidcSettings): URL {
  return new URL('auth/oidc/callback', withSlash(settings.publicUrl));
}

/** The public URL with a trailing slash, so relative paths land under it. */
export function withSlash(url: URL): URL {
  return new URL(url.href.endsWith('/') ? url.href : `${url.href}/`);
}

function parseUrl(text: string, flag: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new InputError('SLIPWAY_OIDC_CONFIG', `${flag} ${text}: not a URL`);
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
