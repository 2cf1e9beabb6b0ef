// The line under a stage in the pipeline: what it is doing now, in words. Pure, so that it is
// tested without a browser.
import type { DeploymentDetail } from '../../../src/core/api/answers.ts';
import { migrationView } from '../../../src/core/api/migration-view.ts';
import { rehearsalView } from '../../../src/core/api/rehearsal-view.ts';
import type { Stage } from '../../../src/core/model.ts';
import { hostCountLabel } from './progress.ts';

/**
 * "2 of 3 hosts done", "migrating on web-1…", "acceptance tests", the rehearsal's step ("putting
 * 1-aaaaaaa back on web-1"), or who approved it; empty when there is nothing to add.
 */
export function stageDetail(stage: Stage, deployment: DeploymentDetail | undefined, rehearsal: DeploymentDetail | undefined, compact = false): string {
  if (stage.status === 'deploying' && deployment) {
    // While the migration runs no host moves: the host count would look stuck.
    if (deployment.status === 'migrating' && deployment.migration) return migrationView(deployment.migration).text;
    return hostCountLabel(deployment);
  }
  if (stage.status === 'verifying') return 'acceptance tests';
  if (stage.status === 'rehearsing') return rehearsal ? rehearsalView(rehearsal).text : 'putting the previous release back on one host';
  if (stage.approvedBy && stage.kind === 'environment' && !compact) return `approved by ${stage.approvedBy}`;
  return '';
}
