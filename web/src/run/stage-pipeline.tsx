// A run's stages as a graph, left to right (top to bottom on a phone): each with its status,
// a progress bar, its time, and the approval button when its gate waits.
import type { Stage } from '../../../src/core/model.ts';
import { ApproveButton } from '../actions/approve-button.tsx';
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import { ProgressBar } from '../components/progress-bar.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useNow } from '../components/use-now.ts';
import { elapsed } from '../format.ts';
import { hostCountLabel, stageProgress } from './progress.ts';

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
        const progress = stageProgress(stage, deployment);
        const detail = stage.status === 'deploying' && deployment ? hostCountLabel(deployment)
          : stage.status === 'verifying' ? 'acceptance tests'
          : stage.approvedBy && stage.kind === 'environment' && !compact ? `approved by ${stage.approvedBy}` : '';
        return (
          <li key={stage.id} className={`stage tone-${progress.tone}`} data-stage={stage.name} data-status={stage.status}>
            <div className="stage-head">
              <span className="stage-name">{stage.name}</span>
              {!compact && <span className="stage-time">{elapsed(stage.startedAt, stage.finishedAt, now)}</span>}
            </div>
            <StatusBadge status={stage.status} />
            <ProgressBar value={progress.value} tone={progress.tone} label={`${stage.name} progress`} />
            {detail && <div className="stage-detail">{detail}</div>}
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
