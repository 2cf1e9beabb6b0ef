// `slipway audit` and `slipway audit verify`: who changed what, from where, and whether the
// hash-chained log is intact (admins only: audit.read).
import { Command, InvalidArgumentError } from 'commander';
import type { AuditEntryAnswer, AuditVerifyAnswer } from '../../core/api/answers.ts';
import { apiClientFromEnv } from '../api-client.ts';
import { checkSince, sinceTime } from '../since-option.ts';

interface AuditOptions {
  json?: boolean;
  actor?: string;
  project?: string;
  since?: string;
  limit: number;
}

export function auditCommand(): Command {
  const audit = new Command('audit')
    .description('show the audit log, newest first: who changed what (runs, approvals, deployments, users, grants, tokens, agents, secrets, projects), when, from where, and refusals')
    .option('--json', 'print the entries as JSON')
    .option('--actor <name>', 'only what this principal did (a user\'s name, "admin", "join-token", "agent:NAME")')
    .option('--project <name>', 'only entries about this project')
    .option('--since <when>', 'only entries since a time ago ("15m", "1h", "2d") or an ISO time', checkSince)
    .option('--limit <n>', 'how many of the newest entries to print (at most 1000)', parseLimit, 100)
    .addHelpText('after', `
Output: time actor address action target outcome, then the setting before -> after.

Example:
  slipway audit --since 1h
  slipway audit --actor bob --project hello --json`)
    .action(async (opts: AuditOptions) => {
      const params = new URLSearchParams({ limit: String(opts.limit) });
      if (opts.actor !== undefined) params.set('actor', opts.actor);
      if (opts.project !== undefined) params.set('project', opts.project);
      if (opts.since !== undefined) params.set('since', String(sinceTime(opts.since)));
      const entries = await apiClientFromEnv(process.env).get<AuditEntryAnswer[]>(`/api/v1/audit?${params.toString()}`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      if (entries.length === 0) return void process.stdout.write('no audit entries\n');
      for (const entry of entries) process.stdout.write(`${formatAuditEntry(entry)}\n`);
    });
  audit.command('verify')
    .description('check the audit log\'s hash chain from the first entry to the newest; exits 1 naming the first entry changed, deleted or inserted')
    .option('--json', 'print the verdict as JSON')
    .addHelpText('after', '\nExample:\n  slipway audit verify')
    .action(async (_opts: unknown, command: Command) => {
      // `audit` has a --json of its own, which commander gives to the parent wherever it stands.
      const opts = command.optsWithGlobals<{ json?: boolean }>();
      const verdict = await apiClientFromEnv(process.env).get<AuditVerifyAnswer>('/api/v1/audit/verify');
      if (opts.json) process.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
      if (verdict.ok) {
        if (!opts.json) process.stdout.write(`audit log intact: ${verdict.entries} entries, chain head ${verdict.head.slice(0, 16)}\n`);
        return;
      }
      process.stderr.write(`slipway: audit log broken at entry ${verdict.seq} (${verdict.problem}): ${verdict.message}\n`);
      process.exitCode = 1;
    });
  return audit;
}

/** One line: time, actor, address, action, target, outcome (with the refusal's code), before -> after. */
export function formatAuditEntry(entry: AuditEntryAnswer): string {
  const outcome = entry.outcome === 'ok' ? 'ok' : `refused ${entry.code ?? ''}`.trim();
  const change = entry.before === null && entry.after === null ? '' : `  ${JSON.stringify(entry.before)} -> ${JSON.stringify(entry.after)}`;
  const message = entry.message ? `  ${entry.message}` : '';
  return `${new Date(entry.at).toISOString()}  #${entry.seq}  ${entry.actor}  ${entry.address ?? '-'}  ${entry.action}  ${entry.target}  ${outcome}${message}${change}`;
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidArgumentError('expected a whole number from 1 to 1000');
  return limit;
}
