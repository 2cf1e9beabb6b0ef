// A run as lists show it (GET /projects/:name/runs, the overview's last run): without its config,
// with its stages.
import type { RunSummary } from '../../core/api/answers.ts';
import type { Run } from '../../core/model.ts';
import type { Store } from '../../storage/store.ts';

export async function runSummary(store: Store, run: Run): Promise<RunSummary> {
  const { config: _config, ...rest } = run;
  return { ...rest, stages: await store.runs.stages(run.id) };
}
