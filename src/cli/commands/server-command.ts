// `slipway server`: runs the server until SIGINT or SIGTERM.
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDuration } from '../../base/duration.ts';
import { InputError } from '../../base/errors.ts';
import { parseByteSize } from '../../core/logs/parse-byte-size.ts';
import type { OidcFlags } from '../../server/auth/oidc/oidc-settings.ts';
import { embeddedServerFiles } from '../embedded-files.ts';
import { installDir } from '../install-dir.ts';
import { checkDuration, checkHeartbeatTimeout, parsePort } from '../options.ts';
import { untilSignal } from '../until-signal.ts';

export function serverCommand(): Command {
  return new Command('server')
    .description('run the Slipway server (API, agent gateway, engine, triggers)')
    .option('--data <dir>', 'data directory: database, mirrors, artifacts, tokens', './slipway-data')
    .option('--port <n>', 'HTTP port', parsePort, 7700)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'))
    .option('--agent-grace <duration>', 'how long a disconnected agent may take to come back before its host counts as failed', checkDuration, '15s')
    .option('--heartbeat-timeout <duration>', 'how long a connected agent may stay silent', checkHeartbeatTimeout, '15s')
    .addOption(new Option('--accept-agents <mode>', 'new agents: "auto" works at once; "manual" waits as pending until `slipway agent accept NAME`').choices(['auto', 'manual']).default('auto'))
    .option('--log-retention <duration>', 'how long the central log keeps a line ("off": no limit)', checkLimit(parseDuration, 'a duration like "30d" or "12h"'), '30d')
    .option('--log-max-size <size>', 'the central log\'s size, oldest lines removed first ("off": no limit)', checkLimit(parseByteSize, 'a size like "2GiB" or "500MB"'), '2GiB')
    .option('--allow-local-repos', 'let projects use repositories on this server itself: paths, file: URLs, loopback and link-local hosts (the demo does; otherwise a project\'s owner could read the server\'s files or probe its ports)')
    .option('--public-url <url>', 'the address people use to reach this server (the OIDC redirect URI is <url>/auth/oidc/callback)')
    .option('--oidc-issuer <url>', 'sign people in to the web UI through this OpenID Connect provider (its /.well-known/openid-configuration is read)')
    .option('--oidc-client-id <id>', 'the client id the provider gave Slipway')
    .option('--oidc-client-secret-file <file>', 'a file holding the client secret (or SLIPWAY_OIDC_CLIENT_SECRET; without either, a public client with PKCE)')
    .option('--oidc-group-role <GROUP=ROLE[:project[:env]]>', 'members of the provider\'s GROUP get ROLE while signed in (repeat it; e.g. ops=admin, devs=deployer:hello:testing)', collect, [])
    .option('--oidc-groups-claim <claim>', 'the claim that lists a person\'s groups', 'groups')
    .option('--oidc-scopes <scopes>', 'the scopes asked for, space-separated', 'openid profile email groups')
    .option('--oidc-session <duration>', 'how long a web sign-in lasts before the person signs in again (and their groups are read again)', checkDuration, '10h')
    .option('--oidc-provider-name <name>', 'the provider\'s name on the sign-in button (default: the issuer\'s host)')
    .addHelpText('after', `
Environment:
  SLIPWAY_ADMIN_TOKEN   the admin API token (else created in <data>/admin-token on first start)
  SLIPWAY_JOIN_TOKEN    the token agents enroll with (else created in <data>/join-token)
  SLIPWAY_DATABASE_URL  postgres://… to use PostgreSQL instead of <data>/slipway.db (SQLite)
  SLIPWAY_OIDC_CLIENT_SECRET  the OIDC client secret, when --oidc-client-secret-file is not given

Example:
  slipway server --data /var/lib/slipway --port 7700 --log-retention 14d --log-max-size 10GiB
  slipway server --public-url https://slipway.example.com --oidc-issuer https://id.example.com \\
    --oidc-client-id slipway --oidc-client-secret-file /etc/slipway/oidc-secret --oidc-group-role ops=admin`)
    .action(async (opts: {
      data: string; port: number; host: string; logLevel: 'info'; allowLocalRepos?: boolean; agentGrace: string; heartbeatTimeout: string; logRetention: string; logMaxSize: string; acceptAgents: 'auto' | 'manual';
    } & OidcOptions) => {
      const oidc = await oidcFlags(opts);
      // What the server writes from here on (the database, mirrors, artifacts) is its own alone.
      process.umask(0o077);
      // Loaded here, not at the top: `slipway --help` and the user commands stay quick to start.
      const { startServer } = await import('../../server/server-main.ts');
      // The single executable's own web UI and SQLite addon; a checkout's are found where they are.
      const embedded = embeddedServerFiles(resolve(opts.data));
      const server = await startServer({
        dataDir: resolve(opts.data), port: opts.port, host: opts.host, logLevel: opts.logLevel,
        acceptAgents: opts.acceptAgents,
        limits: { agentGraceMs: parseDuration(opts.agentGrace)!, heartbeatTimeoutMs: parseDuration(opts.heartbeatTimeout)! },
        logRetention: { maxAgeMs: limitOf(opts.logRetention, parseDuration), maxBytes: limitOf(opts.logMaxSize, parseByteSize) },
        allowLocalRepos: opts.allowLocalRepos ?? false, oidc, webDist: embedded?.webDist ?? join(installDir(), 'web', 'dist'), sqliteAddon: embedded?.sqliteAddon,
        adminToken: process.env.SLIPWAY_ADMIN_TOKEN, joinToken: process.env.SLIPWAY_JOIN_TOKEN, secretKey: process.env.SLIPWAY_SECRET_KEY, databaseUrl: process.env.SLIPWAY_DATABASE_URL,
        // Tests only, so not in --help: the crash-at-every-write test stops the server after a commit.
        ...crashPoint(process.env.SLIPWAY_TEST_CRASH_AFTER_TRANSACTIONS),
      }).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        throw new InputError('SLIPWAY_PORT_IN_USE', `${opts.host}:${opts.port} is already in use (another slipway server?); choose another --port`, { cause: err });
      });
      if (server.tokens.created) {
        process.stdout.write(`\nSlipway server at ${server.url}\n  admin token: ${server.tokens.admin}\n  join token:  ${server.tokens.join}\n` +
          `(kept in ${resolve(opts.data)} with mode 0600)\n\n  export SLIPWAY_URL=${server.url} SLIPWAY_TOKEN=${server.tokens.admin}\n\n`);
      }
      await untilSignal();
      await server.close();
    });
}

