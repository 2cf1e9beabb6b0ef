// The API token a person signed in with, kept in sessionStorage: it lasts as long as the tab and
// is never written anywhere a later visitor of the machine would find it. A sign-in through the
// identity provider hands its session token over in the address's fragment (#session=…), which
// no server or proxy sees; it is taken from there at once and the address is put back without it.

const key = 'slipway.token';

export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  sessionStorage.setItem(key, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(key);
}

const signingInKey = 'slipway.signing-in';

/** Notes that this tab went to the identity provider to sign in: only then is a session in the address taken. */
export function markSigningIn(): void {
  sessionStorage.setItem(signingInKey, '1');
}

/**
 * The session token in the address's fragment, if any: removed from the address and its history
 * entry at once, and kept like a pasted token when this tab started a sign-in. A link that
 * carries somebody else's session (to sign a person in as the sender) is ignored.
 */
export function takeSessionFromAddress(): string | null {
  const match = /^#session=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!match?.[1]) return null;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
  let started: boolean;
  try {
    started = sessionStorage.getItem(signingInKey) === '1';
    sessionStorage.removeItem(signingInKey);
  } catch {
    return null;
  }
  if (!started) return null;
  saveToken(match[1]);
  return match[1];
}
