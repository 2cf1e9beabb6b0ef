// Tests of the deployment planner behind a load balancer: whole deployments played out on plain data,
// with the LB agents answering `lb` commands from a small model of HAProxy's servers (admin state,
// sessions, what its checks see), the way the engine and real LB agents do.
import { describe, expect, it } from 'vitest';
import type { Deployment, DeploymentHost, DeploymentLbCommand } from '../model.ts';
import type { LoadBalancerConfig } from '../pipeline/slipway-config.ts';
import type { CommandResult, LbServerState, LbState } from '../protocol/messages.ts';
import { planDeployment, type DeploymentAction, type DeploymentLimits, type DeploymentView, type HostCommand } from './deployment-planner.ts';

const limits: DeploymentLimits = {
  agentGraceMs: 30_000, heartbeatTimeoutMs: 20_000, prepareTimeoutMs: 300_000, activateTimeoutMs: 120_000, migrateTimeoutMs: 60_000, restoreTimeoutMs: 180_000,
  lbCommandTimeoutMs: 10_000, lbPollMs: 200, lbRetries: 2, lbRetryDelayMs: 500, lbReadyTimeoutMs: 30_000,
};
const config: LoadBalancerConfig = { kind: 'haproxy', on: { role: 'lb' }, socket: '/run/haproxy.sock', backend: 'shop', server: '{host}', drainMs: 5_000 };
const target = '7-abcdef0';
const previous = '6-1234567';

/** `pinned`: the admin state HAProxy keeps whatever is set (a tracked server in maint, an address that does not resolve). */
interface Server { admin: LbState; up: boolean; scur: number; pinned?: LbState }

interface World {
  now: number;
  config: LoadBalancerConfig;
  deployment: Deployment;
  hosts: DeploymentHost[];
  online: Record<string, boolean>;
  /** When an offline agent was last heard from (default: long ago, so it is lost). */
  lastSeen: Record<string, number>;
  /** Each LB agent's HAProxy: its servers by name. */
  haproxy: Record<string, Record<string, Server>>;
  lbCommands: (DeploymentLbCommand & { result: CommandResult | null })[];
  results: Record<string, CommandResult>;
  sent: { host: string; command: HostCommand; commandId: string }[];
  cancelled: string[];
  notes: string[];
  /** Every `lb` set an LB agent applied, in order: "lb-1 web-1 drain". */
  sets: string[];
}

function world(names: string[], lbAgents = ['lb-1', 'lb-2']): World {
  const hosts = names.map((hostName, batch): DeploymentHost => ({
    deploymentId: 'dep-1', agentId: `agent-${hostName}`, hostName, batch, previousVersion: null, step: 'pending',
    error: null, failedStep: null, logTail: [], commandId: null, commandSentAt: null, updatedAt: 0,
  }));
  const servers = () => Object.fromEntries(names.map((n): [string, Server] => [n, { admin: 'ready', up: true, scur: 0 }]));
  return {
    now: 1_000,
    config,
    deployment: {
      id: 'dep-1', projectId: 'p', env: 'production', version: target, runId: 'run-1', kind: 'deploy', status: 'staging',
      batch: 1, forced: false, requestedBy: 'engine', cause: null, error: null, migration: null, createdAt: 0, finishedAt: null,
    },
    hosts,
    online: Object.fromEntries([...hosts.map((h) => h.agentId), ...lbAgents].map((id) => [id, true])),
    haproxy: Object.fromEntries(lbAgents.map((lb) => [lb, servers()])),
    lastSeen: {}, lbCommands: [], results: {}, sent: [], cancelled: [], notes: [], sets: [],
  };
}

function viewOf(w: World): DeploymentView {
  const presence = (id: string) => ({ online: w.online[id] ?? false, lastSeenAt: w.online[id] ? w.now : (w.lastSeen[id] ?? 0) });
  return {
    deployment: structuredClone(w.deployment),
    hosts: w.hosts.map((h) => ({ ...structuredClone(h), agent: presence(h.agentId), result: h.commandId ? (w.results[h.commandId] ?? null) : null })),
    lb: {
      config: w.config,
      agents: Object.keys(w.haproxy).map((id) => ({ agentId: id, name: id, agent: presence(id) })),
      commands: structuredClone(w.lbCommands),
    },
  };
}

function step(w: World): DeploymentAction[] {
  const actions = planDeployment(viewOf(w), w.now, limits);
  expect(planDeployment(viewOf(w), w.now, limits)).toEqual(actions);
  for (const action of actions) apply(w, action);
  return actions;
}