interface OidcOptions {
  publicUrl?: string; oidcIssuer?: string; oidcClientId?: string; oidcClientSecretFile?: string; oidcGroupRole: string[];
  oidcGroupsClaim: string; oidcScopes: string; oidcProviderName?: string; oidcSession: string;
}

/** The OIDC flags for the server, with the client secret read from its file or the environment (never a flag: `ps` shows those). */
async function oidcFlags(opts: OidcOptions): Promise<OidcFlags> {
  let clientSecret = process.env.SLIPWAY_OIDC_CLIENT_SECRET || undefined;
  if (opts.oidcClientSecretFile !== undefined) {
    const file = opts.oidcClientSecretFile;
    clientSecret = (await readFile(file, 'utf8').catch((err: unknown) => {
      throw new InputError('SLIPWAY_OIDC_CONFIG', `--oidc-client-secret-file ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    })).trim();
    if (!clientSecret) throw new InputError('SLIPWAY_OIDC_CONFIG', `--oidc-client-secret-file ${file}: the file is empty`);
  }
  return {
    issuer: opts.oidcIssuer, clientId: opts.oidcClientId, clientSecret, publicUrl: opts.publicUrl, groupRoles: opts.oidcGroupRole,
    groupsClaim: opts.oidcGroupsClaim, scopes: opts.oidcScopes, providerName: opts.oidcProviderName, sessionMs: parseDuration(opts.oidcSession)!,
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The crash point a test asked for, as startServer options: a positive integer, or unset. */
function crashPoint(text: string | undefined): { crashAfterTransactions?: number } {
  if (text === undefined || text === '') return {};
  if (!/^[1-9][0-9]{0,8}$/.test(text)) {
    throw new InputError('SLIPWAY_BAD_CRASH_POINT', `the crash point (a test setting) must be a positive integer, not "${text}"`);
  }
  return { crashAfterTransactions: Number(text) };
}

/** An option parser that accepts "off" or what `parse` reads, else says what it expects. */
function checkLimit(parse: (text: string) => number | undefined, expected: string): (text: string) => string {
  return (text) => {
    if (text === 'off' || parse(text) !== undefined) return text;
    throw new InvalidArgumentError(`expected ${expected}, or "off"`);
  };
}

function limitOf(text: string, parse: (text: string) => number | undefined): number | null {
  return text === 'off' ? null : parse(text)!;
}
