// Sign-in through the identity provider for the web UI: GET /auth/oidc/login sends the browser
// there, GET /auth/oidc/callback takes it back and starts a session, GET /api/v1/auth/config
// tells the sign-in page whether to show the button. The session token goes to the UI in the
// URL's fragment, which browsers never send to a server, so no access log or proxy sees it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, ForbiddenError, SlipwayError, errorMessage } from '../../../base/errors.ts';
import type { AuthConfigAnswer } from '../../../core/api/answers.ts';
import { readSignInClaims } from '../../../core/access/sign-in-claims.ts';
import type { ApiDeps } from '../../api/api-deps.ts';
import { requires } from '../authorize-requests.ts';
import { sameSecret } from '../tokens.ts';
import { ProviderUnreachableError, type OpenIdConnectClient } from './openid-connect-client.ts';
import { startSession } from './oidc-sign-in.ts';
import { withSlash, type OidcSettings } from './oidc-settings.ts';
import type { SignInCookie } from './sign-in-cookie.ts';
import { resultPageHeaders, signInResultPage } from './sign-in-result-page.ts';

/** What the routes need when the server signs people in through a provider. */
export interface OidcSignIn {
  settings: OidcSettings;
  client: OpenIdConnectClient;
  cookie: SignInCookie;
}

/** The fragment parameter that hands the UI its session token. */
export const SESSION_FRAGMENT = 'session';

export function oidcRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const oidc = deps.oidc;
  const publicRoute = requires('public');

  app.get('/api/v1/auth/config', publicRoute, (): AuthConfigAnswer => ({
    oidc: oidc ? { provider: oidc.settings.providerName, signInUrl: '/auth/oidc/login' } : null,
  }));

  app.get('/auth/oidc/login', publicRoute, async (request, reply) => {
    if (!oidc) return notConfigured(reply);
    try {
      const { url, pending } = await oidc.client.startSignIn();
      return reply.code(302).header('set-cookie', oidc.cookie.create(pending, deps.clock.now())).header('cache-control', 'no-store').redirect(url.href);
    } catch (err) {
      return refused(request, reply, err);
    }
  });

  app.get('/auth/oidc/callback', publicRoute, async (request, reply) => {
    if (!oidc) return notConfigured(reply);
    // Whatever happens next, this sign-in is over: the cookie goes.
    reply.header('set-cookie', oidc.cookie.clear());
    try {
      const pending = oidc.cookie.take(request.headers.cookie, deps.clock.now());
      if (typeof pending === 'string') throw new AuthError('SLIPWAY_OIDC_STATE', `${pending}: start the sign-in again`);
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const state = new URLSearchParams(query).get('state') ?? '';
      if (!sameSecret(state, pending.state)) throw new AuthError('SLIPWAY_OIDC_STATE', 'the callback\'s state is not the one this browser\'s sign-in started with (a link from somebody else?): start the sign-in again');
      const claims = readSignInClaims(await oidc.client.finishSignIn(query, pending), oidc.settings.groupsClaim);
      const outcome = await startSession(deps, oidc.settings, claims, request.ip);
      if (outcome.kind === 'no-role') {
        const groups = outcome.groups.length ? `your groups (${outcome.groups.join(', ')}) give` : `${oidc.settings.providerName} lists no groups for you, which gives`;
        throw new ForbiddenError('SLIPWAY_OIDC_NO_ROLE', `You signed in as ${outcome.user}, but ${groups} no role in Slipway. Ask a Slipway admin to map one of your groups to a role (--oidc-group-role) or to grant you one.`);
      }
      request.log.info({ user: outcome.user, grants: outcome.grants.length }, 'signed in through the identity provider');
      const home = withSlash(oidc.settings.publicUrl);
      home.hash = `${SESSION_FRAGMENT}=${outcome.token}`;
      return reply.code(303).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(home.href);
    } catch (err) {
      return refused(request, reply, err);
    }
  });
}

const statusOf: Record<string, number> = { input: 400, auth: 401, forbidden: 403, not_found: 404, conflict: 409 };

/** The refusal as a page for the person, and as a line in the server's log. */
function refused(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  if (!(err instanceof SlipwayError)) {
    request.log.error({ err }, 'sign-in failed');
    return reply.code(500).headers(resultPageHeaders).send(signInResultPage('Sign-in failed', 'Something went wrong on the Slipway server (see its log).', 'SLIPWAY_INTERNAL'));
  }
  const status = err instanceof ProviderUnreachableError ? 502 : statusOf[err.kind] ?? 500;
  request.log.warn({ code: err.code, err: errorMessage(err) }, 'sign-in refused');
  const title = err.code === 'SLIPWAY_OIDC_NO_ROLE' ? 'No role in Slipway' : 'Sign-in refused';
  return reply.code(status).headers(resultPageHeaders).send(signInResultPage(title, err.message, err.code));
}

function notConfigured(reply: FastifyReply): FastifyReply {
  return reply.code(404).headers(resultPageHeaders).send(signInResultPage('No identity provider', 'This Slipway server signs people in with API tokens only (it was started without --oidc-issuer).', 'SLIPWAY_OIDC_NOT_CONFIGURED'));
}
