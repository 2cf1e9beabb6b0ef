// `slipway up` (what `npm start` runs): a whole Slipway on this machine under ./.slipway-demo — a
// server on SQLite, a runner, two testing and three production agents as separate processes, and
// the sample project in a local git repository, registered and built. Ctrl-C stops it all.
import { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isSea } from 'node:sea';
import { InputError, NotFoundError, SlipwayError } from '../../base/errors.ts';
import { newToken } from '../../base/ids.ts';
import { createApiClient, projectPath, type ApiClient } from '../api-client.ts';
import { ChildProcesses, stopLeftovers } from '../demo/child-processes.ts';
import { ensureSampleRepo } from '../demo/sample-repo.ts';
import { installDir } from '../install-dir.ts';
import { parsePort } from '../options.ts';
import { createProgressView } from '../progress/progress-view.ts';
import { watchNewestRuns } from '../progress/watch.ts';
import { untilSignal } from '../until-signal.ts';


const fleet = [
  { name: 'runner-1', labels: 'role=runner', port: 0 },
  { name: 'testing-1', labels: 'env=testing', port: 101 },
  { name: 'testing-2', labels: 'env=testing', port: 102 },
  { name: 'production-1', labels: 'env=production', port: 201 },
  { name: 'production-2', labels: 'env=production', port: 202 },
  { name: 'production-3', labels: 'env=production', port: 203 },
];

export function upCommand(): Command {
  return new Command('up')
    .description('run a whole Slipway locally: server, runner, 2 testing and 3 production agents, and a sample project')
    .option('--dir <dir>', 'where everything is kept', '.slipway-demo')
    .option('--port <n>', 'the server\'s port; apps get this + 101, 102, 201, 202, 203', parsePort, 7700)
    .addHelpText('after', '\nExample:\n  slipway up            # then edit .slipway-demo/hello/greeting.js and commit')
    .action(async (opts: { dir: string; port: number }) => {
      // The demo's sample project and bin/slipway are files of the checkout.
      if (isSea()) throw new InputError('SLIPWAY_UP_NEEDS_CHECKOUT', '`slipway up` runs from a checkout of Slipway (npm start), not from the single executable');
      const dir = resolve(opts.dir);
      const checkout = installDir();
      const slipwayBin = join(checkout, 'bin', 'slipway');
      for (const sub of ['logs', 'agents', 'server']) mkdirSync(join(dir, sub), { recursive: true });
      const pidFile = join(dir, 'pids');
      if (stopLeftovers(pidFile) > 0) await delay(1500);
      const tokens = demoTokens(join(dir, 'tokens.json'));
      const repo = join(dir, 'hello');
      ensureSampleRepo(repo, join(checkout, 'examples', 'hello'));

      const url = `http://127.0.0.1:${opts.port}`;
      const processes = new ChildProcesses(dir, join(dir, 'logs'), pidFile);
      const env = { ...process.env, SLIPWAY_ADMIN_TOKEN: tokens.admin, SLIPWAY_JOIN_TOKEN: tokens.join };
      const say = (line: string) => process.stdout.write(`${line}\n`);
      try {
        processes.start('server', process.execPath, [slipwayBin, 'server', '--data', join(dir, 'server'), '--port', String(opts.port), '--log-level', 'warn', '--allow-local-repos'], env);
        await waitForServer(url, join(dir, 'logs', 'server.log'));
        for (const agent of fleet) {
          const args = [slipwayBin, 'agent', '--server', url, '--name', agent.name, '--labels', agent.labels, '--root', join(dir, 'agents', agent.name)];
          if (agent.port) args.push('--port', String(opts.port + agent.port));
          processes.start(agent.name, process.execPath, args, env);
        }
        const api = createApiClient(url, tokens.admin);
        await registerProject(api, repo);
        say(`Slipway is up at ${url}: a runner, testing-1..2 and production-1..3 (logs in ${join(dir, 'logs')}).`);
        say(`Web UI: ${url}/ (sign in with the token below); central log: ${slipwayBin} logs --follow`);
        say(`\nTo see a deployment, change the sample app and commit:`);
        say(`  cd ${repo}`);
        say(`  sed -i 's/hello from/hi from/' greeting.js && sed -i 's/hello from/hi from/' test/greeting.test.js acceptance.js`);
        say(`  git commit -am "Say hi"`);
        say(`\nTo use the CLI from another terminal:`);
        say(`  export SLIPWAY_URL=${url} SLIPWAY_TOKEN=${tokens.admin}`);
        say(`  ${slipwayBin} status hello\n`);
        say('Press Ctrl-C to stop everything.\n');
        const view = createProgressView(process.stdout, process.env);
        const following = new AbortController();
        try {
          await Promise.race([untilSignal(), watchNewestRuns({ api, server: { url, token: tokens.admin }, view }, 'hello', {
            signal: following.signal,
            onApproval: (run, stage) => view.say(`\n  → approve with: ${slipwayBin} approve hello ${run.number} --env ${stage.name}\n`),
          })]);
        } finally {
          following.abort();
        }
      } finally {
        say('\nstopping the agents, their apps and the server…');
        await processes.stopAll();
      }
    });
}

async function registerProject(api: ApiClient, repo: string): Promise<void> {
  try {
    await api.get(projectPath('hello'));
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    await api.post('/api/v1/projects', { name: 'hello', repo, branch: 'main', poll: '2s' });
  }
}

function demoTokens(file: string): { admin: string; join: string } {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { admin: string; join: string };
  const tokens = { admin: newToken('swa'), join: newToken('swj') };
  writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
  return tokens;
}

async function waitForServer(url: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await delay(200);
  }
  throw new SlipwayError('SLIPWAY_DEMO_SERVER_FAILED', `the server did not start within 30s; see ${logFile}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
