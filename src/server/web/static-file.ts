// Which file of the built web UI a request path names, its content type, and how long a browser
// may keep it: pure decisions, so the route only reads and sends.
import { extname, normalize, sep } from 'node:path';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** The content type of a file by its extension; unknown ones are served as bytes. */
export function contentTypeOf(file: string): string {
  return contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Cache policy: Vite names everything under assets/ by its content hash, so those never change
 * and are kept a year; anything else (index.html above all) is checked again on every load, so a
 * new build reaches browsers at once.
 */
export function cacheControlOf(relativePath: string): string {
  return relativePath.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export type StaticTarget =
  | { kind: 'file'; path: string }
  /** A client-side route (/hosts, /projects/x/runs/3): the app's index.html answers it. */
  | { kind: 'app' }
  | { kind: 'none' };

/**
 * What a URL path asks for. Paths with a file extension name a file of the build (never one
 * outside it: `..`, encoded or not, and NUL bytes give none); paths without one are the app's
 * own routes.
 */
export function staticTarget(urlPath: string): StaticTarget {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return { kind: 'none' };
  }
  if (path.includes('\0') || path.includes('\\')) return { kind: 'none' };
  const relative = normalize(path).replace(/^\/+/, '');
  if (relative.startsWith('..') || relative.split(sep).includes('..')) return { kind: 'none' };
  if (relative === '' || relative === 'index.html') return { kind: 'app' };
  if (extname(relative) === '') return { kind: 'app' };
  return { kind: 'file', path: relative };
}
