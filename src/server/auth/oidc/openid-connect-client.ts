// The adapter to the identity provider, over `openid-client` (whose types stay in this file):
// discovery, the authorization URL with PKCE (S256), state and nonce, and the callback's code
// exchanged at the token endpoint with the ID token verified (signature by the provider's JWKS,
// iss, aud, exp, nonce). Its failures leave as SlipwayErrors that say what went wrong.
import type { Logger } from 'pino';
import * as oidc from 'openid-client';
import { AuthError, SlipwayError, errorMessage } from '../../../base/errors.ts';
import { redirectUri, type OidcSettings } from './oidc-settings.ts';

/** What a sign-in in progress must remember until the callback: kept in a signed cookie. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
}

/** The identity provider cannot be reached or answers nonsense: the page says so and the log says why. */
export class ProviderUnreachableError extends SlipwayError {}

export class OpenIdConnectClient {
  private configuration: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings, private readonly log: Logger) {}

  /** Where to send the browser to sign in, and what the callback must find again. */
  async startSignIn(): Promise<{ url: URL; pending: PendingSignIn }> {
    const config = await this.config();
    const pending: PendingSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri(this.settings).href,
      scope: this.settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pending };
  }

  /**
   * Finishes a sign-in from the callback's query: checks the state, exchanges the code (with the
   * PKCE verifier) and verifies the ID token, then adds the userinfo's claims where the ID token
   * has none of its own. Returns the claims; throws AuthError (SLIPWAY_OIDC_PROVIDER_REFUSED,
   * SLIPWAY_OIDC_CODE_REFUSED, SLIPWAY_OIDC_TOKEN_INVALID) or ProviderUnreachableError.
   */
  async finishSignIn(query: string, pending: PendingSignIn): Promise<Record<string, unknown>> {
    const config = await this.config();
    const current = new URL(redirectUri(this.settings));
    current.search = query;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
      const claims = tokens.claims();
      if (!claims) throw new AuthError('SLIPWAY_OIDC_TOKEN_INVALID', 'the identity provider sent no ID token');
      const idClaims: Record<string, unknown> = { ...claims };
      const needsUserInfo = idClaims[this.settings.groupsClaim] === undefined || (idClaims.preferred_username === undefined && idClaims.email === undefined);
      if (!needsUserInfo || !config.serverMetadata().userinfo_endpoint) return idClaims;
      const userInfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      return { ...userInfo, ...idClaims };
    } catch (err) {
      throw this.translate(err);
    }
  }

  private translate(err: unknown): Error {
    if (err instanceof SlipwayError) return err;
    if (err instanceof oidc.AuthorizationResponseError) {
      return new AuthError('SLIPWAY_OIDC_PROVIDER_REFUSED', `the identity provider refused the sign-in: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`, { cause: err });
    }
    if (err instanceof oidc.ResponseBodyError) {
      return new AuthError('SLIPWAY_OIDC_CODE_REFUSED', `the identity provider refused the sign-in code (it was used already, has expired, or was not issued to Slipway): ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`, { cause: err });
    }
    if (err instanceof oidc.ClientError) {
      const detail = err.cause instanceof Error && err.cause.message !== err.message ? `: ${err.cause.message}` : '';
      return new AuthError('SLIPWAY_OIDC_TOKEN_INVALID', `the identity provider's answer was refused: ${err.message}${detail}`, { cause: err });
    }
    this.log.warn({ err: errorMessage(err) }, 'identity provider unreachable');
    return new ProviderUnreachableError('SLIPWAY_OIDC_UNREACHABLE', `the identity provider at ${this.settings.issuer.href} cannot be reached: ${errorMessage(err)}`, { cause: err });
  }

  /** The provider's configuration, discovered once; a failed discovery is tried again at the next sign-in. */
  private config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((err: unknown) => {
      this.configuration = undefined;
      throw err;
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    // Checked at start-up: http: only for a provider on a loopback address.
    const execute = issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
    try {
      return await oidc.discovery(issuer, clientId, clientSecret, clientSecret === undefined ? oidc.None() : undefined, { execute, timeout: 10 });
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'identity provider discovery failed');
      throw new ProviderUnreachableError('SLIPWAY_OIDC_UNREACHABLE', `the identity provider at ${issuer.href} cannot be reached or sent no valid configuration: ${errorMessage(err)}`, { cause: err });
    }
  }
}
