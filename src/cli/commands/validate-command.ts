// `slipway validate [FILE]`: checks a slipway.yml and prints every problem with its line and column.
import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { formatLimit } from '../../base/duration.ts';
import { InputError } from '../../base/errors.ts';
import { formatLabels } from '../../core/deploy/select-hosts.ts';
import type { SlipwayConfig } from '../../core/pipeline/slipway-config.ts';

export function validateCommand(): Command {
  return new Command('validate')
    .description('check a slipway.yml; exits 1 when it has problems')
    .argument('[file]', 'the file to check', 'slipway.yml')
    .addHelpText('after', '\nExample:\n  slipway validate slipway.yml')
    .action(async (file: string) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new InputError('SLIPWAY_FILE_UNREADABLE', `cannot read ${file}: ${readProblem(err as NodeJS.ErrnoException)}`);
      }
      // Loaded here, not at the top: the parser brings yaml and zod, which no other command needs at start.
      const { formatConfigProblem, parseSlipwayConfig } = await import('../../core/pipeline/parse-slipway-config.ts');
      const result = parseSlipwayConfig(text);
      if (result.ok) {
        process.stdout.write(`${file}: ok (app ${result.config.app}, environments: ${Object.keys(result.config.environments).join(', ')})\n`);
        for (const line of loadBalancerLines(result.config)) process.stdout.write(`${line}\n`);
        return;
      }
      for (const problem of result.problems) process.stderr.write(`${formatConfigProblem(file, problem)}\n`);
      process.stderr.write(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${file}\n`);
      process.exitCode = 1;
    });
}

/** One line per environment with a load balancer: what Slipway read. */
function loadBalancerLines(config: SlipwayConfig): string[] {
  return Object.entries(config.environments).flatMap(([env, { loadBalancer: lb }]) => (lb ? [
    `  ${env}: load balancer HAProxy, backend ${lb.backend} on ${lb.socket} through the agents with ${formatLabels(lb.on)}, server "${lb.server}", drain ${formatLimit(lb.drainMs)}`,
  ] : []));
}

function readProblem(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return 'no such file (run it where slipway.yml is, or pass its path)';
    case 'EISDIR': return 'it is a directory, not a file';
    case 'EACCES': return 'permission denied';
    default: return err.code ?? err.message;
  }
}
