// Runs a run's commit again as a new run, and goes to it.
import { useState } from 'react';
import type { Run } from '../../../src/core/model.ts';
import { projectPath } from '../api/api-client.ts';
import { useApi } from '../api/api-context.ts';
import { useRouter } from '../routing/router.tsx';
import { paths } from '../routing/routes.ts';

export function RerunButton({ project, runNumber }: { project: string; runNumber: number }) {
  const api = useApi();
  const { navigate } = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const rerun = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const run = await api.post<Run>(projectPath(project, `/runs/${runNumber}/rerun`), {});
      navigate(paths.run(project, run.number));
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <span className="action">
      <button type="button" className="button small" onClick={() => void rerun()} disabled={busy}>{busy ? 'Starting…' : '⟳ Re-run'}</button>
      {error && <span className="form-error" role="alert">{error}</span>}
    </span>
  );
}
