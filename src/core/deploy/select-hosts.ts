// Which agents an environment's label selector picks, in the order a deployment goes through them.
import type { AgentStatus, Labels } from '../model.ts';

/**
 * The agents whose labels include every label of the selector, by name. An agent that is pending, revoked or removed
 * is in no environment (a record without a status, as in older tests, counts as active).
 */
export function selectHosts<A extends { name: string; labels: Labels; status?: AgentStatus }>(agents: A[], selector: Labels): A[] {
  return agents
    .filter((a) => (a.status ?? 'active') === 'active')
    .filter((a) => Object.entries(selector).every(([k, v]) => a.labels[k] === v))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function formatLabels(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

/** Whether two label sets hold the same labels, in any order. */
export function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
