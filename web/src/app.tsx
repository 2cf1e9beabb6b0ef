// The whole UI: sign-in until a token is accepted, then the header and the page the address names.
import { useCallback, useMemo, useState } from 'react';
import { createApiClient } from './api/api-client.ts';
import { ApiContext } from './api/api-context.ts';
import { forgetToken, loadToken, saveToken, takeSessionFromAddress } from './api/token-store.ts';
import { AppHeader } from './components/app-header.tsx';
import { LiveEventsProvider } from './live/live-events.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { HostsPage } from './pages/hosts-page.tsx';
import { LogsPage } from './pages/logs-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { RunPage } from './pages/run-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { RouterProvider, useRouter } from './routing/router.tsx';
import { matchRoute } from './routing/routes.ts';

export function App() {
  return (
    <RouterProvider>
      <SignedInApp />
    </RouterProvider>
  );
}

function SignedInApp() {
  const [token, setToken] = useState(() => takeSessionFromAddress() ?? loadToken());
  const [notice, setNotice] = useState<string>();

  const signOut = useCallback((why?: string) => {
    forgetToken();
    setToken(null);
    setNotice(why);
  }, []);
  const refused = useCallback(() => signOut('The server no longer accepts the token this tab had. Sign in again.'), [signOut]);
  const api = useMemo(() => (token ? createApiClient(token, refused) : null), [token, refused]);

  if (!api || !token) {
    return <SignInPage notice={notice} onSignedIn={(value) => { saveToken(value); setNotice(undefined); setToken(value); }} />;
  }
  return (
    <ApiContext.Provider value={api}>
      <LiveEventsProvider token={token} onUnauthorized={refused}>
        <AppHeader onSignOut={() => {
          // A web session's token ends on the server too; whatever the answer, this tab forgets it.
          api.post('/api/v1/me/sign-out', {}).catch(() => undefined).finally(() => signOut());
        }} />
        <main className="page">
          <CurrentPage />
        </main>
      </LiveEventsProvider>
    </ApiContext.Provider>
  );
}

function CurrentPage() {
  const { location } = useRouter();
  const route = matchRoute(location.pathname);
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'run':
      return <RunPage key={`${route.project}/${route.number}`} project={route.project} number={route.number} />;
    case 'hosts':
      return <HostsPage />;
    case 'logs':
      return <LogsPage />;
    case 'audit':
      return <AuditPage />;
    case 'not-found':
      return <NotFoundPage />;
  }
}
