// A real OpenID Connect provider for the sign-in tests: `oidc-provider` (the certified Node.js
// implementation) on a loopback port, with its own login and consent pages (a person signs in
// with any password under a known login), clients registered for Slipway and for another app,
// and accounts whose claims carry groups. `answerNextTokenRequestWith` makes it a hostile
// provider for one answer: its token endpoint sends another ID token than the one it made.
import type { Server } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from '../../support/slipway-processes.ts';

export interface TestAccount {
  preferred_username: string;
  email: string;
  groups: string[];
}

export interface TestClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export class TestIdentityProvider {
  private constructor(readonly issuer: string, private readonly server: Server, private readonly armed: { idToken?: string }) {}

  /** Starts the provider at http://127.0.0.1:<free port>. */
  static async start(options: { clients: TestClient[]; accounts: Record<string, TestAccount> }): Promise<TestIdentityProvider> {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const configuration: Configuration = {
      clients: options.clients.map((c) => ({ ...c, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' })),
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name'], groups: ['groups'] },
      findAccount: (_ctx, id) => {
        const account = options.accounts[id];
        if (!account) return undefined;
        return { accountId: id, claims: () => ({ sub: id, ...account, email_verified: true }) };
      },
      // Its own login and consent pages: any password goes, the login names the account.
      features: { devInteractions: { enabled: true } },
      pkce: { required: () => true },
      cookies: { keys: ['test-identity-provider-cookie-key'] },
    };
    const provider = new Provider(issuer, configuration);
    const armed: { idToken?: string } = {};
    // After the token endpoint has made its answer: the hostile provider's swap, when armed.
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path === '/token' && ctx.method === 'POST' && armed.idToken && body?.id_token) {
        ctx.body = { ...body, id_token: armed.idToken };
        delete armed.idToken;
      }
    });
    const server = await new Promise<Server>((resolve, reject) => {
      const listening = provider.listen(port, '127.0.0.1', () => resolve(listening));
      listening.once('error', reject);
    });
    return new TestIdentityProvider(issuer, server, armed);
  }

  /** The next answer of the token endpoint carries `idToken` instead of the ID token it made. */
  answerNextTokenRequestWith(idToken: string): void {
    this.armed.idToken = idToken;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
