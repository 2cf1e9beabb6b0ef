// A sign-in in progress, kept by the browser that started it: its state, nonce and PKCE verifier
// in an HttpOnly cookie signed with a key derived from the server's secret key (so every server
// instance of a PostgreSQL setup reads it), that expires in minutes and is cleared at the
// callback. The callback's state must equal the cookie's: a callback that this browser did not
// start (a link an attacker signed in through) is refused.
import { createHmac, hkdfSync } from 'node:crypto';
import { sameSecret } from '../tokens.ts';
import type { PendingSignIn } from './openid-connect-client.ts';

export const SIGN_IN_COOKIE = 'slipway_sign_in';
/** How long a person has at the provider before the sign-in must start again. */
export const SIGN_IN_MAX_MS = 10 * 60 * 1000;

interface CookieBody extends PendingSignIn {
  /** When it stops being accepted (ms since the epoch). */
  expiresAt: number;
}

export class SignInCookie {
  private readonly key: Buffer;
  /** States already used, until they expire: a replayed cookie is refused on this instance too. */
  private readonly used = new Map<string, number>();

  constructor(secretKey: Buffer, private readonly secure: boolean) {
    this.key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'slipway oidc sign-in cookie', 32));
  }

  /** The Set-Cookie header that remembers `pending` until now + SIGN_IN_MAX_MS. */
  create(pending: PendingSignIn, now: number): string {
    const body = Buffer.from(JSON.stringify({ ...pending, expiresAt: now + SIGN_IN_MAX_MS } satisfies CookieBody)).toString('base64url');
    return this.header(`${body}.${this.sign(body)}`, SIGN_IN_MAX_MS / 1000);
  }

  /** The Set-Cookie header that removes it (sent by every callback, whatever its outcome). */
  clear(): string {
    return this.header('', 0);
  }

  /**
   * The pending sign-in in the request's Cookie header when its signature holds, it has not
   * expired and it was not used before; it is marked used. A string says why not.
   */
  take(cookieHeader: string | undefined, now: number): PendingSignIn | string {
    const value = readCookie(cookieHeader, SIGN_IN_COOKIE);
    if (!value) return 'this browser has no sign-in in progress (it expired, was used already, or cookies are blocked)';
    const [body = '', mac = ''] = value.split('.');
    if (!sameSecret(mac, this.sign(body))) return 'the sign-in cookie is not one this server made';
    let parsed: CookieBody;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CookieBody;
    } catch {
      return 'the sign-in cookie is not one this server made';
    }
    if (parsed.expiresAt <= now) return 'the sign-in took longer than 10 minutes';
    for (const [state, until] of this.used) if (until <= now) this.used.delete(state);
    if (this.used.has(parsed.state)) return 'this sign-in was finished already';
    this.used.set(parsed.state, parsed.expiresAt);
    return { state: parsed.state, nonce: parsed.nonce, verifier: parsed.verifier };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  private header(value: string, maxAgeSeconds: number): string {
    // Lax, not Strict: the provider's redirect back is a top-level navigation from another site,
    // which a Strict cookie would not come with. The path keeps it off every other request.
    return `${SIGN_IN_COOKIE}=${value}; Path=/auth/oidc/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`;
  }
}

/** The value of cookie `name` in a Cookie header; undefined when absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
