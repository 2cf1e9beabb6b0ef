// The UI tests run against the built web UI: build it when web/dist is missing or older than
// any source of the UI (a checkout where `npm ci` ran is already built).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const sources = [join(root, 'web', 'src'), join(root, 'web', 'index.html'), join(root, 'web', 'public'), join(root, 'web', 'vite.config.ts'), join(root, 'src', 'core'), join(root, 'src', 'base')];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/** Builds web/dist unless it is newer than every source file; returns whether it built. */
export function ensureWebBuild(): boolean {
  const index = join(root, 'web', 'dist', 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (built > Math.max(...sources.map(newestChange))) return false;
  execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  return true;
}
