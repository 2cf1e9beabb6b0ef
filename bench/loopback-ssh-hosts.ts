// Hosts reachable over SSH on loopback addresses, for benchmarks that compare Slipway with tools
// that log in to every host (Ansible). Debian's sshd, started here with a generated host key, a
// generated client key and a config file of its own in a temp directory, listens on one loopback
// port on up to 16 addresses (sshd's limit of listening sockets); more addresses get more sshds.
// Everything logs in as the user running the bench (root), so "a host" is an address: what runs
// there runs on this machine. A session's HOME is a directory of the bench holding Debian's default
// dot files (/usr/share/base-files), as a fresh server's root has: the shell that runs each command
// reads ~/.bashrc, and the bench user's own (on a developer's machine: pyenv's init, 0.25 s) would
// be paid by every Ansible task. close() stops every sshd it started.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../test/support/slipway-processes.ts';
import { waitFor } from '../test/support/wait-for.ts';

/** sshd opens at most this many listening sockets (MAX_LISTEN_SOCKS in OpenSSH). */
const ADDRESSES_PER_SSHD = 16;
const SSHD = '/usr/sbin/sshd';
/** sshd's privilege separation directory, which Debian's init scripts make: made here if missing, and removed again. */
const PRIVSEP_DIR = '/run/sshd';

export interface SshHost {
  address: string;
  port: number;
}

/** Why sshd cannot be run here, or null. */
export function sshUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'sshd must be started as root';
  if (!existsSync(SSHD)) return `${SSHD} is missing: apt-get install -y openssh-server`;
  return null;
}

export class LoopbackSshHosts {
  readonly hosts: SshHost[] = [];
  /** The private key every host accepts. */
  readonly clientKey: string;
  private readonly sshds: ChildProcess[] = [];
  private madePrivsepDir = false;

  /** `dir` must exist and be removed by the caller; keys and configs go there. */
  constructor(private readonly dir: string) {
    this.clientKey = join(dir, 'client_ed25519');
  }

  /** Starts sshds for these loopback addresses and waits until every address accepts connections. */
  async start(addresses: string[]): Promise<void> {
    if (!existsSync(PRIVSEP_DIR)) {
      mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
      this.madePrivsepDir = true;
    }
    const hostKey = join(this.dir, 'host_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'slipway-bench-host', '-f', hostKey]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'slipway-bench-client', '-f', this.clientKey]);
    const home = join(this.dir, 'home');
    mkdirSync(home);
    for (const file of ['bashrc', 'profile']) copyFileSync(`/usr/share/base-files/dot.${file}`, join(home, `.${file}`));
    const authorizedKeys = join(this.dir, 'authorized_keys');
    writeFileSync(authorizedKeys, readFileSync(`${this.clientKey}.pub`), { mode: 0o600 });
    for (let first = 0; first < addresses.length; first += ADDRESSES_PER_SSHD) {
      const group = addresses.slice(first, first + ADDRESSES_PER_SSHD);
      const port = await freePort(group[0]);
      const config = join(this.dir, `sshd-${first / ADDRESSES_PER_SSHD}.conf`);
      writeFileSync(config, sshdConfig({ port, addresses: group, hostKey, authorizedKeys, home, pidFile: `${config}.pid` }));
      // -D: stays in the foreground, a child of this process; -e: its errors go to stderr.
      const sshd = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      sshd.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      this.sshds.push(sshd);
      for (const address of group) this.hosts.push({ address, port });
      await waitFor(`sshd on ${group[0]}…${group.at(-1)} port ${port}`, async () => {
        if (sshd.exitCode !== null) throw new Error(`sshd exited with ${sshd.exitCode}: ${stderr.trim()}`);
        const accepted = await Promise.all(group.map((address) => accepts(address, port)));
        return accepted.every(Boolean);
      }, { timeoutMs: 10_000, intervalMs: 20 });
    }
  }

  /** Stops every sshd (and so every session through them), then removes the privsep dir if it was made here. */
  async close(): Promise<void> {
    await Promise.all(this.sshds.map((sshd) => new Promise<void>((resolve) => {
      if (sshd.exitCode !== null || sshd.signalCode !== null) return resolve();
      sshd.once('exit', () => resolve());
      sshd.kill('SIGTERM');
    })));
    if (this.madePrivsepDir) {
      try {
        rmdirSync(PRIVSEP_DIR);
      } catch {
        // a system sshd started meanwhile uses it now
      }
    }
  }
}

function sshdConfig(o: { port: number; addresses: string[]; hostKey: string; authorizedKeys: string; home: string; pidFile: string }): string {
  return [
    `Port ${o.port}`,
    ...o.addresses.map((a) => `ListenAddress ${a}`),
    `HostKey ${o.hostKey}`,
    `PidFile ${o.pidFile}`,
    `AuthorizedKeysFile ${o.authorizedKeys}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The keys live under /tmp, which is world-writable: StrictModes would refuse them.
    'StrictModes no',
    'UseDNS no',
    // Ansible opens one connection per host and several sessions on it (ControlMaster).
    'MaxStartups 200',
    'MaxSessions 100',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    `SetEnv HOME=${o.home}`,
    'LogLevel ERROR',
    '',
  ].join('\n');
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
