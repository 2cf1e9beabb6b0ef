// Runs in the single executable, not in the build: evaluates one of the bundles build-executable.ts
// keeps out of the main script (the server's, ...), from its asset, when a command first imports
// it. An agent never compiles or evaluates the server's code: with it in the one main script, V8
// kept its source and declared its functions in every agent, which also ran its packages'
// top-level code (kysely's classes, ...).
import { createRequire } from 'node:module';
import { getAsset } from 'node:sea';
import { runInThisContext } from 'node:vm';

/**
 * The exports of the CommonJS bundle in asset `asset`. `shared` are modules the bundle takes from
 * the main script instead of a copy of its own, keyed by the name it requires them by: the error
 * classes, which main.ts tells apart with instanceof.
 */
export function loadLazyBundle(asset: string, shared: Record<string, unknown>): unknown {
  const source = getAsset(asset, 'utf8');
  // What Node's CommonJS loader does with a file, for source that is not in a file.
  const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: asset }) as
    (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;
  const builtins = createRequire(__filename);
  const requireShared = ((id: string): unknown => (Object.hasOwn(shared, id) ? shared[id] : builtins(id) as unknown)) as NodeJS.Require;
  const module = { exports: {} };
  wrapper(module.exports, requireShared, module, __filename, __dirname);
  return module.exports;
}