function apply(w: World, action: DeploymentAction): void {
  const note = (n: string | undefined) => { if (n) w.notes.push(n); };
  switch (action.type) {
    case 'update-host':
      note(action.note);
      w.cancelled.push(...(action.cancel ?? []));
      Object.assign(w.hosts.find((h) => h.agentId === action.agentId)!, action.patch, { updatedAt: w.now });
      break;
    case 'send': {
      note(action.note);
      const h = w.hosts.find((x) => x.agentId === action.agentId)!;
      const commandId = `cmd-${w.sent.length + 1}`;
      Object.assign(h, { step: action.step, commandId, commandSentAt: w.now, updatedAt: w.now });
      w.sent.push({ host: h.hostName, command: action.command, commandId });
      break;
    }
    case 'lb':
      note(action.note);
      w.cancelled.push(...(action.cancel ?? []));
      for (const lbAgentId of Object.keys(w.haproxy)) {
        w.lbCommands.push({
          deploymentId: 'dep-1', commandId: `lb-${w.lbCommands.length + 1}`, lbAgentId, hostAgentId: action.hostAgentId,
          purpose: action.purpose, intended: action.intended, round: action.round, sentAt: w.now, result: null,
        });
      }
      if (action.hostAgentId && action.patch) Object.assign(w.hosts.find((h) => h.agentId === action.hostAgentId)!, action.patch, { updatedAt: w.now });
      break;
    case 'set-status':
      w.deployment.status = action.status;
      if (action.cause) w.deployment.cause = action.cause;
      break;
    case 'finish':
      Object.assign(w.deployment, { status: action.status, error: action.error ?? null, finishedAt: w.now });
      break;
  }
}

const hostOf = (w: World, agentId: string | null) => w.hosts.find((h) => h.agentId === agentId);

/** Connected LB agents answer their open commands, as `slipway agent --haproxy-socket` does. */
function lbAnswer(w: World, fail?: { lbAgentId: string; errorCode: string }): void {
  for (const c of w.lbCommands) {
    if (c.result || !w.online[c.lbAgentId] || w.cancelled.includes(c.commandId)) continue;
    if (fail && fail.lbAgentId === c.lbAgentId) {
      c.result = { ok: false, errorCode: fail.errorCode, error: 'HAProxy did not answer' };
      continue;
    }
    const servers = w.haproxy[c.lbAgentId]!;
    const name = hostOf(w, c.hostAgentId)?.hostName;
    if (c.purpose === 'set' && name && c.intended) {
      if (!servers[name]) {
        c.result = { ok: false, errorCode: 'SLIPWAY_LB_NO_SUCH_SERVER', error: `no server ${name}` };
        continue;
      }
      servers[name].admin = servers[name].pinned ?? c.intended;
      w.sets.push(`${c.lbAgentId} ${name} ${c.intended}`);
    }
    c.result = { ok: true, lb: { backend: 'shop', servers: Object.entries(servers).map(([server, s]): LbServerState => ({
      server, admin: s.admin, adminBits: 0, operational: s.up ? 'up' : 'down', status: s.up ? 'UP' : 'DOWN', scur: s.scur, weight: 1,
    })) } };
  }
}

function answerHost(w: World, name: string, result: CommandResult): void {
  const h = w.hosts.find((x) => x.hostName === name)!;
  w.results[h.commandId!] = result;
}

/** Plays passes, time going on by `tickMs`, until nothing is left to do or `until` holds. */
function run(w: World, onPass: (w: World) => void, until: (w: World) => boolean = (x) => x.deployment.finishedAt !== null, max = 500): void {
  for (let i = 0; i < max && !until(w); i++) {
    onPass(w);
    lbAnswer(w);
    step(w);
    w.now += 250;
  }
  expect(until(w)).toBe(true);
}

/** Connected hosts stage and activate at once, reporting the version they ran. */
function hostsAnswer(w: World, failHealthOn?: string): void {
  for (const h of w.hosts) {
    if (!h.commandId || w.results[h.commandId] || !w.online[h.agentId]) continue;
    const kind = w.sent.find((s) => s.commandId === h.commandId)!.command.kind;
    if (kind === 'prepare') answerHost(w, h.hostName, { ok: true, previous });
    else if (h.step === 'activating' && h.hostName === failHealthOn) answerHost(w, h.hostName, { ok: false, step: 'health', error: 'GET /healthz answered 503' });
    else answerHost(w, h.hostName, { ok: true });
  }
}

const servers = (w: World) => Object.fromEntries(Object.entries(w.haproxy).map(([lb, s]) => [lb, Object.fromEntries(Object.entries(s).map(([n, v]) => [n, v.admin]))]));
const allReady = { 'web-1': 'ready', 'web-2': 'ready', 'web-3': 'ready' };

