// The `slipway` command: one entry for the server, the agent and the user commands. Errors end
// here: the message on stderr and a non-zero exit, never a stack for an expected failure.
import { Command, CommanderError } from 'commander';
import { SlipwayError } from '../base/errors.ts';
import { agentCommand } from './commands/agent-command.ts';
import { auditCommand } from './commands/audit-command.ts';
import { approveCommand } from './commands/approve-command.ts';
import { deployCommand } from './commands/deploy-command.ts';
import { grantCommand, revokeCommand } from './commands/grant-command.ts';
import { logsCommand } from './commands/logs-command.ts';
import { projectCommand } from './commands/project-command.ts';
import { rollbackCommand } from './commands/rollback-command.ts';
import { runCommand } from './commands/run-command.ts';
import { runsCommand } from './commands/runs-command.ts';
import { secretCommand } from './commands/secret-command.ts';
import { serverCommand } from './commands/server-command.ts';
import { statusCommand } from './commands/status-command.ts';
import { tokenCommand } from './commands/token-command.ts';
import { upCommand } from './commands/up-command.ts';
import { userCommand } from './commands/user-command.ts';
import { validateCommand } from './commands/validate-command.ts';

const program = new Command('slipway')
  .description('Self-hosted continuous delivery: build, test, deploy, verify, promote, roll back.')
  .showHelpAfterError()
  .exitOverride();

for (const command of [
  upCommand(), serverCommand(), agentCommand(), projectCommand(), runCommand(), runsCommand(), approveCommand(),
  deployCommand(), rollbackCommand(), statusCommand(), logsCommand(), validateCommand(), secretCommand(),
  userCommand(), tokenCommand(), grantCommand(), revokeCommand(), auditCommand(),
]) {
  program.addCommand(command);
}

// Not a top-level await: the single executable (`npm run package`) runs this as CommonJS.
program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (err instanceof SlipwayError) {
    process.stderr.write(`slipway: ${err.message}\n`);
    // Exit now: a command that failed half-way (a server whose port was taken) may have left
    // timers or sockets open that would keep the process alive with nothing to do.
    process.exit(1);
  } else {
    process.stderr.write(`slipway: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(70);
  }
});
