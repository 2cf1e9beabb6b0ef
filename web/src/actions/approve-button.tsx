// Opens a manual gate: approves the run's deployment into an environment.
import { useState } from 'react';
import { projectPath } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';

export function ApproveButton({ project, runNumber, env, onDone }: { project: string; runNumber: number; env: string; onDone?: () => void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const approve = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.post(projectPath(project, `/runs/${runNumber}/approve`), { env });
      onDone?.();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="action">
      <button type="button" className="button primary small" onClick={() => void approve()} disabled={busy}>
        {busy ? 'Approving…' : `Approve ${env}`}
      </button>
      {error && <span className="form-error" role="alert">{error}</span>}
    </span>
  );
}
