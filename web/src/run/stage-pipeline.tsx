// A run's stages as a graph, left to right (top to bottom on a phone): each with its status,
// a progress bar, its time, the approval button when its gate waits, and how its rollback
// rehearsal went.
import type { Stage } from '../../../src/core/model.ts';
import { ApproveButton } from '../actions/approve-button.tsx';
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useNow } from '../components/use-now.ts';
import { elapsed } from '../format.ts';
import { rehearsalView } from '../../../src/core/api/rehearsal-view.ts';
import { stageProgress } from './progress.ts';
import { stageDetail } from './stage-detail.ts';

export interface StagePipelineProps {
  stages: Stage[];
  deployments?: DeploymentDetail[];
  project: string;
  runNumber: number;
  /** The overview's small version: no times, no errors. */
  compact?: boolean;
  onChanged?: () => void;
}

export function StagePipeline({ stages, deployments = [], project, runNumber, compact, onChanged }: StagePipelineProps) {
  const now = useNow();
  return (
    <ol className={`pipeline${compact ? ' compact' : ''}`} aria-label="Stages">
      {stages.map((stage) => {
        const deployment = deployments.find((d) => d.id === stage.deploymentId);
        const rehearsal = stage.rehearsalId ? deployments.find((d) => d.id === stage.rehearsalId) : undefined;
        const progress = stageProgress(stage, deployment);
        const detail = stageDetail(stage, deployment, rehearsal, compact);
        return (
          <li key={stage.id} className={`stage tone-${progress.tone}`} data-stage={stage.name} data-status={stage.status}>
            <div className="stage-head">
              <span className="stage-name">{stage.name}</span>
              {!compact && <span className="stage-time">{elapsed(stage.startedAt, stage.finishedAt, now)}</span>}
            </div>
            <StatusBadge status={stage.status} />
            <ProgressBar value={progress.value} tone={progress.tone} label={`${stage.name} progress`} />
            {detail && <div className="stage-detail">{detail}</div>}
            {!compact && rehearsal && stage.status !== 'rehearsing' && (
              <div className="stage-rehearsal" data-rehearsal={rehearsal.id}>
                <StatusBadge status={rehearsal.status} label="rehearsal" /> {rehearsalView(rehearsal).text}
              </div>
            )}
            {stage.status === 'awaiting_approval' && (
              <ApproveButton project={project} runNumber={runNumber} env={stage.name} onDone={onChanged} />
            )}
            {!compact && stage.error && <div className="stage-error">{stage.error}</div>}
          </li>
        );
      })}
    </ol>
  );
}
