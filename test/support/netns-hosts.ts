// Test hosts with their own network addresses: N network namespaces on a bridge in the root
// namespace, in a private /24 this test run picks and removes. Each host has lo up, one veth with
// its own address and a default route via the bridge, so a process started with `exec` (an agent,
// its apps) listens on the same port as on every other host, as in a real fleet. No forwarding or
// NAT is set up: a host reaches the bridge address (where the test's server listens) and its peers,
// nothing outside this machine.
import { execFileSync } from 'node:child_process';

export interface NetnsHost {
  /** The namespace's name, as `ip netns` knows it. */
  netns: string;
  address: string;
  /** The command prefix that runs a program inside this host: `[...exec, program, ...args]`. */
  exec: string[];
}

/** Names carry the test process's pid, so parallel runs never collide and a dead run's are found. */
const namePattern = {
  netns: /^slipway-(\d+)-\d+$/,
  link: /^sw[bv](\d+)[hn]?\d*$/,
};

/** Runs `ip ARGS`; a failure says which command and what `ip` answered. */
function ip(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const said = ((err as { stderr?: string }).stderr ?? '').trim() || (err as Error).message;
    throw new Error(`ip ${args.join(' ')}: ${said}`, { cause: err });
  }
}

/** Runs `ip ARGS`, ignoring a failure (for removing what may already be gone). */
function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function namespaces(): string[] {
  return ip('netns', 'list').split('\n').map((line) => line.split(' ')[0] ?? '').filter(Boolean);
}

function links(): string[] {
  return ip('-o', 'link', 'show').split('\n').map((line) => /^\d+: ([^:@\s]+)/.exec(line)?.[1]).filter((n): n is string => !!n);
}

