// The Ansible side of bench/ansible-compare.bench.ts: an inventory of loopback SSH hosts, an
// ansible.cfg as an operator would write it (Debian's Ansible, default forks, pipelining and
// ControlPersist) and a playbook doing what a Slipway activation does: unpack the release, switch
// the `current` symlink, restart the app, check its health over HTTP, in batches (serial) of 10%. All of
// Ansible's own files (config, temp dirs, control sockets) stay in the bench's temp directory.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SshHost } from './loopback-ssh-hosts.ts';

export interface AnsibleHost extends SshHost {
  name: string;
  /** The PORT of this host's app. */
  appPort: number;
  /** Where this host keeps its releases, `current` and the app's pid. */
  appRoot: string;
}

/** Why ansible-playbook cannot be run here, or null. */
export function ansibleUnavailableReason(): string | null {
  return existsSync('/usr/bin/ansible-playbook') ? null : 'ansible-playbook is missing: apt-get install -y ansible';
}

// The restart: stop the running app (SIGTERM, then wait for it to be gone, at most 5 s), start the
// new one in a session of its own so that it outlives the SSH session, and keep its pid.
const restartScript = `set -e
cd {{ app_root }}
if [ -f app.pid ] && kill "$(cat app.pid)" 2>/dev/null; then
  for i in $(seq 500); do kill -0 "$(cat app.pid)" 2>/dev/null || break; sleep 0.01; done
fi
cd current
PORT={{ app_port }} APP_VERSION={{ version }} setsid python3 app.py >> {{ app_root }}/app.log 2>&1 < /dev/null &
echo $! > {{ app_root }}/app.pid`;

// Tasks as an Ansible user writes them; unpacking is two tasks (unarchive needs its destination).
// Facts are not gathered: no task needs them, and gathering would cost every batch a round.
const playbook = `- name: roll out the app
  hosts: "{{ target }}"
  serial: "{{ batch }}"
  gather_facts: false
  max_fail_percentage: 0
  vars:
    release: "{{ app_root }}/releases/{{ version }}"
  tasks:
    - name: make the release directory
      ansible.builtin.file: { path: "{{ release }}", state: directory, mode: "0755" }
    - name: unpack the release
      ansible.builtin.unarchive: { src: "{{ tarball }}", dest: "{{ release }}" }
    - name: switch current to the release
      ansible.builtin.file: { src: "{{ release }}", dest: "{{ app_root }}/current", state: link, force: true }
    - name: restart the app
      ansible.builtin.shell: |
${restartScript.split('\n').map((line) => `        ${line}`).join('\n')}
    - name: check its health
      ansible.builtin.uri: { url: "http://127.0.0.1:{{ app_port }}/healthz" }
      register: health
      until: health.status == 200
      retries: 100
      delay: 0
`;

export class AnsibleRollout {
  private readonly config: string;
  private readonly inventory: string;
  private readonly playbookFile: string;
  private runs = 0;

  /**
   * `dir` exists and is removed by the caller. `groups` names sets of hosts (e.g. n10 → the first
   * ten) that a rollout targets.
   */
  constructor(private readonly dir: string, hosts: AnsibleHost[], groups: Record<string, string[]>, clientKey: string) {
    for (const sub of ['ansible-home', 'ansible-local', 'cp']) mkdirSync(join(dir, sub), { recursive: true });
    this.config = join(dir, 'ansible.cfg');
    this.inventory = join(dir, 'inventory.ini');
    this.playbookFile = join(dir, 'rollout.yml');
    writeFileSync(this.config, [
      '[defaults]',
      `inventory = ${this.inventory}`,
      'host_key_checking = False',
      'interpreter_python = /usr/bin/python3',
      `local_tmp = ${join(dir, 'ansible-local')}`,
      `remote_tmp = ${join(dir, 'ansible-remote')}`,
      'retry_files_enabled = False',
      '',
      '[ssh_connection]',
      'pipelining = True',
      // Ansible's default ssh_args (compression, ControlMaster, ControlPersist 60 s) with the host keys of a bench that makes them anew.
      'ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR',
      `control_path_dir = ${join(dir, 'cp')}`,
      '',
    ].join('\n'));
    const hostLine = (h: AnsibleHost) =>
      `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${clientKey} app_port=${h.appPort} app_root=${h.appRoot}`;
    writeFileSync(this.inventory, [
      '[all]', ...hosts.map(hostLine), '',
      ...Object.entries(groups).flatMap(([group, names]) => [`[${group}]`, ...names, '']),
    ].join('\n'));
    writeFileSync(this.playbookFile, playbook);
  }

  /**
   * Rolls `tarball` out as `version` to the hosts of `target` (a group), `batch` (serial) at a
   * time, and resolves with the wall time of ansible-playbook in ms; rejects with the end of its
   * output when it fails.
   */
  async roll(target: string, version: string, tarball: string, timeoutMs: number, batch = '10%'): Promise<number> {
    const started = performance.now();
    await this.ansible('ansible-playbook', [this.playbookFile, '-e', `target=${target} version=${version} tarball=${tarball} batch=${batch}`], timeoutMs);
    return performance.now() - started;
  }

  /** Opens (and so keeps, ControlPersist) an SSH connection to every host of `target`: not part of a rollout. */
  async ping(target: string, timeoutMs: number): Promise<void> {
    await this.ansible('ansible', [target, '-m', 'ansible.builtin.ping'], timeoutMs);
  }

  private ansible(command: string, args: string[], timeoutMs: number): Promise<void> {
    const log = join(this.dir, `ansible-${++this.runs}.log`);
    const env = { ...process.env, ANSIBLE_CONFIG: this.config, ANSIBLE_HOME: join(this.dir, 'ansible-home'), ANSIBLE_NOCOLOR: '1' };
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const keep = (chunk: Buffer) => (output += chunk.toString());
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        writeFileSync(log, output);
        if (code === 0) return resolve();
        reject(new Error(`${command} ${code === null ? `was stopped by ${signal} (timeout ${timeoutMs} ms)` : `exited with ${code}`}; its output (${log}) ends:\n${output.slice(-3000)}`));
      });
    });
  }
}
