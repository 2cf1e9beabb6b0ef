// One central log line as `slipway logs` prints it: `time host stream [level] text`.
import type { LogLine } from '../../core/model.ts';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /(\x1b\[[0-9;]*m)|[\x00-\x08\x0a-\x1f\x7f]/g;

/**
 * The line for a terminal or a file: ISO time (UTC), host, stream, the level in brackets when the
 * line has one, and the text. Control characters that could move the cursor or rewrite the
 * screen are dropped; colour sequences are kept only when `colour` is true.
 */
export function formatLogLine(line: LogLine, colour: boolean): string {
  const level = line.level === null ? '' : ` [${line.level}]`;
  const text = line.text.replace(CONTROL, (_match, sgr: string | undefined) => (colour && sgr !== undefined ? sgr : ''));
  return `${new Date(line.at).toISOString()} ${line.host} ${line.stream}${level} ${text}${colour && text.includes('\x1b[') ? '\x1b[0m' : ''}`;
}
