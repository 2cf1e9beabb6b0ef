// The files that match a log glob of slipway.yml (`*` and `?` within one folder level), found by
// walking only the folders the glob names.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Resolves a glob to an absolute pattern: relative ones against `base` (the app's folder on the
 * host). Pure; `..` in relative globs was refused when slipway.yml was parsed.
 */
export function resolveGlob(glob: string, base: string): string {
  return path.isAbsolute(glob) ? path.normalize(glob) : path.join(base, glob);
}

/**
 * The regular files (symlinks followed) matching an absolute pattern, sorted. `*` matches any run
 * of characters but "/", `?` one character; other characters match themselves. Folders that do
 * not exist or cannot be read match nothing; files whose names start with "." match only a
 * segment that starts with ".".
 */
export function globFiles(pattern: string): string[] {
  const segments = pattern.split('/').filter((s) => s !== '');
  const found: string[] = [];
  const walk = (dir: string, index: number): void => {
    const segment = segments[index];
    if (segment === undefined) return;
    const last = index === segments.length - 1;
    const names = hasWildcard(segment) ? matchingNames(dir, segment) : [segment];
    for (const name of names) {
      const full = path.join(dir, name);
      if (last) {
        if (isFile(full)) found.push(full);
      } else {
        walk(full, index + 1);
      }
    }
  };
  walk('/', 0);
  return found.sort();
}

export function hasWildcard(segment: string): boolean {
  return /[*?]/.test(segment);
}

function matchingNames(dir: string, segment: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const regex = new RegExp(`^${segment.split('').map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : escapeRegex(c))).join('')}$`);
  return names.filter((name) => regex.test(name) && (!name.startsWith('.') || segment.startsWith('.')));
}

function escapeRegex(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
