// Tests of the slipway.yml parser: defaults, and every problem reported where it stands in the file.
import { describe, expect, it } from 'vitest';
import { aliasBomb } from './alias-bomb-fixture.ts';
import { environmentOrder, formatConfigProblem, MAX_CONFIG_BYTES, parseSlipwayConfig } from './parse-slipway-config.ts';

/** The example of DESIGN §7, verbatim. */
const designExample = `app: hello
build:
  steps:
    - name: unit tests
      run: npm ci && npm test
  artifact: [server.js, package.json, node_modules/]
run:
  command: node server.js          # started in the release dir, must listen on $PORT
  port: 8080                       # default PORT; an agent may override it
  health:
    http: /healthz                 # GET must answer 2xx
    timeout: 20s
environments:
  testing:
    hosts: { env: testing }        # label selector
    batch: 1                       # hosts at a time (number or percentage)
    verify:
      - run: npm run acceptance    # on a runner; SLIPWAY_TARGETS=http://h1:p,http://h2:p
  production:
    after: testing                 # only versions that passed testing
    approval: manual               # or auto
    hosts: { env: production }
    batch: 50%
`;

/** A small valid file around the given `environments:` block. */
function withEnvironments(block: string): string {
  return `app: hello
build:
  steps:
    - run: make
  artifact: [dist]
run:
  command: node server.js
  health: { http: /healthz }
environments:
${block}`;
}

/** The problems of a file that must not parse, formatted as the CLI prints them. */
function problemsOf(text: string): string[] {
  const result = parseSlipwayConfig(text);
  if (result.ok) throw new Error('expected the file to have problems');
  return result.problems.map((p) => formatConfigProblem('slipway.yml', p));
}

