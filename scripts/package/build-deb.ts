// Builds the Debian package from a staging tree: /usr/bin/slipway (the single executable, which
// carries its addon and web UI), the agent's systemd unit, its example settings as a conffile,
// and maintainer scripts that only tell systemd what changed.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DebBuild {
  /** The single executable (buildExecutable). */
  executable: string;
  /** The checkout: scripts/package/debian/ holds the unit, the env file and the maintainer scripts. */
  checkout: string;
  /** Where the staging tree is put together. */
  workDir: string;
  /** The folder the .deb is written to. */
  outDir: string;
  version: string;
  /** Shared libraries better-sqlite3's addon links against, for Depends (it is not an ELF of the package). */
  addon: string;
}

/** Writes `<outDir>/slipway_<version>_<arch>.deb` and returns its path. */
export function buildDeb(options: DebBuild): string {
  const { executable, checkout, workDir, outDir, version } = options;
  const debian = join(checkout, 'scripts', 'package', 'debian');
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  const stage = join(workDir, 'root');
  rmSync(workDir, { recursive: true, force: true });

  put(executable, join(stage, 'usr/bin/slipway'), 0o755);
  put(join(debian, 'slipway-agent.service'), join(stage, 'lib/systemd/system/slipway-agent.service'), 0o644);
  // It will hold the join token: readable by root only.
  put(join(debian, 'agent.env'), join(stage, 'etc/slipway/agent.env'), 0o600);
  for (const script of ['postinst', 'prerm', 'postrm']) put(join(debian, script), join(stage, 'DEBIAN', script), 0o755);
  writeFileSync(join(stage, 'DEBIAN/conffiles'), '/etc/slipway/agent.env\n');
  const installedKiB = Math.ceil((statSync(executable).size + statSync(join(debian, 'slipway-agent.service')).size + statSync(join(debian, 'agent.env')).size) / 1024);
  writeFileSync(join(stage, 'DEBIAN/control'), [
    'Package: slipway',
    `Version: ${version}`,
    `Architecture: ${arch}`,
    'Maintainer: Slipway developers <slipway@localhost>',
    `Installed-Size: ${installedKiB}`,
    `Depends: ${sharedLibraryDepends(workDir, [executable, options.addon])}`,
    // The server keeps mirrors of projects' repositories with git, and runners check commits out.
    'Recommends: git',
    'Section: admin',
    'Priority: optional',
    'Description: self-hosted continuous delivery for fleets of plain Linux servers',
    ' One executable for the Slipway server, its agent and its command line, with a systemd',
    ' unit for the agent (slipway-agent.service, settings in /etc/slipway/agent.env).',
    '',
  ].join('\n'));

  mkdirSync(outDir, { recursive: true });
  const deb = join(outDir, `slipway_${version}_${arch}.deb`);
  // zstd: measured on the 108 MB executable, 36 MB in 0.4 s of CPU, against gzip's 37 MB in 12 s
  // and xz's 26 MB in 53 s. Every dpkg that can meet Depends (glibc 2.34+) reads zstd.
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', '-Zzstd', stage, deb], { stdio: 'pipe' });
  return deb;
}

function put(from: string, to: string, mode: number): void {
  mkdirSync(join(to, '..'), { recursive: true, mode: 0o755 });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

/** What dpkg-shlibdeps says the ELF files need, e.g. `libc6 (>= 2.34), libstdc++6 (>= 11)`. */
function sharedLibraryDepends(workDir: string, elfFiles: string[]): string {
  // dpkg-shlibdeps reads debian/control of a source package; a minimal one is enough.
  const source = join(workDir, 'shlibdeps');
  mkdirSync(join(source, 'debian'), { recursive: true });
  writeFileSync(join(source, 'debian/control'), 'Source: slipway\n\nPackage: slipway\nArchitecture: any\n');
  const out = execFileSync('dpkg-shlibdeps', ['-O', ...elfFiles.map((f) => `-e${f}`)], { cwd: source, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const depends = /^shlibs:Depends=(.+)$/m.exec(out)?.[1];
  if (!depends) throw new Error(`dpkg-shlibdeps printed no shlibs:Depends: ${out}`);
  return depends;
}

/** The version in package.json (the .deb's Version). */
export function packageVersion(checkout: string): string {
  return (JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as { version: string }).version;
}
