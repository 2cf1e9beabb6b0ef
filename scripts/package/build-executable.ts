// Builds Slipway as one executable with Node's single executable applications: src/cli/main.ts
// bundled with every npm package into one CommonJS file (what a SEA runs), less the modules it
// only import()s that an agent never needs (LAZY_BUNDLES: the server, ...), each a CommonJS
// bundle of its own kept as an asset and evaluated when imported (load-lazy-bundle.ts); the web UI and
// better-sqlite3's compiled addon as assets (src/cli/embedded-files.ts writes them out at run
// time), all injected with postject into a copy of the node binary that runs this script.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import {
  EMBEDDED_MANIFEST_KEY, EMBEDDED_SQLITE_ADDON, EMBEDDED_WEB_DIST, type EmbeddedManifest,
} from '../../src/cli/embedded-files.ts';

/** The string postject flips to `:1` once a blob is in; a node built without SEA support lacks it. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface ExecutableBuild {
  /** The checkout: src/, web/dist/ and node_modules/ are taken from here. */
  checkout: string;
  /** Where the bundle, the assets' manifest and the SEA blob are put together. */
  workDir: string;
  /** The executable to write. */
  output: string;
}

/**
 * Writes the single executable to `output` and returns its path. Throws when web/dist has not
 * been built, when better-sqlite3's addon is missing, or when this node cannot make a SEA.
 */
export async function buildExecutable({ checkout, workDir, output }: ExecutableBuild): Promise<string> {
  const webDist = join(checkout, 'web', 'dist');
  if (!existsSync(join(webDist, 'index.html'))) throw new Error(`${webDist}/index.html is missing: run \`npm run build:web\` first`);
  const addon = join(checkout, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(addon)) throw new Error(`${addon} is missing: better-sqlite3 was not compiled (npm ci)`);
  const nodeBinary = readFileSync(process.execPath);
  if (!nodeBinary.includes(`${SEA_FUSE}:0`)) throw new Error(`${process.execPath} cannot make a single executable (no SEA fuse); use a node from nodejs.org or Debian/NodeSource packages`);

  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const bundle = join(workDir, 'slipway.cjs');
  // The main script holds the command line and the agent, which every agent evaluates; the
  // modules in LAZY_BUNDLES are bundles of their own, evaluated only by the commands that import
  // them (load-lazy-bundle.ts): esbuild's one CommonJS file declares every function of every
  // module it holds at start, and V8 keeps the source of the whole script.
  await build({ ...bundleOptions, entryPoints: [join(checkout, 'src', 'cli', 'main.ts')], outfile: bundle, plugins: [lazyBundlesFromTheirAssets(checkout)] });
  const lazyAssets: Record<string, string> = {};
  for (const lazy of LAZY_BUNDLES) {
    lazyAssets[lazy.asset] = join(workDir, lazy.asset);
    await build({ ...bundleOptions, entryPoints: [join(checkout, lazy.source)], outfile: lazyAssets[lazy.asset], plugins: [sharedWithTheMainScript(checkout)] });
  }

  const assets: Record<string, string> = { [EMBEDDED_SQLITE_ADDON]: addon };
  for (const file of filesUnder(webDist)) assets[`${EMBEDDED_WEB_DIST}/${relative(webDist, file).split('\\').join('/')}`] = file;
  const manifest: EmbeddedManifest = { id: contentId(assets), files: Object.keys(assets).sort() };
  const manifestFile = join(workDir, EMBEDDED_MANIFEST_KEY);
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const blob = join(workDir, 'sea.blob');
  const config = join(workDir, 'sea-config.json');
  writeFileSync(config, JSON.stringify({
    main: bundle, output: blob, disableExperimentalSEAWarning: true,
    // V8's code cache of the main script: `slipway --help` and an agent start without compiling it.
    useCodeCache: true,
    assets: { ...assets, [EMBEDDED_MANIFEST_KEY]: manifestFile, ...lazyAssets },
  }));
  execFileSync(process.execPath, ['--experimental-sea-config', config], { cwd: workDir, stdio: 'pipe' });

  mkdirSync(join(output, '..'), { recursive: true });
  rmSync(output, { force: true });
  copyFileSync(process.execPath, output);
  chmodSync(output, 0o755);
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  // postject's ELF library warns about note sections it does not know; the result is sound.
  execFileSync(process.execPath, [postject, output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'pipe' });
  return output;
}

const bundleOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // Half the source V8 keeps in memory (2.2 MB against 4.7 MB): measured, an idle agent about
  // 8 MB smaller. Names are kept: error types and logs show them.
  minify: true,
  keepNames: true,
  // CommonJS has no import.meta. In a SEA, __filename is the executable: what these sources
  // compute from it (the checkout's web/dist, bin/slipway) is not used there (see embedded-files).
  define: {
    'import.meta.url': '__slipway_import_meta_url', 'import.meta.dirname': '__dirname',
    // ws's optional native helpers are not in the bundle: without these, its attempt to load
    // them prints a SEA warning at every start (it works without them).
    'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"',
  },
  banner: { js: 'const __slipway_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
};

/** What a lazy bundle requires src/base/errors.ts by: the main script's copy. */
const SHARED_ERRORS = 'slipway:base-errors';

/**
 * Modules the command line reaches only through import(), each bundled with what it imports into
 * an asset of the executable: the server, and the slipway.yml parser of `slipway validate` (zod and
 * yaml). An agent holds none of them.
 */
const LAZY_BUNDLES = [
  { source: 'src/server/server-main.ts', asset: 'slipway-server.cjs' },
  { source: 'src/core/pipeline/parse-slipway-config.ts', asset: 'slipway-config-parser.cjs' },
];

/** In the main script: each of LAZY_BUNDLES is its bundle, evaluated from its asset when imported. */
function lazyBundlesFromTheirAssets(checkout: string): Plugin {
  const loader = join(checkout, 'scripts', 'package', 'load-lazy-bundle.ts');
  const errors = join(checkout, 'src', 'base', 'errors.ts');
  const assetOf = new Map(LAZY_BUNDLES.map((lazy) => [join(checkout, lazy.source), lazy.asset]));
  return {
    name: 'lazy-bundles-from-their-assets',
    setup(plugin) {
      plugin.onResolve({ filter: /\.ts$/ }, (args) => {
        const path = join(args.resolveDir, args.path);
        if (!assetOf.has(path)) return undefined;
        // A static import would evaluate the bundle at every start, and give it copies of modules
        // the main script has too: a build that does it fails instead of growing every agent.
        if (args.kind !== 'dynamic-import') return { errors: [{ text: `${args.importer} imports ${args.path} statically; it is one of LAZY_BUNDLES, which the main script may only import()` }] };
        return { path, namespace: 'lazy-bundle' };
      });
      plugin.onLoad({ filter: /.*/, namespace: 'lazy-bundle' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(loader)}).loadLazyBundle(${JSON.stringify(assetOf.get(args.path))}, { ${JSON.stringify(SHARED_ERRORS)}: require(${JSON.stringify(errors)}) });`,
        loader: 'js', resolveDir: checkout,
      }));
    },
  };
}

/**
 * In a lazy bundle: src/base/errors.ts is the main script's, so that main.ts's instanceof
 * SlipwayError holds for what the server throws (an expected failure, not an "unexpected error").
 */
function sharedWithTheMainScript(checkout: string): Plugin {
  const errors = join(checkout, 'src', 'base', 'errors.ts');
  return {
    name: 'shared-with-the-main-script',
    setup(plugin) {
      plugin.onResolve({ filter: /errors\.ts$/ }, (args) => (join(args.resolveDir, args.path) === errors ? { path: SHARED_ERRORS, external: true } : undefined));
    },
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => join(dir, name)).filter((path) => statSync(path).isFile()).sort();
}

/** A sha256 over every asset's key and content: the folder name the files are written out to. */
function contentId(assets: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(assets).sort()) hash.update(`${key}\0`).update(readFileSync(assets[key]!)).update('\0');
  return hash.digest('hex').slice(0, 16);
}