describe('parseSlipwayConfig', () => {
  it('parses the example of the design with every default filled in', () => {
    const result = parseSlipwayConfig(designExample);
    expect(result).toEqual({
      ok: true,
      config: {
        version: 1,
        app: 'hello',
        build: {
          steps: [{ name: 'unit tests', run: 'npm ci && npm test', timeoutMs: 600_000 }],
          artifact: ['server.js', 'package.json', 'node_modules/'],
        },
        run: { command: 'node server.js', port: 8080, health: { http: '/healthz', timeoutMs: 20_000 }, stopTimeoutMs: 10_000 },
        logs: [],
        migrate: null,
        environments: {
          testing: {
            hosts: { env: 'testing' },
            batch: 1,
            after: null,
            approval: 'auto',
            verify: [{ name: 'npm run acceptance', run: 'npm run acceptance', timeoutMs: 600_000 }],
            loadBalancer: null,
            rehearseRollback: true,
          },
          production: { hosts: { env: 'production' }, batch: '50%', after: 'testing', approval: { required: 1, notAuthor: false }, verify: [], loadBalancer: null, rehearseRollback: false },
        },
      },
    });
  });

  it('reports every mistake of a file at once, each at its line and column, in file order', () => {
    const text = `app: hello
build:
  steps:
    - run: npm test
      timeout: soon
  artifact: [dist]
  cache: true
run:
  port: "8080"
  health:
    http: /healthz
    http: /health
environments:
  testing:
    hosts: { env: testing }
    batch: 0%
    approval: sometimes
  staging:
    hosts: { env: staging }
    after: qa
  production:
    hosts: { env: production }
    after: canary
  canary:
    hosts: { env: canary }
    after: production
`;
    expect(problemsOf(text)).toEqual([
      'slipway.yml:5:16: build.steps.0.timeout: expected a duration like "500ms", "20s", "5m" or "1h"',
      'slipway.yml:7:3: build.cache: unknown key "cache" (expected one of: steps, artifact)',
      'slipway.yml:9:3: run.command: missing required key "command"',
      'slipway.yml:9:9: run.port: expected a number, got the text "8080"',
      'slipway.yml:12:5: Map keys must be unique',
      'slipway.yml:16:12: environments.testing.batch: expected a percentage from 1% to 100%',
      'slipway.yml:17:15: environments.testing.approval: expected "auto", "manual" or { required: 2, notAuthor: true }, got the text "sometimes"',
      'slipway.yml:20:12: environments.staging.after: no environment named "qa" (have: testing, staging, production, canary)',
      'slipway.yml:23:12: environments.production.after: "after" makes a cycle through "production"',
      'slipway.yml:26:12: environments.canary.after: "after" makes a cycle through "canary"',
    ]);
  });

  it('returns problems sorted by line and column even when they are found out of order', () => {
    const result = parseSlipwayConfig(withEnvironments('  prod:\n    after: prod\n    hosts: {}\n    batch: -1\n'));
    expect(result.ok).toBe(false);
    const positions = result.ok ? [] : result.problems.map((p) => [p.line, p.col]);
    expect(positions).toEqual([[11, 12], [12, 12], [13, 12]]);
  });

  it('reports every YAML syntax error where it stands, and nothing guessed from the broken tree', () => {
    const text = `app: hello
colour: blue
build:
  steps:
    - run: make: all
  artifact: [dist]
run:
\tcommand: node server.js
`;
    expect(problemsOf(text)).toEqual([
      'slipway.yml:5:12: Nested mappings are not allowed in compact mappings',
      'slipway.yml:8:1: Tabs are not allowed as indentation',
    ]);
  });

  it('reads an approval that needs two people other than the author, and says what is wrong with a broken one', () => {
    const parsed = parseSlipwayConfig(withEnvironments('  prod:\n    hosts: { env: p }\n    approval: { required: 2, notAuthor: true }\n'));
    expect(parsed.ok && parsed.config.environments.prod?.approval).toEqual({ required: 2, notAuthor: true });
    expect(problemsOf(withEnvironments('  prod:\n    hosts: { env: p }\n    approval: { required: 2, by: ops }\n'))).toEqual([
      'slipway.yml:12:30: environments.prod.approval.by: unknown key "by" (expected one of: required, notAuthor)',
    ]);
  });

  it('points an unknown key inside an environment at that key, with the keys it could have been', () => {
    expect(problemsOf(withEnvironments('  prod:\n    hosts: { env: p }\n    strategy: rolling\n'))).toEqual([
      'slipway.yml:12:5: environments.prod.strategy: unknown key "strategy" (expected one of: hosts, batch, after, approval, verify, loadBalancer, rehearseRollback)',
    ]);
  });

  it('reads the HAProxy in front of an environment, as the issue writes it, with drain in milliseconds', () => {
    const parsed = parseSlipwayConfig(withEnvironments(`  production:
    hosts: { env: production }
    batch: 1
    loadBalancer:
      haproxy:
        on: { role: lb }                 # the agents that run next to HAProxy (one or more)
        socket: /run/haproxy/admin.sock  # HAProxy's stats socket with \`level admin\`
        backend: shop                    # the backend holding the app's servers
        server: "app-{host}"             # {host} = the Slipway host name
        drain: 45s
`));
    expect(parsed.ok && parsed.config.environments.production?.loadBalancer).toEqual({
      kind: 'haproxy', on: { role: 'lb' }, socket: '/run/haproxy/admin.sock', backend: 'shop', server: 'app-{host}', drainMs: 45_000,
    });
  });

  it('gives a load balancer the server name "{host}" and a drain of 30s when the file says neither', () => {
    const parsed = parseSlipwayConfig(withEnvironments('  prod:\n    hosts: { env: p }\n    loadBalancer: { haproxy: { on: { role: lb }, socket: /run/haproxy/admin.sock, backend: shop } }\n'));
    expect(parsed.ok && parsed.config.environments.prod?.loadBalancer).toMatchObject({ server: '{host}', drainMs: 30_000 });
  });

  it('refuses a load balancer it does not drive, naming the ones it does', () => {
    expect(problemsOf(withEnvironments('  prod:\n    hosts: { env: p }\n    loadBalancer:\n      nginx: { upstream: shop }\n'))).toEqual([
      'slipway.yml:13:7: environments.prod.loadBalancer.nginx: unknown load balancer "nginx" (Slipway drives: haproxy)',
    ]);
    expect(problemsOf(withEnvironments('  prod:\n    hosts: { env: p }\n    loadBalancer: {}\n'))).toEqual([
      'slipway.yml:12:19: environments.prod.loadBalancer: expected a load balancer: haproxy: { on, socket, backend }',
    ]);
  });

  it('points each mistake of a haproxy block at its line and column, saying what is wrong', () => {
    expect(problemsOf(withEnvironments(`  production:
    hosts: { env: production }
    loadBalancer:
      haproxy:
        on: {}
        socket: run/haproxy/admin.sock
        backend: "shop; disable server shop/web-1"
        server: "{host}\\nshow info"
        drain: soon
        weight: 10
`))).toEqual([
      'slipway.yml:14:13: environments.production.loadBalancer.haproxy.on: expected at least one label, e.g. { role: lb }',
      'slipway.yml:15:17: environments.production.loadBalancer.haproxy.socket: expected the absolute path of HAProxy\'s stats socket, e.g. /run/haproxy/admin.sock',
      'slipway.yml:16:18: environments.production.loadBalancer.haproxy.backend: expected a HAProxy backend name: up to 100 letters, digits, "-", "_", "." and ":"',
      'slipway.yml:17:17: environments.production.loadBalancer.haproxy.server: expected a server name of letters, digits, "-", "_", "." and ":", with {host} for the Slipway host name, e.g. "{host}" or "app-{host}"',
      'slipway.yml:18:16: environments.production.loadBalancer.haproxy.drain: expected a duration like "500ms", "20s", "5m" or "1h"',
      'slipway.yml:19:9: environments.production.loadBalancer.haproxy.weight: unknown key "weight" (expected one of: on, socket, backend, server, drain)',
    ]);
  });

  it('refuses a drain too long to be stored (Infinity would come back from the run\'s snapshot as null, unreadable)', () => {
    expect(problemsOf(withEnvironments(`  prod:\n    hosts: { env: p }\n    loadBalancer:\n      haproxy: { on: { role: lb }, socket: /s, backend: shop, drain: ${'9'.repeat(400)}d }\n`))).toEqual([
      'slipway.yml:13:70: environments.prod.loadBalancer.haproxy.drain: expected a duration like "500ms", "20s", "5m" or "1h"',
    ]);
  });

  it('says which keys a haproxy block misses, and refuses a socket path too long for a unix socket', () => {
    expect(problemsOf(withEnvironments('  prod:\n    hosts: { env: p }\n    loadBalancer:\n      haproxy: { on: { role: lb } }\n'))).toEqual([
      'slipway.yml:13:16: environments.prod.loadBalancer.haproxy.socket: missing required key "socket"',
      'slipway.yml:13:16: environments.prod.loadBalancer.haproxy.backend: missing required key "backend"',
    ]);
    const long = `/run/${'h'.repeat(103)}`;
    expect(problemsOf(withEnvironments(`  prod:\n    hosts: { env: p }\n    loadBalancer:\n      haproxy: { on: { role: lb }, socket: ${long}, backend: shop }\n`))).toEqual([
      `slipway.yml:13:44: environments.prod.loadBalancer.haproxy.socket: expected a socket path of at most 107 bytes (the limit of a unix socket's path)`,
    ]);
  });

  it('reads a migration, with a timeout of 5m unless given, and which environments rehearse the rollback', () => {
    const text = withEnvironments('  testing:\n    hosts: { env: t }\n  production:\n    after: testing\n    hosts: { env: p }\n  staging:\n    after: testing\n    hosts: { env: s }\n    rehearseRollback: true\n')
      .replace('environments:', 'migrate:\n  run: ./migrate.sh up\nenvironments:');
    const result = parseSlipwayConfig(text);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.migrate).toEqual({ run: './migrate.sh up', timeoutMs: 300_000 });
    expect(Object.fromEntries(Object.entries(result.config.environments).map(([name, env]) => [name, env.rehearseRollback])))
      .toEqual({ testing: true, production: false, staging: true });
    const timed = parseSlipwayConfig(text.replace('run: ./migrate.sh up', 'run: ./migrate.sh up\n  timeout: 90s'));
    expect(timed.ok && timed.config.migrate?.timeoutMs).toBe(90_000);
  });

  it('points each mistake of a migrate block at its line and column', () => {
    const text = withEnvironments('  testing:\n    hosts: { env: t }\n    rehearseRollback: sometimes\n')
      .replace('environments:', 'migrate:\n  run: ""\n  timeout: soon\n  down: ./migrate.sh down\nenvironments:');
    expect(problemsOf(text)).toEqual([
      'slipway.yml:10:8: migrate.run: expected a shell command, e.g. "./migrate.sh up"',
      'slipway.yml:11:12: migrate.timeout: expected a duration like "500ms", "20s", "5m" or "1h"',
      'slipway.yml:12:3: migrate.down: unknown key "down" (expected one of: run, timeout)',
      'slipway.yml:16:23: environments.testing.rehearseRollback: expected true or false, got the text "sometimes"',
    ]);
  });

  it('refuses a time limit of 0 for a migration or a step, which no agent would take', () => {
    const text = withEnvironments('  testing:\n    hosts: { env: t }\n    verify:\n      - run: x\n        timeout: 0s\n')
      .replace('environments:', 'migrate:\n  run: ./migrate.sh up\n  timeout: 0ms\nenvironments:');
    expect(problemsOf(text)).toEqual([
      'slipway.yml:11:12: migrate.timeout: expected a duration longer than 0, like "500ms", "20s", "5m" or "1h"',
      'slipway.yml:17:18: environments.testing.verify.0.timeout: expected a duration longer than 0, like "500ms", "20s", "5m" or "1h"',
    ]);
  });

  it('refuses a migration time limit longer than an agent remembers having begun one', () => {
    const text = withEnvironments('  testing:\n    hosts: { env: t }\n')
      .replace('environments:', 'migrate:\n  run: ./migrate.sh up\n  timeout: 31d\nenvironments:');
    expect(problemsOf(text)).toEqual([
      'slipway.yml:11:12: migrate.timeout: expected at most 7d: an agent remembers that it began a migration for 30 days, and a longer migration could outlive that',
    ]);
    const week = parseSlipwayConfig(text.replace('timeout: 31d', 'timeout: 7d'));
    expect(week.ok && week.config.migrate?.timeoutMs).toBe(7 * 86_400_000);
  });

  it('points an unknown key in a verify step at that key', () => {
    expect(problemsOf(withEnvironments('  prod:\n    hosts: { env: p }\n    verify:\n      - run: x\n        tmeout: 1m\n'))).toEqual([
      'slipway.yml:14:9: environments.prod.verify.0.tmeout: unknown key "tmeout" (expected one of: name, run, timeout)',
    ]);
  });

  it('explains a badly named environment at its name', () => {
    expect(problemsOf(withEnvironments('  Production:\n    hosts: { env: p }\n'))).toEqual([
      'slipway.yml:10:3: environments.Production: expected a lowercase name of letters, digits and "-", starting with a letter',
    ]);
  });

  it('rejects a batch that is neither a whole number nor a percentage', () => {
    expect(problemsOf(withEnvironments('  prod:\n    hosts: { env: p }\n    batch: 1.5\n'))).toEqual([
      'slipway.yml:12:12: environments.prod.batch: expected a number of hosts or a percentage like "25%"',
    ]);
    expect(problemsOf(withEnvironments('  prod:\n    hosts: { env: p }\n    batch: 101%\n'))).toEqual([
      'slipway.yml:12:12: environments.prod.batch: expected a percentage from 1% to 100%',
    ]);
  });

  it('lists every missing top-level key of an empty file at its start', () => {
    expect(problemsOf('')).toEqual([
      'slipway.yml:1:1: app: missing required key "app"',
      'slipway.yml:1:1: build: missing required key "build"',
      'slipway.yml:1:1: run: missing required key "run"',
      'slipway.yml:1:1: environments: missing required key "environments"',
    ]);
  });

  it('keeps the log files a project declares, absolute or relative to the app folder', () => {
    const result = parseSlipwayConfig(`logs: ["shared/log/*.log", /var/log/hello/*.log]\n${withEnvironments('  prod:\n    hosts: { env: p }\n')}`);
    if (!result.ok) throw new Error(result.problems.map((p) => formatConfigProblem('slipway.yml', p)).join('\n'));
    expect(result.config.logs).toEqual(['shared/log/*.log', '/var/log/hello/*.log']);
  });

  it('gives no log files when a project declares none', () => {
    const result = parseSlipwayConfig(withEnvironments('  prod:\n    hosts: { env: p }\n'));
    expect(result.ok && result.config.logs).toEqual([]);
  });

  it('points each bad log path at its line and column, saying what is wrong with it', () => {
    const text = `logs:
  - shared/log/**/*.log
  - ../other/app.log
  - shared/log/
  - ""
  - 42
${withEnvironments('  prod:\n    hosts: { env: p }\n')}`;
    expect(problemsOf(text)).toEqual([
      'slipway.yml:2:5: logs.0: expected "*" within one folder level ("**" is not supported), e.g. "shared/log/*.log"',
      'slipway.yml:3:5: logs.1: expected a path inside the app\'s folder: ".." is not allowed in a relative path',
      'slipway.yml:4:5: logs.2: expected a file or a glob of files, not a folder: add "/*.log"',
      'slipway.yml:5:5: logs.3: expected a path or a glob like "shared/log/*.log"',
      'slipway.yml:6:5: logs.4: expected a string, got number 42',
    ]);
    expect(problemsOf(`logs: shared/log/app.log\n${withEnvironments('  prod:\n    hosts: { env: p }\n')}`)).toEqual([
      'slipway.yml:1:7: logs: expected a list, got the text "shared/log/app.log"',
    ]);
  });

  it('says so when the file is not a map of keys', () => {
    expect(problemsOf('- app: hello\n')).toEqual(['slipway.yml:1:1: expected a map of keys, got a list']);
  });

  it('reports an alias bomb as a problem at its first alias instead of throwing', () => {
    const bomb = aliasBomb(7);
    expect(problemsOf(bomb)).toEqual([
      'slipway.yml:2:8: too many aliases: expanding them repeats values more than 100 times (an alias bomb?); write the values out instead',
    ]);
  });

  it('still reads a file that shares a value through a few aliases', () => {
    const result = parseSlipwayConfig(withEnvironments('  testing:\n    hosts: &labels { env: shared }\n  production:\n    after: testing\n    hosts: *labels\n'));
    if (!result.ok) throw new Error(result.problems.map((p) => formatConfigProblem('slipway.yml', p)).join('\n'));
    expect(result.config.environments.production?.hosts).toEqual({ env: 'shared' });
  });

  it('refuses a file larger than 256 KiB before parsing it', () => {
    const text = `${withEnvironments('  prod:\n    hosts: { env: p }\n')}# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`;
    expect(problemsOf(text)).toEqual([`slipway.yml:1:1: the file is ${Math.ceil(text.length / 1024)} KiB, more than the 256 KiB a slipway.yml may have`]);
  });

  it('counts the size in UTF-8 bytes, not characters', () => {
    const justUnder = `${withEnvironments('  prod:\n    hosts: { env: p }\n')}# `;
    const text = `${justUnder}${'é'.repeat(Math.ceil((MAX_CONFIG_BYTES - justUnder.length) / 2) + 1)}\n`;
    expect(text.length).toBeLessThan(MAX_CONFIG_BYTES);
    expect(problemsOf(text)[0]).toMatch(/^slipway\.yml:1:1: the file is \d+ KiB, more than the 256 KiB/);
  });
});

describe('environmentOrder', () => {
  it('puts each environment after the one it names in `after`, whatever the order in the file', () => {
    const result = parseSlipwayConfig(withEnvironments(`  production:
    hosts: { env: production }
    after: staging
  staging:
    hosts: { env: staging }
    after: testing
  testing:
    hosts: { env: testing }
`));
    if (!result.ok) throw new Error(result.problems.map((p) => formatConfigProblem('slipway.yml', p)).join('\n'));
    expect(environmentOrder(result.config)).toEqual(['testing', 'staging', 'production']);
  });

  it('keeps the file order of environments that follow nothing', () => {
    const result = parseSlipwayConfig(withEnvironments(`  eu:
    hosts: { region: eu }
  us:
    hosts: { region: us }
  canary:
    hosts: { region: us, canary: "yes" }
    after: eu
`));
    if (!result.ok) throw new Error('expected the file to parse');
    expect(environmentOrder(result.config)).toEqual(['eu', 'us', 'canary']);
  });
});
