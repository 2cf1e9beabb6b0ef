// An esbuild plugin for scripts/build.ts: `zod/mini` becomes one module holding only the functions
// our sources call on it. The agent and the protocol use zod/mini so that an agent loads a small
// part of zod (src/core/protocol/messages.ts); but with code splitting, esbuild puts every file of
// zod that the server's `zod` and the agent's `zod/mini` both reach (all of zod's core, its
// locales, its JSON Schema code) into one chunk, which each agent then loads: 660 kB of source,
// 1.3 MB of resident memory, for 60 kB of use (/proc/<pid>/smaps, Node 20). One module of its own,
// made smaller before the build, reaches no other file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

const NAMESPACE = 'zod-mini-as-used';

/**
 * The plugin, for the checkout at `root`. Every source that imports zod/mini must do it as
 * `import * as z from 'zod/mini'` (the `z.name`s it uses are read from its text): one that does
 * otherwise fails the build. A name it misses would be undefined at run time: buildSlipway fails on
 * esbuild's warning about it.
 */
export async function zodMiniAsUsed(root: string): Promise<Plugin> {
  const exported = new Set(Object.keys(await import('zod/mini')));
  const used = new Set<string>();
  for (const file of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const imports = text.match(/^import .* from 'zod\/mini';$/gm) ?? [];
    if (imports.length === 0) continue;
    if (imports.some((line) => line !== "import * as z from 'zod/mini';")) {
      throw new Error(`${file}: import zod/mini as \`import * as z from 'zod/mini'\` (scripts/zod-mini-as-used.ts reads the z.names it uses)`);
    }
    for (const [, name] of text.matchAll(/\bz\.([A-Za-z_$][\w$]*)/g)) if (name && exported.has(name)) used.add(name);
  }
  const made = await build({
    stdin: { contents: `export { ${[...used].sort().join(', ')} } from 'zod/mini';`, resolveDir: root, loader: 'js' },
    bundle: true, format: 'esm', platform: 'node', target: 'node20', write: false, logLevel: 'warning',
  });
  const contents = made.outputFiles[0]!.text;
  return {
    name: NAMESPACE,
    setup(plugin) {
      plugin.onResolve({ filter: /^zod\/mini$/ }, () => ({ path: 'zod/mini', namespace: NAMESPACE }));
      plugin.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({ contents, loader: 'js', resolveDir: root }));
    },
  };
}

/** The TypeScript files under `dir`, tests left out (they are not built). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => join(dir, name));
}