describe('planDeployment behind a load balancer', () => {
  it('reads the backend first, then drains, activates and readies one host at a time through every LB agent', () => {
    const w = world(['web-1', 'web-2', 'web-3']);
    const first = step(w);
    expect(first).toEqual([{ type: 'lb', round: 1, hostAgentId: null, purpose: 'check', intended: null }]);
    expect(w.sent).toEqual([]);
    // Each activation must find its host drained on both LBs and the host before it serving again.
    const activatedWhile: string[] = [];
    run(w, (x) => {
      for (const h of x.hosts.filter((y) => y.step === 'activating' && !x.results[y.commandId!])) {
        activatedWhile.push(`${h.hostName}: ${JSON.stringify(servers(x))}`);
      }
      hostsAnswer(x);
    });
    expect(w.deployment.status).toBe('succeeded');
    expect(w.hosts.map((h) => h.step)).toEqual(['ready', 'ready', 'ready']);
    expect(servers(w)).toEqual({ 'lb-1': allReady, 'lb-2': allReady });
    expect(w.sets).toEqual(['web-1', 'web-2', 'web-3'].flatMap((n) => [`lb-1 ${n} drain`, `lb-2 ${n} drain`, `lb-1 ${n} ready`, `lb-2 ${n} ready`]));
    expect(activatedWhile).toEqual([
      `web-1: ${JSON.stringify({ 'lb-1': { ...allReady, 'web-1': 'drain' }, 'lb-2': { ...allReady, 'web-1': 'drain' } })}`,
      `web-2: ${JSON.stringify({ 'lb-1': { ...allReady, 'web-2': 'drain' }, 'lb-2': { ...allReady, 'web-2': 'drain' } })}`,
      `web-3: ${JSON.stringify({ 'lb-1': { ...allReady, 'web-3': 'drain' }, 'lb-2': { ...allReady, 'web-3': 'drain' } })}`,
    ]);
    expect(w.notes).toEqual([]);
  });

  it('activates a drained host only once its sessions ended, or when the drain timeout passed (and says so)', () => {
    const w = world(['web-1', 'web-2']);
    w.haproxy['lb-1']!['web-1']!.scur = 3;
    w.haproxy['lb-2']!['web-2']!.scur = 1;
    let web2DrainedAt = 0;
    run(w, (x) => {
      hostsAnswer(x);
      // web-2's last session ends 1 s into its drain; web-1's never do.
      if (x.hosts[1]!.step === 'draining' && web2DrainedAt === 0) web2DrainedAt = x.now + 1_000;
      if (web2DrainedAt && x.now >= web2DrainedAt) x.haproxy['lb-2']!['web-2']!.scur = 0;
    });
    const activations = w.sent.filter((s) => s.command.kind === 'activate');
    expect(activations).toHaveLength(2);
    expect(w.notes).toEqual([expect.stringMatching(/^drain timeout \(5s\) passed with sessions still open on web-1 \(3 on lb-1\): going on$/)]);
    expect(w.deployment.status).toBe('succeeded');
  });

  it('does not drain the next host while the readied one is still warming up in HAProxy', () => {
    const w = world(['web-1', 'web-2']);
    let warmUntil = 0;
    run(w, (x) => {
      hostsAnswer(x);
      const web1 = x.hosts[0]!;
      if (web1.step === 'readying' && warmUntil === 0) { warmUntil = x.now + 3_000; for (const lb of Object.values(x.haproxy)) lb['web-1']!.up = false; }
      if (warmUntil && x.now >= warmUntil) for (const lb of Object.values(x.haproxy)) lb['web-1']!.up = true;
      if (x.now < warmUntil) expect(x.hosts[1]!.step).toBe('staged');
    });
    expect(w.deployment.status).toBe('succeeded');
    expect(warmUntil).toBeGreaterThan(0);
  });

  it('sets a drained server to drain again when a HAProxy reload put it back, and logs it', () => {
    const w = world(['web-1']);
    w.haproxy['lb-2']!['web-1']!.scur = 2;
    let reloaded = false;
    run(w, (x) => {
      if (!reloaded && x.hosts[0]!.step === 'draining' && x.haproxy['lb-2']!['web-1']!.admin === 'drain') {
        // A reload: the server is back in the pool with sessions on it.
        Object.assign(x.haproxy['lb-2']!['web-1']!, { admin: 'ready', scur: 2 });
        reloaded = true;
        return;
      }
      if (reloaded) x.haproxy['lb-2']!['web-1']!.scur = 0;
      hostsAnswer(x);
    });
    expect(w.notes).toEqual(['web-1 is not drain as Slipway set it (lb-2 has it ready; a HAProxy reload or a person): setting drain again']);
    expect(w.sets.filter((s) => s === 'lb-2 web-1 drain')).toHaveLength(2);
    expect(w.deployment.status).toBe('succeeded');
  });

  it('keeps a restarting host out of the pool: a reload during its activation is drained again at the next read', () => {
    const w = world(['web-1']);
    run(w, (x) => { if (x.hosts[0]!.step === 'staging') hostsAnswer(x); }, (x) => x.hosts[0]!.step === 'activating');
    // The activation takes a while; meanwhile a reload puts the server back in the pool.
    w.haproxy['lb-1']!['web-1']!.admin = 'ready';
    run(w, () => undefined, (x) => x.notes.length > 0);
    expect(w.notes).toEqual(['web-1 is not drain as Slipway set it while it restarts (lb-1 has it ready; a HAProxy reload or a person): setting drain again']);
    lbAnswer(w);
    expect(servers(w)).toEqual({ 'lb-1': { 'web-1': 'drain' }, 'lb-2': { 'web-1': 'drain' } });
    expect(w.hosts[0]!.step).toBe('activating');
    run(w, (x) => hostsAnswer(x));
    expect(w.deployment.status).toBe('succeeded');
  });

  it('refuses before anything changes when a server of its hosts is out of the pool (a person\'s maint), unless forced', () => {
    const w = world(['web-1', 'web-2']);
    w.haproxy['lb-2']!['web-2']!.admin = 'maint';
    run(w, () => undefined);
    expect(w.deployment).toMatchObject({
      status: 'failed',
      error: 'refused before anything changed: web-2 is in maint on LB agent lb-2: out of the pool by a person, or by a deployment that failed; '
        + 'look at the host first, then deploy with --force to take it through drain, activate and ready (a rollback does so too)',
    });
    expect(w.sets).toEqual([]);

    const forced = world(['web-1', 'web-2']);
    forced.deployment.forced = true;
    forced.haproxy['lb-2']!['web-2']!.admin = 'maint';
    run(forced, (x) => hostsAnswer(x));
    expect(forced.deployment.status).toBe('succeeded');
    expect(servers(forced)).toEqual({ 'lb-1': { 'web-1': 'ready', 'web-2': 'ready' }, 'lb-2': { 'web-1': 'ready', 'web-2': 'ready' } });
  });

  it('refuses before anything changes when a host has no server in the backend', () => {
    const w = world(['web-1', 'web-2']);
    delete w.haproxy['lb-2']!['web-2'];
    run(w, () => undefined);
    expect(w.deployment).toMatchObject({
      status: 'failed',
      error: 'refused before anything changed: backend shop on LB agent lb-2 has no server for web-2 (web-2)',
    });
    expect(w.sent).toEqual([]);
    expect(w.sets).toEqual([]);
  });

  it('refuses before anything changes when an LB agent stays offline past its grace', () => {
    const w = world(['web-1']);
    w.online['lb-2'] = false;
    expect(step(w)).toEqual([]);
    w.now += limits.agentGraceMs;
    expect(step(w)).toEqual([{ type: 'finish', status: 'failed', error: 'refused before anything changed: LB agent lb-2 is not connected' }]);
    expect(w.sent).toEqual([]);
  });

  it('waits for an LB agent that is away within its grace (the server just restarted) and then rolls out', () => {
    const w = world(['web-1', 'web-2']);
    w.online['lb-1'] = false;
    expect(step(w)).toEqual([]);
    w.now += 1_000;
    w.online['lb-1'] = true;
    run(w, (x) => hostsAnswer(x));
    expect(w.deployment.status).toBe('succeeded');
    expect(w.hosts.map((h) => h.step)).toEqual(['ready', 'ready']);
  });

  it('fails the rollout and rolls back through the LB when an LB agent is lost, naming it and the command', () => {
    const w = world(['web-1', 'web-2']);
    run(w, (x) => hostsAnswer(x), (x) => x.hosts[1]!.step === 'draining');
    w.online['lb-2'] = false;
    // lb-2 answers nothing more; the grace period passes.
    w.now += limits.agentGraceMs + 1;
    run(w, (x) => {
      hostsAnswer(x);
      if (x.deployment.status === 'rolling_back' && x.now > 200_000) x.online['lb-2'] = true;
    }, (x) => x.deployment.status === 'rolling_back');
    expect(w.deployment.cause).toMatchObject({ host: 'web-2', step: 'lb' });
    expect(w.deployment.cause?.error).toMatch(/^LB agent lb-2 \(set server shop\/web-2 state drain|read shop\/web-2\): agent lost/);
    // web-1 ran the new version: drained before its restore; web-2 was only drained: readied again.
    expect(w.hosts.map((h) => h.step)).toEqual(['restore_draining', 'restore_readying']);
  });

  it('asks again after a passing HAProxy failure (a reload), and fails the step when it does not pass', () => {
    const w = world(['web-1']);
    step(w);
    lbAnswer(w, { lbAgentId: 'lb-1', errorCode: 'SLIPWAY_LB_NOT_ANSWERING' });
    expect(step(w)).toEqual([]);
    w.now += limits.lbRetryDelayMs;
    const [retry, ...more] = step(w);
    expect(more).toEqual([]);
    expect(retry).toMatchObject({ type: 'lb', purpose: 'check' });
    expect(retry?.type === 'lb' && retry.note).toMatch(/SLIPWAY_LB_NOT_ANSWERING.*asking again \(1 of 2\)$/);
    lbAnswer(w);
    step(w);
    expect(w.sent.map((s) => s.command.kind)).toEqual(['prepare']);

    const broken = world(['web-1']);
    for (let i = 0; i < 3; i++) {
      step(broken);
      lbAnswer(broken, { lbAgentId: 'lb-2', errorCode: 'SLIPWAY_LB_SOCKET_MISSING' });
      broken.now += limits.lbRetryDelayMs;
    }
    const [end] = step(broken);
    expect(end).toMatchObject({ type: 'finish', status: 'failed' });
    expect(end?.type === 'finish' && end.error).toMatch(/^refused before anything changed: LB agent lb-2 \(read backend shop\): SLIPWAY_LB_SOCKET_MISSING/);
  });

  it('fails the step at once when an LB agent does not answer in time (an agent without --haproxy-socket)', () => {
    const w = world(['web-1']);
    step(w);
    lbAnswer(w);
    step(w);
    hostsAnswer(w);
    step(w);
    step(w);
    expect(w.hosts[0]!.step).toBe('draining');
    w.now += limits.lbCommandTimeoutMs + 1;
    const actions = step(w);
    expect(actions[0]).toMatchObject({ type: 'update-host', patch: { step: 'stage_failed', failedStep: 'lb' }, cancel: ['lb-3', 'lb-4'] });
    expect(w.hosts[0]!.error).toBe('LB agent lb-1 (set server shop/web-1 state drain): no answer within 10s (an agent without --haproxy-socket, or an older one, does not take lb commands); '
      + 'LB agent lb-2 (set server shop/web-1 state drain): no answer within 10s (an agent without --haproxy-socket, or an older one, does not take lb commands)');
    // The rollback puts the drained host back in the pool (once the LB agents answer again).
    run(w, () => undefined);
    expect(w.deployment.status).toBe('rolled_back');
    expect(w.hosts[0]!.step).toBe('restored_ready');
    expect(servers(w)).toEqual({ 'lb-1': { 'web-1': 'ready' }, 'lb-2': { 'web-1': 'ready' } });
  });

  it('rolls every touched host back through the LB when the third host fails its health check', () => {
    const w = world(['web-1', 'web-2', 'web-3']);
    let mostOut = 0;
    run(w, (x) => {
      hostsAnswer(x, 'web-3');
      for (const lb of Object.values(x.haproxy)) mostOut = Math.max(mostOut, Object.values(lb).filter((s) => s.admin !== 'ready').length);
    });
    // One host at a time (batch 1) is out of the pool, in the rollout and in the rollback alike.
    expect(mostOut).toBe(1);
    expect(w.deployment).toMatchObject({ status: 'rolled_back', cause: { host: 'web-3', step: 'health' } });
    expect(w.hosts.map((h) => h.step)).toEqual(['restored_ready', 'restored_ready', 'restored_ready']);
    expect(servers(w)).toEqual({ 'lb-1': allReady, 'lb-2': allReady });
    const restores = w.sent.filter((s) => s.command.kind === 'activate' && s.command.version === previous).map((s) => s.host);
    // The failed host first: it is out of the pool already.
    expect(restores).toEqual(['web-3', 'web-1', 'web-2']);
    // Every restore happened drained: the sets after the failure go drain, then ready, per host.
    const afterFailure = w.sets.slice(w.sets.indexOf('lb-2 web-3 drain') + 1);
    for (const name of ['web-1', 'web-2', 'web-3']) {
      expect(afterFailure.filter((s) => s.split(' ')[1] === name).map((s) => s.split(' ')[2])).toEqual(['drain', 'drain', 'ready', 'ready']);
    }
  });

  it('fences a host whose agent dies in its activation at once, restores the others meanwhile, and readies it only once restored', () => {
    const w = world(['web-1', 'web-2', 'web-3']);
    run(w, (x) => hostsAnswer(x), (x) => x.hosts[1]!.step === 'activating');
    // web-2's agent is SIGKILLed: it answers nothing; the app it started may still run.
    w.online['agent-web-2'] = false;
    step(w);
    lbAnswer(w);
    expect(w.notes).toEqual(['its agent is not connected: set to maint, so that whatever runs there gets no traffic until its agent is back and has restored the known-good release']);
    expect(servers(w)['lb-1']).toEqual({ ...allReady, 'web-2': 'maint' });
    // web-1 is restored (one at a time, as the batch holds) while web-2 waits for its agent.
    run(w, (x) => hostsAnswer(x), (x) => x.hosts[0]!.step === 'restored_ready');
    expect(w.deployment).toMatchObject({ status: 'rolling_back', cause: { host: 'web-2', step: 'agent_lost' } });
    expect(w.hosts.map((h) => h.step)).toEqual(['restored_ready', 'restoring', 'staged']);
    expect(servers(w)).toEqual({ 'lb-1': { ...allReady, 'web-2': 'maint' }, 'lb-2': { ...allReady, 'web-2': 'maint' } });
    // Its agent is back and restores the previous version: only then is web-2 readied.
    w.online['agent-web-2'] = true;
    run(w, (x) => hostsAnswer(x));
    expect(w.deployment.status).toBe('rolled_back');
    expect(w.hosts.map((h) => h.step)).toEqual(['restored_ready', 'restored_ready', 'staged']);
    expect(servers(w)).toEqual({ 'lb-1': allReady, 'lb-2': allReady });
    const web2 = w.sets.filter((s) => s.startsWith('lb-1 web-2 ')).map((s) => s.split(' ')[2]);
    expect(web2).toEqual(['drain', 'maint', 'maint', 'ready']);
    const restore = w.sent.findIndex((s) => s.host === 'web-2' && s.command.kind === 'activate' && s.command.version === previous);
    expect(restore).toBeGreaterThan(0);
  });

  it('fences no serving host of a rollback when every agent is away for a moment (the server restarted)', () => {
    const w = world(['web-1', 'web-2', 'web-3']);
    run(w, (x) => hostsAnswer(x, 'web-3'), (x) => x.deployment.status === 'rolling_back');
    // The server restarts: every agent is away (within its grace) until it dials in again.
    for (const h of w.hosts) Object.assign(w, { online: { ...w.online, [h.agentId]: false }, lastSeen: { ...w.lastSeen, [h.agentId]: w.now } });
    for (let i = 0; i < 8; i++) {
      step(w);
      lbAnswer(w);
      w.now += 250;
    }
    // Only the host in its restore, out of the pool already, is fenced; the others keep serving.
    expect(w.hosts.map((h) => h.step).filter((step) => step !== 'ready')).toHaveLength(1);
    expect(w.sets.filter((s) => s.endsWith(' maint')).map((s) => s.split(' ')[1])).toEqual(w.sets.some((s) => s.endsWith(' maint')) ? ['web-3', 'web-3'] : []);
    for (const h of w.hosts) w.online[h.agentId] = true;
    let mostOut = 0;
    run(w, (x) => {
      hostsAnswer(x);
      for (const lb of Object.values(x.haproxy)) mostOut = Math.max(mostOut, Object.values(lb).filter((s) => s.admin !== 'ready').length);
    });
    expect(w.deployment.status).toBe('rolled_back');
    expect(mostOut).toBe(1);
  });

  it('ends failed, naming the host, when a fenced host does not come back within the restore timeout; it stays in maint', () => {
    const w = world(['web-1', 'web-2']);
    run(w, (x) => hostsAnswer(x), (x) => x.hosts[1]!.step === 'activating');
    w.online['agent-web-2'] = false;
    run(w, (x) => hostsAnswer(x), (x) => x.hosts[0]!.step === 'restored_ready' && x.hosts[1]!.step === 'restoring');
    w.now += limits.restoreTimeoutMs;
    run(w, (x) => hostsAnswer(x));
    expect(w.deployment).toMatchObject({
      status: 'failed', error: 'could not restore the previous version on web-2 (agent lost: the host did not come back within 3m)',
    });
    expect(w.hosts.map((h) => h.step)).toEqual(['restored_ready', 'restore_failed']);
    expect(servers(w)).toEqual({ 'lb-1': { 'web-1': 'ready', 'web-2': 'maint' }, 'lb-2': { 'web-1': 'ready', 'web-2': 'maint' } });
  });

  it('keeps a host fenced when a HAProxy reload puts it back while its agent is gone', () => {
    const w = world(['web-1']);
    run(w, (x) => hostsAnswer(x), (x) => x.hosts[0]!.step === 'activating');
    w.online['agent-web-1'] = false;
    run(w, () => undefined, (x) => x.haproxy['lb-1']!['web-1']!.admin === 'maint');
    w.haproxy['lb-1']!['web-1']!.admin = 'ready';
    run(w, () => undefined, (x) => x.notes.length > 1);
    expect(w.notes[1]).toBe('web-1 is not maint as Slipway set it while it restarts (lb-1 has it ready; a HAProxy reload or a person): setting maint again');
    lbAnswer(w);
    expect(servers(w)).toEqual({ 'lb-1': { 'web-1': 'maint' }, 'lb-2': { 'web-1': 'maint' } });
  });

  it('does not end a rollback while a restored host waits for a round still unanswered before it is readied', () => {
    const w = world(['web-1']);
    const readPending = (x: World) => x.lbCommands.some((c) => c.purpose === 'read' && !c.result);
    const restoring = (x: World) => x.hosts[0]!.step === 'restoring';
    // The restore takes its time: the server is read meanwhile, until a read is out unanswered.
    run(w, (x) => { if (!restoring(x)) hostsAnswer(x, 'web-1'); }, (x) => restoring(x) && readPending(x));
    // The restore answers while a read of the server is still out: the host is restored, not readied yet.
    hostsAnswer(w);
    const actions = step(w);
    expect(w.hosts[0]!.step).toBe('restored');
    expect(actions.filter((a) => a.type === 'finish')).toEqual([]);
    run(w, () => undefined);
    expect(w.deployment.status).toBe('rolled_back');
    expect(w.hosts[0]!.step).toBe('restored_ready');
    expect(servers(w)).toEqual({ 'lb-1': { 'web-1': 'ready' }, 'lb-2': { 'web-1': 'ready' } });
  });

  it('ends failed, naming the host, when a restored host cannot be put back in the pool', () => {
    const w = world(['web-1']);
    run(w, (x) => hostsAnswer(x, 'web-1'), (x) => x.hosts[0]!.step === 'restore_readying');
    // Its server stays down in HAProxy's checks.
    for (const lb of Object.values(w.haproxy)) lb['web-1']!.up = false;
    run(w, () => undefined);
    expect(w.deployment.status).toBe('failed');
    expect(w.deployment.error).toMatch(/^could not restore the previous version on web-1 \(on its previous version, but not back in the pool: HAProxy does not see web-1 up 30s after it was readied/);
  });

  it('ends failed, naming the LB agent, when HAProxy keeps a server in maint whatever Slipway sets (no endless setting again)', () => {
    const w = world(['web-1', 'web-2']);
    // On lb-2, web-1 tracks a server in maintenance (IMAINT): `set server … state drain` or `ready` changes nothing.
    w.haproxy['lb-2']!['web-1']!.pinned = 'maint';
    run(w, (x) => hostsAnswer(x), undefined, 400);
    expect(w.deployment.status).toBe('failed');
    expect(w.deployment.cause).toMatchObject({ host: 'web-1', step: 'lb' });
    expect(w.deployment.cause?.error).toMatch(/lb-2 has it maint/);
    expect(w.deployment.error).toMatch(/^could not restore the previous version on web-1 \(on its previous version, but not back in the pool: .*lb-2 has it maint/);
    // web-2 was never touched: one host at a time, and the first never got through.
    expect(w.sets.filter((s) => s.includes('web-2'))).toEqual([]);
  });

  it('does not ready a host while its drain set again (after a reload) is still unanswered: the late drain would undo the ready', () => {
    const w = world(['web-1']);
    run(w, (x) => { if (x.hosts[0]!.step === 'staging') hostsAnswer(x); }, (x) => x.hosts[0]!.step === 'activating');
    w.haproxy['lb-1']!['web-1']!.admin = 'ready';
    // The guard's read sees the reload and sends `set … drain` again; the LB agents have not answered it yet.
    run(w, () => undefined, (x) => x.notes.length > 0);
    const drainAgain = w.lbCommands.filter((c) => c.result === null);
    expect(drainAgain.map((c) => c.intended)).toEqual(['drain', 'drain']);
    // The activation answers meanwhile.
    hostsAnswer(w);
    const actions = step(w);
    expect(w.hosts[0]!.step).toBe('healthy');
    expect(actions.filter((a) => a.type === 'lb')).toEqual([]);
    lbAnswer(w);
    run(w, () => undefined);
    expect(w.deployment.status).toBe('succeeded');
    expect(w.sets.slice(-4)).toEqual(['lb-1 web-1 drain', 'lb-2 web-1 drain', 'lb-1 web-1 ready', 'lb-2 web-1 ready']);
  });

  it('refuses before anything changes when the server template gives two hosts one server (no {host} in it)', () => {
    const w = world(['web-1', 'web-2']);
    // A slipway.yml with `server: app`: both hosts would drain and ready the one server "app".
    w.config = { ...config, server: 'app' };
    for (const lb of Object.values(w.haproxy)) lb['app'] = { admin: 'ready', up: true, scur: 0 };
    run(w, () => undefined);
    expect(w.deployment).toMatchObject({
      status: 'failed',
      error: 'refused before anything changed: the server template app gives web-1 and web-2 the same server app in backend shop: each host needs its own (put {host} in loadBalancer server:)',
    });
    expect(w.sent).toEqual([]);
    expect(w.sets).toEqual([]);
  });

  it('counts a fenced host whose agent is back in the batch it restores: the next host is not drained while it is still out', () => {
    const w = world(['web-1', 'web-2', 'web-3']);
    run(w, (x) => hostsAnswer(x, 'web-3'), (x) => x.deployment.status === 'rolling_back' && x.hosts[2]!.step === 'restore_draining');
    // web-1's agent is lost (past its grace) while web-3 is restored: fenced at once.
    w.online['agent-web-1'] = false;
    w.lastSeen['agent-web-1'] = w.now - limits.agentGraceMs - 1;
    run(w, (x) => hostsAnswer(x), (x) => x.haproxy['lb-1']!['web-1']!.admin === 'maint');
    w.online['agent-web-1'] = true;
    // web-1's agent is back and restores it; the restart takes a while (40 passes, 10 s).
    let passes = 0;
    let bothOut = false;
    run(w, (x) => {
      passes++;
      for (const h of x.hosts) {
        if (!h.commandId || x.results[h.commandId] || (h.hostName === 'web-1' && passes < 40)) continue;
        answerHost(x, h.hostName, { ok: true });
      }
      const out = (name: string) => Object.values(x.haproxy).some((lb) => lb[name]!.admin !== 'ready');
      bothOut ||= out('web-1') && out('web-2');
    });
    expect(w.deployment.status).toBe('rolled_back');
    expect(w.hosts.map((h) => h.step)).toEqual(['restored_ready', 'restored_ready', 'restored_ready']);
    expect(bothOut).toBe(false);
  });

  it('takes no answer about another backend, or naming a server twice, as a reading: the step fails, naming the LB agent', () => {
    for (const [forge, why] of [
      [(r: CommandResult) => ({ ...r, lb: { ...r.lb!, backend: 'other' } }), 'it answered about backend other, not shop'],
      [(r: CommandResult) => ({ ...r, lb: { ...r.lb!, servers: [{ ...r.lb!.servers[0]!, admin: 'drain', scur: 0 } as LbServerState, ...r.lb!.servers] } }), 'it reported server web-1 twice in backend shop'],
    ] as const) {
      const w = world(['web-1']);
      run(w, (x) => hostsAnswer(x), (x) => x.hosts[0]!.step === 'draining');
      // web-1 still has sessions open; lb-2 answers with a reading no HAProxy gives.
      w.haproxy['lb-2']!['web-1']!.scur = 4;
      lbAnswer(w);
      const open = w.lbCommands.filter((c) => c.lbAgentId === 'lb-2');
      const last = open[open.length - 1]!;
      last.result = forge(last.result!);
      step(w);
      expect(w.hosts[0]).toMatchObject({ step: 'stage_failed', failedStep: 'lb', error: `LB agent lb-2 (set server shop/web-1 state drain): ${why}` });
      expect(w.sent.filter((s) => s.command.kind === 'activate')).toEqual([]);
    }
  });

  it('cancels a round given up on when it sends the next, so that a returning LB agent does not run the stale set', () => {
    const w = world(['web-1']);
    run(w, (x) => { if (x.hosts[0]!.step === 'staging') hostsAnswer(x); }, (x) => x.hosts[0]!.step === 'activating');
    w.haproxy['lb-1']!['web-1']!.admin = 'ready';
    run(w, () => undefined, (x) => x.notes.length > 0);
    // The guard's `set … drain` again is written; lb-2 goes away before it answers (within its grace).
    w.online['lb-2'] = false;
    lbAnswer(w);
    const stale = w.lbCommands.find((c) => c.lbAgentId === 'lb-2' && c.result === null && c.intended === 'drain' && c.purpose === 'set')!;
    expect(stale).toBeDefined();
    hostsAnswer(w);
    step(w);
    expect(w.hosts[0]!.step).toBe('healthy');
    // No answer in time: the round is given up, and the host goes on to its ready.
    w.now += limits.lbCommandTimeoutMs + 1;
    const actions = step(w);
    expect(actions).toEqual([expect.objectContaining({ type: 'lb', intended: 'ready', cancel: [stale.commandId] })]);
    expect(w.cancelled).toContain(stale.commandId);
  });

  it('counts a restored host whose agent is then lost in its batch until it serves again: the next host waits', () => {
    const w = world(['web-1', 'web-2', 'web-3']);
    let bothOut = false;
    let lostAt = 0;
    run(w, (x) => {
      const web3 = x.hosts[2]!;
      // web-3's restore answered, then its agent is gone; its app is slow to pass HAProxy's checks.
      if (lostAt === 0 && (web3.step === 'restored' || web3.step === 'restore_readying')) {
        lostAt = x.now;
        x.online['agent-web-3'] = false;
        for (const lb of Object.values(x.haproxy)) lb['web-3']!.up = false;
      }
      if (lostAt && x.now - lostAt > 5_000) for (const lb of Object.values(x.haproxy)) lb['web-3']!.up = true;
      hostsAnswer(x, 'web-3');
      const out = (name: string) => Object.values(x.haproxy).some((lb) => lb[name]!.admin !== 'ready' || !lb[name]!.up);
      bothOut ||= x.deployment.status === 'rolling_back' && out('web-3') && out('web-1');
    });
    expect(w.deployment.status).toBe('rolled_back');
    expect(w.hosts.map((h) => h.step)).toEqual(['restored_ready', 'restored_ready', 'restored_ready']);
    expect(lostAt).toBeGreaterThan(0);
    expect(bothOut).toBe(false);
  });
});

describe('a rollback rehearsal behind a load balancer', () => {
  /** A rehearsal on web-1, which ran `previous` before `target`; no verify. */
  function rehearsalWorld(): World {
    const w = world(['web-1']);
    Object.assign(w.deployment, { kind: 'rehearsal', status: 'rehearsing' });
    w.hosts[0]!.previousVersion = previous;
    return w;
  }
  const finishOf = (w: World, pass: (x: World) => void) => {
    let finish: DeploymentAction | undefined;
    run(w, (x) => {
      pass(x);
      finish = planDeployment(viewOf(x), x.now, limits).find((a) => a.type === 'finish') ?? finish;
    });
    return finish;
  };

  it('restarts its host out of the pool: drained before the previous release, readied once the new one is back', () => {
    const w = rehearsalWorld();
    const activatedWhile: string[] = [];
    const finish = finishOf(w, (x) => {
      for (const h of x.hosts.filter((y) => (y.step === 'activating' || y.step === 'restoring') && !x.results[y.commandId!])) activatedWhile.push(`${h.step}: ${JSON.stringify(servers(x))}`);
      hostsAnswer(x);
    });
    expect(w.sent.map((s) => s.command)).toEqual([{ kind: 'activate', version: previous }, { kind: 'activate', version: target }]);
    const drained = JSON.stringify({ 'lb-1': { 'web-1': 'drain' }, 'lb-2': { 'web-1': 'drain' } });
    expect(activatedWhile).toEqual([`activating: ${drained}`, `restoring: ${drained}`]);
    expect(w.hosts[0]!.step).toBe('restored_ready');
    expect(servers(w)).toEqual({ 'lb-1': { 'web-1': 'ready' }, 'lb-2': { 'web-1': 'ready' } });
    expect(finish).toMatchObject({ type: 'finish', status: 'succeeded', rollbackSafety: { safe: true, host: 'web-1', previousVersion: previous } });
  });

  it('finds nothing when its host cannot be drained: nothing is activated, the host is readied again, and the rehearsal did not run', () => {
    const w = rehearsalWorld();
    let failing = true;
    let finish: DeploymentAction | undefined;
    run(w, (x) => {
      if (x.hosts[0]!.step === 'stage_failed') failing = false;
      if (failing) lbAnswer(x, { lbAgentId: 'lb-2', errorCode: 'SLIPWAY_LB_NOT_ANSWERING' });
      finish = planDeployment(viewOf(x), x.now, limits).find((a) => a.type === 'finish') ?? finish;
    });
    expect(w.sent).toEqual([]);
    expect(w.hosts[0]!.step).toBe('restored_ready');
    expect(servers(w)).toEqual({ 'lb-1': { 'web-1': 'ready' }, 'lb-2': { 'web-1': 'ready' } });
    expect(finish).toMatchObject({ type: 'finish', status: 'failed', error: expect.stringMatching(/^the rehearsal did not run: web-1 could not be taken out of the pool: /) as string });
    expect(finish).not.toHaveProperty('rollbackSafety');
  });
});
