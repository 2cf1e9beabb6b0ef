// How a deployment's hosts are split into batches that are activated one after the other.
import type { BatchSize } from '../pipeline/slipway-config.ts';

/** The number of hosts per batch for `hostCount` hosts: "50%" of 3 is 2 (rounded up, at least 1). */
export function batchLength(hostCount: number, batch: BatchSize): number {
  if (typeof batch === 'number') return Math.max(1, batch);
  const percent = Number(batch.slice(0, -1));
  return Math.max(1, Math.ceil((hostCount * percent) / 100));
}

/** The batch index of each of `hostCount` hosts, in order: [0, 0, 1] for 3 hosts at "50%". */
export function assignBatches(hostCount: number, batch: BatchSize): number[] {
  const size = batchLength(hostCount, batch);
  return Array.from({ length: hostCount }, (_, i) => Math.floor(i / size));
}
