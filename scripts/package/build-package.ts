// `npm run package`: dist/slipway (one executable: server, agent and CLI) and
// dist/slipway_<version>_<arch>.deb. See README "Install on a host".
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDeb, packageVersion } from './build-deb.ts';
import { buildExecutable } from './build-executable.ts';

export interface BuiltPackage {
  executable: string;
  deb: string;
  version: string;
}

/** Builds both into `outDir` (default <checkout>/dist), with intermediate files in <outDir>/build. */
export async function buildPackage(options: { checkout?: string; outDir?: string } = {}): Promise<BuiltPackage> {
  const checkout = options.checkout ?? resolve(import.meta.dirname, '../..');
  const outDir = options.outDir ?? join(checkout, 'dist');
  const version = packageVersion(checkout);
  const executable = await buildExecutable({ checkout, workDir: join(outDir, 'build', 'sea'), output: join(outDir, 'slipway') });
  const addon = join(checkout, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  const deb = buildDeb({ executable, checkout, workDir: join(outDir, 'build', 'deb'), outDir, version, addon });
  return { executable, deb, version };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  const built = await buildPackage();
  process.stdout.write(`${built.executable}\n${built.deb}\n(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
