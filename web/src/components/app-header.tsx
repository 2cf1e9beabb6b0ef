// The bar at the top of every page: where you are, where else to go, whether live updates flow.
import type { WhoAmIAnswer } from '../../../src/core/api/answers.ts';
import { useResource } from '../api/use-resource.ts';
import { useLiveState } from '../live/live-events.tsx';
import { roleSummary } from './role-summary.ts';
import { Link, useRouter } from '../routing/router.tsx';
import { paths } from '../routing/routes.ts';

const links = [
  { to: paths.overview(), label: 'Overview', match: (p: string) => p === '/' || p.startsWith('/projects/') },
  { to: paths.hosts(), label: 'Hosts', match: (p: string) => p === '/hosts' },
  { to: paths.logs(), label: 'Logs', match: (p: string) => p === '/logs' },
];

/** Pages only some may open: shown to a caller whose permissions include `needs`. */
const adminLinks = [
  { to: paths.audit(), label: 'Audit', needs: 'audit.read', match: (p: string) => p === '/audit' },
] as const;

export function AppHeader({ onSignOut }: { onSignOut: () => void }) {
  const { location } = useRouter();
  const live = useLiveState();
  // Who is signed in decides the admins' links; without an answer (no grant at all) there are none.
  const me = useResource<WhoAmIAnswer>('/api/v1/me').data;
  const shown = [...links, ...adminLinks.filter((link) => me?.permissions.includes(link.needs))];
  return (
    <header className="app-header">
      <Link to="/" className="brand" aria-label="Slipway overview">
        <img src="/favicon.svg" alt="" width={22} height={22} />
        <span>Slipway</span>
      </Link>
      <nav className="app-nav" aria-label="Pages">
        {shown.map((link) => (
          <Link key={link.to} to={link.to} className={link.match(location.pathname) ? 'active' : undefined} aria-current={link.match(location.pathname) ? 'page' : undefined}>
            {link.label}
          </Link>
        ))}
      </nav>
      <div className="header-end">
        {me && (
          <span className="signed-in-as" data-signed-in-as={me.name} title="Signed in as">
            <strong>{me.name}</strong> · {roleSummary(me)}
          </span>
        )}
        <span className={`live-state ${live}`} title={live === 'open' ? 'Live updates are on' : 'Live updates are reconnecting'}>
          <span className="live-dot" aria-hidden="true" />
          {live === 'open' ? 'Live' : live === 'unauthorized' ? 'Signed out' : live === 'forbidden' ? 'No live updates' : 'Reconnecting…'}
        </span>
        <button type="button" className="button small quiet" onClick={onSignOut}>Sign out</button>
      </div>
    </header>
  );
}
