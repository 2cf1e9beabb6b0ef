// Decides what goes into a build's artifact: the declared paths, walked into a list of files and
// folders inside the workspace, with symlinks resolved to what they point at.
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';

export type CollectResult = { ok: true; entries: string[] } | { ok: false; error: string };

/**
 * Lists every entry to pack for `declared` (paths relative to `workspace`, as slipway.yml's
 * `build.artifact` gives them; "dist/" and "dist" are the same): each path, and for a folder all it
 * contains, parents before children, each once. A symlink is listed under its own name and will be
 * stored as the file or folder it points to. Failures are values with a message naming the path: a
 * path that is absolute, escapes the workspace or does not exist; a symlink that dangles or points
 * outside the workspace; a loop of folder links; a socket, FIFO or device.
 */
export async function collectArtifactEntries(workspace: string, declared: readonly string[]): Promise<CollectResult> {
  const root = await realpath(workspace);
  const walker = new Walker(root);
  for (const path of declared) {
    const problem = await walker.addDeclared(path);
    if (problem) return { ok: false, error: problem };
  }
  return { ok: true, entries: walker.entries };
}

class Walker {
  readonly entries: string[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly root: string) {}

  /** Adds one declared path; returns a problem or undefined. */
  async addDeclared(declared: string): Promise<string | undefined> {
    if (declared.trim() === '') return `artifact path '${declared}' is empty`;
    if (isAbsolute(declared)) return `artifact path '${declared}' is absolute; artifact paths are relative to the workspace`;
    const rel = posix.normalize(declared.replace(/\\/g, '/')).replace(/\/+$/, '');
    if (rel === '..' || rel.startsWith('../')) return `artifact path '${declared}' escapes the workspace`;
    if (rel === '.' || rel === '') return this.addChildren('', this.root, new Set([this.root]));
    const real = await this.resolveInside(rel, `artifact path '${declared}'`);
    if (typeof real !== 'string') return real.problem;
    return this.add(rel, real, new Set([this.root]));
  }

  /** Adds `rel` (whose real location is `real`) and, for a folder, everything in it. */
  private async add(rel: string, real: string, ancestors: Set<string>): Promise<string | undefined> {
    const info = await stat(real);
    if (info.isFile()) {
      this.push(rel);
      return undefined;
    }
    if (!info.isDirectory()) return `artifact path '${rel}' is not a regular file or folder`;
    if (ancestors.has(real)) return `artifact path '${rel}' is a symlink loop (it points to a folder that contains it)`;
    this.push(rel);
    return this.addChildren(rel, real, new Set([...ancestors, real]));
  }

  private async addChildren(rel: string, real: string, ancestors: Set<string>): Promise<string | undefined> {
    const names = (await readdir(real)).sort();
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const link = await lstat(join(real, name));
      let childReal = join(real, name);
      if (link.isSymbolicLink()) {
        const resolved = await this.resolveInside(childRel, `'${childRel}'`);
        if (typeof resolved !== 'string') return resolved.problem;
        childReal = resolved;
      } else if (!link.isFile() && !link.isDirectory()) {
        return `artifact path '${childRel}' is not a regular file or folder`;
      }
      const problem = await this.add(childRel, childReal, ancestors);
      if (problem) return problem;
    }
    return undefined;
  }

  /** The real location of `rel`, or a problem when it is missing or lies outside the workspace. */
  private async resolveInside(rel: string, what: string): Promise<string | { problem: string }> {
    const path = join(this.root, rel);
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      const target = await readlink(path).catch(() => undefined);
      if (target !== undefined) return { problem: `${what} is a symlink to '${target}', which does not exist` };
      return { problem: `${what} does not exist in the workspace` };
    }
    const inside = relative(this.root, real);
    if (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)) return real;
    const target = await readlink(path).catch(() => undefined);
    return target !== undefined
      ? { problem: `${what} is a symlink to '${target}', outside the workspace` }
      : { problem: `${what} leads outside the workspace (to ${real})` };
  }

  private push(rel: string): void {
    if (this.seen.has(rel)) return;
    this.seen.add(rel);
    this.entries.push(rel);
  }
}
