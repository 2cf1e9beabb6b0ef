// `slipway logs [QUERY]`: searches the central log of every machine, or follows it live.
import { Command, InvalidArgumentError } from 'commander';
import type { LogSearchAnswer, RunDetail } from '../../core/api/answers.ts';
import type { LogLine } from '../../core/model.ts';
import { apiClientFromEnv, projectPath, type ApiClient } from '../api-client.ts';
import { followLogTail } from '../logs/follow-log-tail.ts';
import { formatLogLine } from '../logs/format-log-line.ts';
import { checkSince, sinceTime } from '../since-option.ts';
import { untilSignal } from '../until-signal.ts';

interface LogsOptions {
  host?: string;
  app?: string;
  env?: string;
  stream?: string;
  level?: string;
  run?: string;
  deployment?: string;
  since?: string;
  limit: number;
  follow?: boolean;
  json?: boolean;
}

/** Lines per request: the API's maximum page. */
const PAGE = 1000;

export function logsCommand(): Command {
  return new Command('logs')
    .description('search the central log of every machine (newest lines, printed oldest first), or follow it live')
    .argument('[query...]', 'words that must all appear (any case); "quoted phrases"; prefixes ending in *')
    .option('--host <name>', 'only lines from this host ("server": the server\'s own events)')
    .option('--app <name>', 'only lines of this app')
    .option('--env <name>', 'only lines of this environment')
    .option('--stream <name>', 'only lines of this stream: job, deploy, app, server or a log file\'s path')
    .option('--level <levels>', 'only lines of these levels, e.g. error or warn,error,fatal')
    .option('--run <run>', 'only lines of this run: PROJECT/NUMBER (hello/12) or a run id')
    .option('--deployment <id>', 'only lines of this deployment')
    .option('--since <when>', 'only lines since a time ago ("15m", "1h", "2d") or an ISO time', checkSince)
    .option('--limit <n>', 'how many of the newest lines to print', parseLimit, 100)
    .option('-f, --follow', 'keep printing lines as they arrive, until Ctrl-C')
    .option('--json', 'print one JSON object per line')
    .addHelpText('after', `
Output: time host stream [level] text, one line each. A phrase keeps its double quotes
inside the shell's quotes: '"connection refused"'.

Example:
  slipway logs '"connection refused"' --app hello --since 1h
  slipway logs --run hello/12 --host web-2 --follow
  slipway logs 'timeout*' --level warn,error --json`)
    .action(async (words: string[], opts: LogsOptions) => {
      const api = apiClientFromEnv(process.env);
      // `slipway logs | head` closes the pipe early: that is the end, not an error.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0);
      });
      const params = await filterParams(api, words.join(' '), opts);
      const colour = process.stdout.isTTY && !process.env.NO_COLOR;
      const print = (lines: LogLine[]) => {
        const text = lines.map((l) => (opts.json ? JSON.stringify(l) : formatLogLine(l, colour))).join('\n');
        if (text) process.stdout.write(`${text}\n`);
      };
      const newest = await searchNewest(api, params, opts.limit);
      print(newest);
      if (!opts.follow) return;

      const stop = new AbortController();
      void untilSignal().then(() => stop.abort());
      await followLogTail({
        url: (process.env.SLIPWAY_URL ?? '').replace(/\/+$/, ''),
        token: process.env.SLIPWAY_TOKEN ?? '',
        params,
        // Resuming after the newest line printed: what was stored meanwhile comes first. With none
        // printed, no matching line was stored before the search: every one from the start is new.
        afterId: newest.at(-1)?.id ?? 0,
        onLines: print,
        onConnection: (state, why) => process.stderr.write(state === 'lost' ? `slipway: lost the server (${why ?? 'no answer'}), reconnecting…\n` : 'slipway: reconnected\n'),
        signal: stop.signal,
      });
    });
}

/** The filters as query parameters of GET /api/v1/logs and /logs/tail. */
async function filterParams(api: ApiClient, query: string, opts: LogsOptions): Promise<URLSearchParams> {
  const params = new URLSearchParams();
  if (query.trim()) params.set('q', query);
  for (const key of ['host', 'app', 'env', 'stream', 'level', 'deployment'] as const) {
    const value = opts[key];
    if (value !== undefined) params.set(key, value);
  }
  if (opts.run !== undefined) params.set('run', await runId(api, opts.run));
  if (opts.since !== undefined) params.set('since', String(sinceTime(opts.since)));
  return params;
}

/** A run named as PROJECT/NUMBER becomes its id (the server says when there is no such run); anything else is an id. */
async function runId(api: ApiClient, run: string): Promise<string> {
  const named = /^(.+)\/(\d+)$/.exec(run);
  if (!named) return run;
  return (await api.get<RunDetail>(projectPath(named[1]!, `/runs/${named[2]!}`))).id;
}

/** The newest `limit` matching lines, oldest first. */
async function searchNewest(api: ApiClient, params: URLSearchParams, limit: number): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  let before: number | undefined;
  while (lines.length < limit) {
    const want = Math.min(PAGE, limit - lines.length);
    const page = new URLSearchParams(params);
    page.set('order', 'desc');
    page.set('limit', String(want));
    if (before !== undefined) page.set('before', String(before));
    const { lines: found } = await api.get<LogSearchAnswer>(`/api/v1/logs?${page.toString()}`);
    lines.push(...found);
    if (found.length < want) break;
    before = found.at(-1)!.id;
  }
  return lines.reverse();
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('expected a whole number of lines, at least 1');
  return limit;
}
