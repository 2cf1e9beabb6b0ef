// The central log of one run beside its progress: every line of its jobs and of every host it
// deployed to, interleaved by time, live; chips narrow it to one host.
import { useMemo, useRef, useState } from 'react';
import type { RunDetail } from '../../../src/core/api/answers.ts';
import { LogView } from '../logs/log-view.tsx';
import { useLogFeed } from '../logs/use-log-feed.ts';
import { Link } from '../routing/router.tsx';
import { paths } from '../routing/routes.ts';

export function RunLogPane({ run }: { run: RunDetail }) {
  const [host, setHost] = useState<string>();
  const filters = useMemo(() => ({ run: run.id, host }), [run.id, host]);
  const feed = useLogFeed(filters, true);
  // Every host the run has touched: its deployments' hosts, and whoever wrote its lines (the
  // runner, the server), remembered while one host is picked.
  // Lines are looked at once each, from where the last look ended.
  const seen = useRef(new Set<string>());
  const scanned = useRef(0);
  const hosts = useMemo(() => {
    for (const d of run.deployments) for (const h of d.hosts) seen.current.add(h.hostName);
    if (feed.buffer.length < scanned.current) scanned.current = 0;
    if (!host) {
      for (let i = scanned.current; i < feed.buffer.length; i++) seen.current.add(feed.buffer.at(i)!.host);
      scanned.current = feed.buffer.length;
    }
    return [...seen.current].sort();
  }, [run.deployments, host, feed.buffer, feed.version]);
  return (
    <section className="card log-pane" aria-label="Run log">
      <header className="log-pane-head">
        <h2>Log</h2>
        <span className={`tail-state ${feed.tail}`}>{feed.tail === 'open' ? '● live' : feed.tail === 'off' ? '' : '○ connecting'}</span>
        <span className="muted small-text">{feed.buffer.length.toLocaleString()} lines</span>
        <Link className="small-text" to={paths.logs({ run: run.id, host })}>Open in Logs</Link>
      </header>
      {hosts.length > 0 && (
        <div className="chips" role="group" aria-label="Show lines of">
          <button type="button" className={`chip${host ? '' : ' on'}`} aria-pressed={!host} onClick={() => setHost(undefined)}>all hosts</button>
          {hosts.map((h) => (
            <button key={h} type="button" className={`chip${host === h ? ' on' : ''}`} aria-pressed={host === h} onClick={() => setHost(host === h ? undefined : h)}>{h}</button>
          ))}
        </div>
      )}
      <LogView feed={feed} label={`Log of run #${run.number}`} emptyText="No lines yet: they appear here as the run writes them." compact />
    </section>
  );
}
