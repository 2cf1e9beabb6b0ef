// The single executable (`npm run package`) carries the web UI and better-sqlite3's compiled addon
// as assets of Node's single executable applications. The server writes them out once into its
// data dir, serves the UI from there and loads the addon with process.dlopen: an addon can only
// be loaded from a file, and the UI's routes already serve files.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as sea from 'node:sea';

/** The asset that lists the others: written by scripts/package/build-package.ts, read here. */
export const EMBEDDED_MANIFEST_KEY = 'slipway-files.json';
/** Where the UI and the addon sit among the files written out. */
export const EMBEDDED_WEB_DIST = 'web';
export const EMBEDDED_SQLITE_ADDON = 'better_sqlite3.node';

export interface EmbeddedManifest {
  /** Changes with the content of any file (a sha256): a new executable writes its files anew. */
  id: string;
  /** Paths relative to the folder written out, `/`-separated; each is also its asset's key. */
  files: string[];
}

export interface EmbeddedServerFiles {
  webDist: string;
  /** better-sqlite3's addon, loaded: its `nativeBinding`. */
  sqliteAddon: object;
}

/**
 * In the single executable: writes the embedded files to `<dataDir>/embedded/<id>/` unless they
 * are there already (removing those of other builds), loads the addon and says where the UI is.
 * Undefined when running from a checkout, which uses web/dist and node_modules as they are.
 */
export function embeddedServerFiles(dataDir: string): EmbeddedServerFiles | undefined {
  if (!sea.isSea()) return undefined;
  const manifest = JSON.parse(sea.getAsset(EMBEDDED_MANIFEST_KEY, 'utf8')) as EmbeddedManifest;
  const parent = join(dataDir, 'embedded');
  const dir = join(parent, manifest.id);
  if (!existsSync(dir)) writeOut(manifest, parent, dir);
  for (const name of readdirSync(parent)) {
    if (name !== manifest.id) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const addon = { exports: {} };
  process.dlopen(addon, join(dir, EMBEDDED_SQLITE_ADDON));
  return { webDist: join(dir, EMBEDDED_WEB_DIST), sqliteAddon: addon.exports };
}

/** Written into a fresh folder, then renamed: a crash half-way never leaves a partial `dir`. */
function writeOut(manifest: EmbeddedManifest, parent: string, dir: string): void {
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(parent, '.writing-'));
  for (const file of manifest.files) {
    const target = join(staging, file);
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(target, new Uint8Array(sea.getRawAsset(file) as ArrayBuffer), { mode: 0o600 });
  }
  renameSync(staging, dir);
}
