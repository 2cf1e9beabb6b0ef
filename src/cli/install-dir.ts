// Where this Slipway is installed: the folder with its package.json, bin/slipway, web/dist/ and
// examples/ — a checkout, or wherever the package was unpacked.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest folder at or above `from` that holds a package.json. Found, not computed from this
 * file's depth, because that differs: src/cli/ when the sources run through tsx, dist/ when the
 * build bundled this file into dist/main.js.
 */
export function installDir(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${from} or above it`);
  }
}
