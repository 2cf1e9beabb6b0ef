// `npm run build`: compiles the `slipway` command (CLI, server and agent) from src/ to dist/ with
// esbuild, so that bin/slipway starts plain JavaScript instead of compiling TypeScript at every
// start. Packages stay in node_modules (external); code splitting puts each command's
// implementation in a chunk of its own, loaded only when that command runs.
//
// Also writes dist/sources.json, the source files the build was made from: bin/slipway compares
// their times with the build's and runs the sources instead of a build older than them.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The checkout: this file is in scripts/. */
const checkout = resolve(import.meta.dirname, '..');

/** The packages compiled into dist/ instead of loaded from node_modules (see `external` below). */
const bundled = ['zod'];

/** What bin/slipway reads to tell a current build from a stale one. */
export interface BuildManifest {
  /** When the build started (ms since the epoch): a source changed after it is not in the build. */
  startedAt: number;
  /** The source files (relative to the checkout) the build was made from. */
  sources: string[];
}

/**
 * Builds dist/ from scratch. A clean directory, so that a chunk left by an earlier build can
 * never be loaded; a process already running from the old build has loaded what it needs
 * (commands import their chunk when they start).
 */
export async function buildSlipway(root = checkout): Promise<BuildManifest> {
  const outdir = join(root, 'dist');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const startedAt = Date.now();
  rmSync(outdir, { recursive: true, force: true });
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
  });
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.path.endsWith('.js') ? asciiOnly(file.text) : file.contents);
  }
  // Our own files; this script and package.json, which say how to build; and the lock file for
  // the bundled packages: installing another version of one rewrites it (npm keeps packages' own
  // file times, which say nothing).
  const ours = Object.keys(result.metafile.inputs).map((input) => relative(root, resolve(root, input))).filter((file) => file.startsWith('src/'));
  const sources = [...ours.sort(), 'scripts/build.ts', 'package.json', 'package-lock.json'];
  const manifest: BuildManifest = { startedAt, sources };
  // Written last: a build that failed half-way has no manifest, and bin/slipway ignores it.
  writeFileSync(join(outdir, 'sources.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
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
