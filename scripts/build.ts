// `npm run build`: compiles the `slipway` command (CLI, server and agent) from src/ to dist/ with
// esbuild, so that bin/slipway starts plain JavaScript instead of compiling TypeScript at every
// start. Packages stay in node_modules (external), all but a few the CLI and the agent load (see
// `bundled`); code splitting puts each command's implementation in a chunk of its own, loaded only
// when that command runs.
//
// Also writes dist/sources.json, the source files the build was made from: bin/slipway compares
// their times with the build's and runs the sources instead of a build older than them.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { zodMiniAsUsed } from './zod-mini-as-used.ts';

/** The checkout: this file is in scripts/. */
const checkout = resolve(import.meta.dirname, '..');

/**
 * The packages compiled into dist/ instead of loaded from node_modules (see `external` below): zod,
 * and the CommonJS packages every agent loads (commander for its flags, ws for its connection).
 * Loaded from node_modules, each of their files is found, read and wrapped by Node's module loader
 * at every start: path work hot enough for V8 to start its optimizing compiler in every agent, whose
 * code in the node binary then stays resident, 3.4 MB of it (/proc/<pid>/smaps, Node 20). The
 * server's packages (fastify, pino, ...) stay external: fastify loads its own pino and
 * @fastify/websocket its own ws, and two copies would cost more.
 */
const bundled = ['zod', 'commander', 'ws'];

/** What bin/slipway reads to tell a current build from a stale one. */
export interface BuildManifest {
  /** When the build started (ms since the epoch): a source changed after it is not in the build. */
  startedAt: number;
  /** The source files (relative to the checkout) the build was made from. */
  sources: string[];
}

/**
 * Builds dist/. A build replaces the one before it while `slipway` processes may be starting from
 * that one (the end-to-end tests build while a `slipway up` runs, say): chunks have content-hashed
 * names and are written first, the entry and sources.json are replaced by a rename, and files of
 * earlier builds are removed only once they are a minute old, by when a process that started from
 * them has imported its command's chunk.
 */
export async function buildSlipway(root = checkout): Promise<BuildManifest> {
  const outdir = join(root, 'dist');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const startedAt = Date.now();
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/cli/main.ts'],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Packages stay in node_modules, all but zod: it is some hundred small ES modules, and
    // loading them one by one costs each process about 5 MB more than one bundled chunk does
    // (an idle agent: 70 MB against 65 MB, measured with /proc/<pid>/status).
    external: Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => !bundled.includes(name)),
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    write: false,
    // The bundled CommonJS packages require Node's modules (ws: 'events', 'http', ...), which an ES
    // module has no `require` for: each output file gets one.
    banner: { js: "import { createRequire as __slipwayCreateRequire } from 'node:module'; const require = __slipwayCreateRequire(import.meta.url);" },
    // ws's optional native helpers are not installed: without these, it tries to load them at
    // every start (it works without them).
    define: { 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"' },
    plugins: [await zodMiniAsUsed(root)],
  });
  // A name that zod-mini-as-used left out would be undefined when the code runs.
  const undefinedImport = result.warnings.find((warning) => warning.id === 'import-is-undefined');
  if (undefinedImport) throw new Error(`the build uses a name it does not define: ${undefinedImport.text} (${undefinedImport.location?.file}:${undefinedImport.location?.line})`);
  // Chunks first, the entry (which names them) last.
  const outputs = result.outputFiles.sort((a, b) => Number(isChunk(b.path)) - Number(isChunk(a.path)));
  for (const file of outputs) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeAtomically(file.path, file.path.endsWith('.js') ? asciiOnly(file.text) : file.contents);
  }
  // Our own files; this script and package.json, which say how to build; and the lock file for
  // the bundled packages: installing another version of one rewrites it (npm keeps packages' own
  // file times, which say nothing).
  const ours = Object.keys(result.metafile.inputs).map((input) => relative(root, resolve(root, input))).filter((file) => file.startsWith('src/'));
  const sources = [...ours.sort(), 'scripts/build.ts', 'package.json', 'package-lock.json'];
  const manifest: BuildManifest = { startedAt, sources };
  // Written last: a build that failed half-way leaves the manifest of the one before, older than
  // the sources that changed since, so bin/slipway runs the sources.
  writeAtomically(join(outdir, 'sources.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  removeEarlierBuilds(outdir, new Set([...outputs.map((file) => file.path), join(outdir, 'sources.json')]));
  return manifest;
}

function isChunk(path: string): boolean {
  return path.includes(`${sep}chunks${sep}`);
}

/** Replaces `path` by a rename, so that nothing ever reads it half-written. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

/**
 * Removes the chunks under `outdir` that this build did not write, once they are a minute old (the
 * entry and the manifest keep their names; the rest of dist/ is `npm run package`'s).
 */
function removeEarlierBuilds(outdir: string, current: Set<string>): void {
  const oldEnough = Date.now() - 60_000;
  for (const name of readdirSync(join(outdir, 'chunks'), { recursive: true, encoding: 'utf8' })) {
    const path = join(outdir, 'chunks', name);
    const stat = statSync(path);
    if (stat.isFile() && !current.has(path) && stat.mtimeMs < oldEnough) rmSync(path);
  }
}

/**
 * `text` with every character beyond printable ASCII written as \uXXXX. V8 keeps the source of every script
 * it loads, one byte per character only when all of it is ASCII: one "…" in a comment doubles the
 * memory of a chunk (1.5 MB instead of 0.75 for zod's). esbuild already escapes strings, regular
 * expressions and names (charset ascii), so what is left is in comments, where the escape is as
 * readable.
 */
function asciiOnly(text: string): string {
  return text.replace(/[^\t\n\r -~]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildSlipway();
}
