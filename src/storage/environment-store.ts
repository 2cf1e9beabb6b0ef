// The Store's port for the environments: the version last known good in each.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { Environment } from '../core/model.ts';

export interface EnvironmentStore {
  get(projectId: string, name: string): Promise<Environment | undefined>;
  list(projectId: string): Promise<Environment[]>;
  setKnownGood(projectId: string, name: string, version: string): Promise<void>;
}
