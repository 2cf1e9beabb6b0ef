// The migrate step of a deployment, between staging and the host batches: where it runs, how long
// it took, and when it failed or nobody can tell, the error and its log lines (as text, never markup).
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import { failedMigrationText, migrationLogTail, migrationView } from '../../../src/core/api/migration-view.ts';
import type { DeploymentMigration } from '../../../src/core/model.ts';
import { ProgressBar } from '../components/progress-bar.tsx';
import { migrationProgress } from './progress.ts';

export function MigrateStep({ deployment, migration }: { deployment: DeploymentDetail; migration: DeploymentMigration }) {
  const view = migrationView(migration);
  const progress = migrationProgress(migration);
  const tail = view.failed ? migrationLogTail(deployment) : [];
  return (
    <div className={`migrate-step tone-${progress.tone}`} data-migration={migration.state}>
      <span className="host-bar-name">migrate</span>
      <ProgressBar value={progress.value} tone={progress.tone} label={`${deployment.env} migration: ${view.text}`} />
      {/* Unknown: the line below says what a person must do; here only the state and its host. */}
      <span className="migrate-state">{migration.state === 'unknown' ? `${view.word} ${view.detail}`.trim() : view.text}</span>
      {view.failed && (
        <div className="migrate-failure">
          <div className="stage-error">{failedMigrationText(deployment)}</div>
          {tail.length > 0 && <pre className="cause-tail">{tail.join('\n')}</pre>}
        </div>
      )}
    </div>
  );
}
