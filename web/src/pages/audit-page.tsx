// The audit log: who changed what, when, from where, newest first, with the setting before and
// after; filters by actor and project; and the check of the hash chain. Admins only (audit.read):
// anybody else is told so plainly.
import { useState } from 'react';
import type { AuditEntryAnswer, AuditVerifyAnswer } from '../../../src/core/api/answers.ts';
import { queryString } from '../api/api-client.ts';
import { useResource } from '../api/use-resource.ts';
import { ErrorNote } from '../components/error-note.tsx';
import { useLiveReload } from '../live/live-events.tsx';
import { fullTime } from '../format.ts';

const PAGE = 200;

export function AuditPage() {
  const [actor, setActor] = useState('');
  const [project, setProject] = useState('');
  const [verifying, setVerifying] = useState(false);
  const entries = useResource<AuditEntryAnswer[]>(`/api/v1/audit${queryString({ actor: actor.trim(), project: project.trim(), limit: PAGE })}`);
  const verdict = useResource<AuditVerifyAnswer>(verifying ? '/api/v1/audit/verify' : null);
  // A change by somebody raises an event with its actor: reload then (refusals raise none).
  useLiveReload(entries.reload, (event) => event.actor !== null);

  if (entries.error?.status === 403) {
    return (
      <>
        <div className="page-head"><h1>Audit</h1></div>
        <div className="note tone-fail" role="alert">
          <strong>The audit log is for admins.</strong> {entries.error.message}. Ask an admin for the <code>admin</code> role
          (<code>slipway grant USER admin</code>).
        </div>
      </>
    );
  }

  const list = entries.data ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Audit</h1>
        {entries.data && <span className="muted">{list.length === PAGE ? `newest ${PAGE}` : `${list.length} entries`}</span>}
      </div>
      <div className="filter-bar audit-filters">
        <div className="filter-row">
          <label className="filter">Actor<input value={actor} onChange={(e) => setActor(e.target.value)} placeholder="bob, admin, agent:web-1" /></label>
          <label className="filter">Project<input value={project} onChange={(e) => setProject(e.target.value)} placeholder="hello" /></label>
          <button type="button" className="button small" onClick={() => (verifying ? verdict.reload() : setVerifying(true))}>Verify the chain</button>
          {verifying && <ChainVerdict verdict={verdict.data} loading={verdict.loading} />}
        </div>
      </div>
      {verdict.error && <ErrorNote error={verdict.error} what="the chain's check" />}
      {entries.error && <ErrorNote error={entries.error} what="the audit log" />}
      {entries.loading && !entries.error && <div className="skeleton" aria-busy="true">Loading…</div>}
      {entries.data?.length === 0 && <div className="empty-state"><h2>Nothing recorded</h2><p>Changes and refused requests appear here as they happen.</p></div>}
      {list.length > 0 && (
        <div className="card table-card">
          <table className="hosts-table audit-table">
            <thead>
              <tr><th>When</th><th>Actor</th><th>Address</th><th>Action</th><th>Target</th><th>Outcome</th><th>Before → after</th></tr>
            </thead>
            <tbody>
              {list.map((entry) => (
                <tr key={entry.seq} data-seq={entry.seq} className={entry.outcome === 'refused' ? 'refused' : undefined}>
                  <td data-label="When"><span title={`entry ${entry.seq}`}>{fullTime(entry.at)}</span></td>
                  <td data-label="Actor"><strong>{entry.actor}</strong></td>
                  <td data-label="Address"><code>{entry.address ?? '—'}</code></td>
                  <td data-label="Action"><code>{entry.action}</code></td>
                  <td data-label="Target">
                    <code>{entry.target}</code>
                    {entry.message && <div className="muted small-text">{entry.message}</div>}
                  </td>
                  <td data-label="Outcome">
                    {entry.outcome === 'ok' ? <span className="badge tone-ok">ok</span> : <span className="badge tone-fail" title={entry.code ?? undefined}>refused</span>}
                    {entry.code && <div className="muted small-text"><code>{entry.code}</code></div>}
                  </td>
                  <td data-label="Before → after"><Change before={entry.before} after={entry.after} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function ChainVerdict({ verdict, loading }: { verdict: AuditVerifyAnswer | undefined; loading: boolean }) {
  if (loading || !verdict) return <span className="muted">Checking…</span>;
  if (verdict.ok) return <span className="badge tone-ok" role="status">intact: {verdict.entries} entries</span>;
  return <span className="badge tone-fail" role="alert">broken at entry {verdict.seq} ({verdict.problem}): {verdict.message}</span>;
}

function Change({ before, after }: { before: unknown; after: unknown }) {
  if (before === null && after === null) return <span className="muted">—</span>;
  return (
    <div className="audit-change">
      {before !== null && <code className="before">{JSON.stringify(before)}</code>}
      {before !== null && after !== null && <span aria-hidden="true"> → </span>}
      {after !== null && <code className="after">{JSON.stringify(after)}</code>}
    </div>
  );
}
