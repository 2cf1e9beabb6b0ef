// Vitest's global setup for the end-to-end tests: builds dist/ first, so that every process they
// start through bin/slipway runs the built code, which is what users run (bin/slipway would run
// the sources of a checkout whose build is stale, correctly but without testing the build).
import { buildSlipway } from '../../scripts/build.ts';

export default async function setup(): Promise<void> {
  await buildSlipway();
}
