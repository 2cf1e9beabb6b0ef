// Sign-in with an API token (the server's admin token, or one made for a person): checked with
// the server before it is kept for this tab. When the server signs people in through an identity
// provider (it says so at /api/v1/auth/config), a button for that comes first.
import { useEffect, useState, type FormEvent } from 'react';
import type { AuthConfigAnswer } from '../../../src/core/api/answers.ts';
import { createApiClient } from '../api/api-client.ts';
import { markSigningIn } from '../api/token-store.ts';

export function SignInPage({ onSignedIn, notice }: { onSignedIn: (token: string) => void; notice?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [provider, setProvider] = useState<AuthConfigAnswer['oidc']>(null);

  useEffect(() => {
    const abort = new AbortController();
    // Public: asked without a token. A server that cannot say simply gets the token form alone.
    fetch('/api/v1/auth/config', { signal: abort.signal, headers: { accept: 'application/json' } })
      .then(async (response) => (response.ok ? ((await response.json()) as AuthConfigAnswer) : null))
      .then((config) => setProvider(config?.oidc ?? null))
      .catch(() => undefined);
    return () => abort.abort();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) return setError('Paste an API token first.');
    setBusy(true);
    setError(undefined);
    let refused = false;
    try {
      await createApiClient(value, () => (refused = true)).get('/api/v1/projects');
      onSignedIn(value);
    } catch (err) {
      setError(refused ? 'The server refused that token. Check that it is the admin token (in <data>/admin-token).' : (err as Error).message);
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={(e) => void submit(e)}>
        <div className="brand large">
          <img src="/favicon.svg" alt="" width={32} height={32} />
          <span>Slipway</span>
        </div>
        <h1>Sign in</h1>
        {notice && <p className="note tone-warn">{notice}</p>}
        {provider && (
          <>
            <a className="button primary wide sign-in-provider" href={provider.signInUrl} onClick={markSigningIn}>Sign in with {provider.provider}</a>
            <p className="sign-in-or"><span>or with an API token</span></p>
          </>
        )}
        <label htmlFor="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          spellCheck={false}
          placeholder="swa_…"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          autoFocus={!provider}
        />
        <p className="hint">The server prints its admin token on first start and keeps it in <code>&lt;data&gt;/admin-token</code>. It stays in this tab only.</p>
        {error && <p className="form-error" role="alert">{error}</p>}
        <button type="submit" className={`button wide${provider ? '' : ' primary'}`} disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
