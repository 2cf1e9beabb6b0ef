// What a rollback rehearsal means to whoever shows it: the previous release put back on one host,
// checked, and replaced by the new one again; and, when the previous release failed there, the
// notice that the version is not rollback-safe. The web UI and the terminal both read it from here.
import type { DeploymentDetail } from './answers.ts';
import type { DeploymentStatus, RollbackSafety } from '../model.ts';

export interface RehearsalView {
  /** The one host it runs on; null before its host is known. */
  host: string | null;
  /** The release put back; null until the host is staged. */
  previousVersion: string | null;
  /** Where it is, in words: "putting 1-aaaaaaa back on web-1", "1-aaaaaaa failed on web-1". */
  text: string;
  /** How far its bar is, 0 to 1. */
  fraction: number;
  /** The previous release failed on the host (or the rehearsal could not finish). */
  failed: boolean;
}

const fractions: Partial<Record<DeploymentStatus, number>> = { rehearsing: 1 / 4, verifying: 1 / 2, returning: 3 / 4 };

/** How a deployment of kind `rehearsal` reads now. */
export function rehearsalView(rehearsal: Pick<DeploymentDetail, 'status' | 'version' | 'hosts'>): RehearsalView {
  const first = rehearsal.hosts[0];
  const host = first?.hostName ?? null;
  const previousVersion = first?.previousVersion ?? null;
  const release = previousVersion ?? 'the previous release';
  const where = host ? ` on ${host}` : '';
  const failed = rehearsal.status === 'failed' || rehearsal.status === 'rolled_back' || rehearsal.status === 'failed_migration';
  const text = {
    rehearsing: `putting ${release} back${where}`,
    verifying: `verifying ${release}${where}`,
    returning: `returning ${host ?? 'the host'} to ${rehearsal.version}`,
    succeeded: `${release} worked${where}: rollback-safe`,
  }[rehearsal.status as 'rehearsing'] ?? (failed ? `${release} failed${where}` : `${rehearsal.status.replace(/_/g, ' ')}${where}`);
  return { host, previousVersion, text, fraction: fractions[rehearsal.status] ?? (rehearsal.status === 'staging' ? 0 : 1), failed };
}

/**
 * "not rollback-safe: 1-aaaaaaa failed on web-1: <reason>" when the rehearsal found that the
 * previous release does not work on the migrated database; null when it is safe or none ran.
 */
export function notRollbackSafeText(safety: RollbackSafety | null): string | null {
  if (!safety || safety.safe) return null;
  return `not rollback-safe: ${safety.previousVersion} failed on ${safety.host}${safety.reason ? `: ${safety.reason}` : ''}`;
}
