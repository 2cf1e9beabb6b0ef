// Parsers for command-line option values; each throws commander's error with a clear message.
import { InvalidArgumentError } from 'commander';
import { formatLimit, parseDuration } from '../base/duration.ts';
import { AGENT_HEARTBEAT_MS } from '../core/agents/agent-liveness.ts';
import { parseByteSize } from '../core/logs/parse-byte-size.ts';
import type { Labels } from '../core/model.ts';

export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port number from 1 to 65535 (0: any free port)');
  return port;
}

/** "env=testing,role=web" → { env: 'testing', role: 'web' }. */
export function parseLabels(text: string): Labels {
  const labels: Labels = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const match = /^([A-Za-z0-9._/-]+)=([A-Za-z0-9._/-]*)$/.exec(pair.trim());
    if (!match) throw new InvalidArgumentError(`expected labels like env=testing,role=web; "${pair}" is not key=value`);
    labels[match[1]!] = match[2]!;
  }
  return labels;
}

export function checkDuration(text: string): string {
  if (parseDuration(text) === undefined) throw new InvalidArgumentError('expected a duration like "10s" or "5m"');
  return text;
}

/** A server's --heartbeat-timeout: longer than the agents' heartbeat, or every healthy agent would count as lost between two. */
export function checkHeartbeatTimeout(text: string): string {
  const ms = parseDuration(checkDuration(text))!;
  if (ms <= AGENT_HEARTBEAT_MS) throw new InvalidArgumentError(`must be longer than the agents' heartbeat (every ${formatLimit(AGENT_HEARTBEAT_MS)}), or healthy agents count as lost between two heartbeats; three heartbeats or more is wise`);
  return text;
}

/** "256MiB" → bytes. */
export function parseSize(text: string): number {
  const bytes = parseByteSize(text);
  if (bytes === undefined || bytes <= 0) throw new InvalidArgumentError('expected a size like "256MiB" or "1GB"');
  return bytes;
}
