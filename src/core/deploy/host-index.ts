// Where a look at a deployment being activated may skip hosts. At batch 1 a deployment is looked at
// once or twice per host, and a look that read every host made each batch cost more as the fleet
// grew (0.5 ms per 1,000 hosts per look). While no host has failed, a look of the activation needs
// only the hosts with a command in flight (to settle their answers), the failed ones (none, or the
// look is a full one) and the lowest batch not yet healthy; the hosts before it, all healthy, are
// skipped. The engine's copy of the hosts keeps the index as they change (deployment-hosts-cache.ts);
// hostIndexOf builds it from the hosts, as a reference for tests.
import type { HostView } from './deployment-planner.ts';

export interface HostIndex {
  /** The hosts that have a command (commandId set), in the order of the view's hosts. */
  withCommand: HostView[];
  /** Whether any host's step is stage_failed or failed. */
  anyFailed: boolean;
  /** The first `healthyPrefix` hosts of the view are healthy and have no command. */
  healthyPrefix: number;
}

export function isFailedStep(host: Pick<HostView, 'step'>): boolean {
  return host.step === 'stage_failed' || host.step === 'failed';
}

/** Whether the host is healthy and waits for nothing: a look at the activation can skip it. */
export function isSettledHealthy(host: Pick<HostView, 'step' | 'commandId'>): boolean {
  return host.step === 'healthy' && host.commandId === null;
}

/** The index of `hosts`, read from every one of them; they must be in batch order, as the store reads them. */
export function hostIndexOf(hosts: readonly HostView[]): HostIndex {
  for (let i = 1; i < hosts.length; i++) {
    if (hosts[i]!.batch < hosts[i - 1]!.batch) throw new Error('the hosts of a host index must be in batch order');
  }
  let healthyPrefix = 0;
  while (healthyPrefix < hosts.length && isSettledHealthy(hosts[healthyPrefix]!)) healthyPrefix++;
  return { withCommand: hosts.filter((h) => h.commandId !== null), anyFailed: hosts.some(isFailedStep), healthyPrefix };
}
