// The agent's own log: one JSON object a line, in pino's shape (level as pino's number, time in
// ms, pid, hostname, the fields, msg), so that journald, the tests and anything that reads a
// server's log read the agent's alike. Not pino itself: its fifteen modules, worker_threads and
// the rest cost an idle agent about 1 MB of resident memory for four calls (measured with
// /proc/<pid>/status, Node 20).

export type AgentLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the agent calls: a message, or fields and a message. */
export interface AgentLog {
  debug(message: string): void;
  debug(fields: object, message: string): void;
  info(message: string): void;
  info(fields: object, message: string): void;
  warn(message: string): void;
  warn(fields: object, message: string): void;
  error(message: string): void;
  error(fields: object, message: string): void;
}

/** pino's numbers for the levels. */
const LEVEL_NUMBERS: Record<AgentLogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface JsonLogOptions {
  /** Lines below it are dropped. */
  level: AgentLogLevel;
  /** Takes one whole line, newline included. */
  write: (line: string) => void;
  pid: number;
  hostname: string;
  now?: () => number;
}

/** A log that writes a JSON line per call at `level` or above. */
export function createJsonLog(options: JsonLogOptions): AgentLog {
  const now = options.now ?? Date.now;
  const threshold = LEVEL_NUMBERS[options.level];
  const at = (level: AgentLogLevel) => (fieldsOrMessage: object | string, message?: string): void => {
    const number = LEVEL_NUMBERS[level];
    if (number < threshold) return;
    const fields = typeof fieldsOrMessage === 'string' ? {} : fieldsOrMessage;
    const msg = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : message;
    options.write(`${JSON.stringify({ level: number, time: now(), pid: options.pid, hostname: options.hostname, ...fields, msg })}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
