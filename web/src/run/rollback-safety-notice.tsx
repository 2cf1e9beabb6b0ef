// The notice a run page shows, above everything, when the rollback rehearsal found that the previous
// release fails on the database this version migrated: rolling back would not help, so say it loud.
import type { RollbackSafety } from '../../../src/core/model.ts';
import { notRollbackSafeText } from '../../../src/core/api/rehearsal-view.ts';

export function RollbackSafetyNotice({ safety }: { safety: RollbackSafety | null }) {
  const text = notRollbackSafeText(safety);
  if (!text || !safety) return null;
  return (
    <div className="note tone-fail not-rollback-safe" role="alert" data-rehearsal={safety.deploymentId}>
      <strong>{text}</strong>
      {safety.logTail.length > 0 && <pre className="cause-tail">{safety.logTail.join('\n')}</pre>}
    </div>
  );
}
