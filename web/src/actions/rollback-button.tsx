// Rolls an environment back to its known-good version, after saying exactly what will happen.
import { useState } from 'react';
import { projectPath } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import type { EnvironmentView } from '../../../src/core/api/answers.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';

export function RollbackButton({ project, env, busy, onDone }: { project: string; env: EnvironmentView; busy: boolean; onDone?: () => void }) {
  const api = useApi();
  const [asking, setAsking] = useState(false);
  const target = env.rollbackTo;
  const leaving = env.knownGood && env.knownGood !== target ? env.knownGood : null;
  const why = busy ? 'A deployment of this environment is under way' : target ? undefined : 'There is no earlier known-good version to go back to';
  return (
    <>
      <button type="button" className="button small danger-quiet" disabled={!target || busy} title={why ?? `Roll ${env.name} back to ${target}`} onClick={() => setAsking(true)}>
        ↺ Roll back…
      </button>
      {asking && target && (
        <ConfirmDialog
          title={`Roll back ${env.name}?`}
          confirmLabel={`Roll back ${env.name}`}
          danger
          onClose={() => setAsking(false)}
          onConfirm={async () => {
            await api.post(projectPath(project, '/rollback'), { env: env.name });
            onDone?.();
          }}
        >
          <p>
            Every host of <strong>{env.name}</strong> ({env.hosts.length} host{env.hosts.length === 1 ? '' : 's'}) goes back to{' '}
            <code className="version">{target}</code>{leaving ? <>, leaving <code className="version">{leaving}</code></> : ' (the known-good version)'}.
          </p>
          {leaving && <p>Version <code className="version">{leaving}</code> is then quarantined: it is not promoted or deployed automatically again unless someone forces it.</p>}
        </ConfirmDialog>
      )}
    </>
  );
}