/** Kills (SIGKILL) every process inside the namespace: it lives on after `ip netns del` while one does. */
function killInside(netns: string): void {
  let pids: string[];
  try {
    pids = ip('netns', 'pids', netns).split('\n').filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Why this machine cannot make test hosts (not root, no `ip netns`, namespaces refused), or null
 * when it can: it really adds and removes a namespace to find out.
 */
export function netnsUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `slipway-${process.pid}-999`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (err) {
    tryIp('netns', 'del', probe);
    return `\`ip netns\` is unavailable: ${(err as Error).message}`;
  }
}

/**
 * Removes namespaces, bridges and veths that an earlier test run left when it died (their names
 * carry a pid that no longer runs), with any process still inside them. Returns what it removed.
 */
export function removeStaleNetnsHosts(): string[] {
  const removed: string[] = [];
  for (const netns of namespaces()) {
    const pid = namePattern.netns.exec(netns)?.[1];
    if (!pid || alive(Number(pid))) continue;
    killInside(netns);
    tryIp('netns', 'del', netns);
    removed.push(netns);
  }
  for (const link of links()) {
    const pid = namePattern.link.exec(link)?.[1];
    if (!pid || alive(Number(pid))) continue;
    tryIp('link', 'del', link);
    removed.push(link);
  }
  return removed;
}

/** A /24 under 10.77/16 that no interface or route of this machine uses yet, e.g. "10.77.42". */
function unusedSubnet(): string {
  const used = ip('-o', '-4', 'addr', 'show') + ip('-4', 'route', 'show', 'table', 'all');
  for (let attempt = 0; attempt < 50; attempt++) {
    const prefix = `10.77.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(`${prefix}.`)) return prefix;
  }
  throw new Error('no unused /24 under 10.77.0.0/16 for the test hosts');
}

/** The one open set of this process: names carry only the pid, so a second would collide. */
let open: NetnsHosts | null = null;

export class NetnsHosts {
  readonly bridge = `swb${process.pid}`;
  private prefix = '';
  readonly hosts: NetnsHost[] = [];
  private closed = false;
  private readonly onExit = () => this.close();

  private constructor() {}

  /** The /24's first three octets, e.g. "10.77.42". */
  get subnet(): string {
    return this.prefix;
  }

  /** The bridge's address: what a server in the root namespace listens on for the hosts. */
  get bridgeAddress(): string {
    return `${this.prefix}.1`;
  }

  /**
   * Makes `count` hosts (addresses .2, .3, … of a fresh /24) after removing a dead run's leftovers.
   * Whatever it made is removed again if making the rest fails, and when the process exits
   * without `close()`.
   */
  static create(count: number): NetnsHosts {
    if (count < 1 || count > 200) throw new Error(`between 1 and 200 test hosts, not ${count}`);
    if (open) throw new Error('one set of test hosts per process: close the other first');
    removeStaleNetnsHosts();
    const hosts = new NetnsHosts();
    open = hosts;
    process.on('exit', hosts.onExit);
    try {
      hosts.addBridge();
      for (let i = 1; i <= count; i++) hosts.addHost(i);
      return hosts;
    } catch (err) {
      hosts.close();
      throw err;
    }
  }

  /** Removes every namespace (with the processes still inside), veth and the bridge. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    open = null;
    process.off('exit', this.onExit);
    for (const host of this.hosts) killInside(host.netns);
    for (let i = 1; i <= this.hosts.length; i++) tryIp('link', 'del', this.vethName(i, 'h'));
    for (const host of this.hosts) tryIp('netns', 'del', host.netns);
    tryIp('link', 'del', this.bridge);
  }

  /**
   * Cuts a host's network (`ip link set <veth> down` inside its namespace), as a pulled cable:
   * its processes run on, but nothing reaches them and they reach nothing. `up` plugs it back in
   * (with its default route, which going down removed).
   */
  setNetwork(host: NetnsHost, state: 'up' | 'down'): void {
    const i = this.hosts.indexOf(host) + 1;
    if (i === 0) throw new Error(`${host.netns} is not one of these test hosts`);
    ip('-n', host.netns, 'link', 'set', this.vethName(i, 'n'), state);
    if (state === 'up') ip('-n', host.netns, 'route', 'replace', 'default', 'via', this.bridgeAddress);
  }

  /** What of this run is still on the machine (names of namespaces and links): empty after close. */
  leftovers(): string[] {
    const mine = (name: string) => name.startsWith(`slipway-${process.pid}-`) || name === this.bridge || name.startsWith(`swv${process.pid}`);
    return [...namespaces(), ...links()].filter(mine);
  }

  private vethName(i: number, end: 'h' | 'n'): string {
    return `swv${process.pid}${end}${i}`;
  }

  private addBridge(): void {
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('link', 'set', this.bridge, 'up');
    for (let attempt = 1; ; attempt++) {
      this.prefix = unusedSubnet();
      ip('addr', 'add', `${this.bridgeAddress}/24`, 'dev', this.bridge);
      // Another run may have picked the same /24 between our look and our add: then pick again.
      const holders = ip('-o', '-4', 'addr', 'show').split('\n').filter((line) => line.includes(` ${this.subnet}.`));
      if (holders.length === 1) return;
      ip('addr', 'del', `${this.bridgeAddress}/24`, 'dev', this.bridge);
      if (attempt === 5) throw new Error(`no /24 under 10.77.0.0/16 stayed ours: ${holders.join('; ')}`);
    }
  }

  private addHost(i: number): void {
    const netns = `slipway-${process.pid}-${i}`;
    const address = `${this.subnet}.${i + 1}`;
    const [outside, inside] = [this.vethName(i, 'h'), this.vethName(i, 'n')];
    ip('netns', 'add', netns);
    this.hosts.push({ netns, address, exec: ['ip', 'netns', 'exec', netns] });
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', netns);
    ip('link', 'set', outside, 'master', this.bridge, 'up');
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', inside);
    ip('-n', netns, 'link', 'set', inside, 'up');
    ip('-n', netns, 'route', 'add', 'default', 'via', this.bridgeAddress);
  }
}
