// The stages of a new run, decided from its config: build first, then every environment in the
// order a version goes through them (each after the one its `after` names).
import type { StageKind } from '../model.ts';
import { environmentOrder } from './parse-slipway-config.ts';
import type { SlipwayConfig } from './slipway-config.ts';

export interface PlannedStage {
  name: string;
  kind: StageKind;
}

/**
 * The stage list of a run of this config: `build`, then one stage per environment in `after`
 * order (environments without `after` keep the order of the file). Pure.
 */
export function planStages(config: SlipwayConfig): PlannedStage[] {
  return [{ name: 'build', kind: 'build' }, ...environmentOrder(config).map((name) => ({ name, kind: 'environment' as const }))];
}
