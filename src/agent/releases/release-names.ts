// Checks app and version names before they become path components under the agent's root.
import { appNameSchema, versionSchema } from '../../core/protocol/messages.ts';

/**
 * Returns a message saying what is wrong with the app name (and the version, when given), or
 * undefined when both are safe to use as folder names. Call before touching the disk.
 */
export function checkReleaseNames(app: string, version?: string): string | undefined {
  if (!appNameSchema.safeParse(app).success) {
    return `invalid app name ${JSON.stringify(app)}: expected lowercase letters, digits and dashes, starting with a letter`;
  }
  if (version !== undefined && !versionSchema.safeParse(version).success) {
    return `invalid version ${JSON.stringify(version)} for app ${app}: expected <run-number>-<sha7>, e.g. 12-abc1234`;
  }
  return undefined;
}
