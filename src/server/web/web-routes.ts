// Serves the built web UI (web/dist) at /: its files with their types and cache policy, the
// app's index.html for its client-side routes, and a page that says how to build it when the
// build is missing. API paths never fall through to the UI.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../base/errors.ts';
import { missingBuildPage } from './missing-build-page.ts';
import { cacheControlOf, contentTypeOf, staticTarget } from './static-file.ts';

/**
 * Where `npm run build:web` puts the UI, from this file in src/server/web/: right when the sources
 * run (tests start servers in-process), not once bundled into dist/, so `slipway server` says where.
 */
export const defaultWebDist = resolve(import.meta.dirname, '../../../web/dist');

// The UI loads only its own scripts and styles and talks only to this server. React sets styles
// through the DOM, which CSP allows; nothing of a log line can ever run as script.
const htmlHeaders = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Registers GET / and every other GET path that no API route takes. */
export function webRoutes(app: FastifyInstance, options: { distDir?: string } = {}): void {
  const distDir = options.distDir ?? defaultWebDist;

  app.get('/*', { config: { permission: 'public' } }, async (request, reply) => {
    if (request.url === '/api' || request.url.startsWith('/api/')) {
      throw new NotFoundError('SLIPWAY_NOT_FOUND', `no route ${request.method} ${request.url}`);
    }
    const target = staticTarget(request.url);
    if (target.kind === 'file') {
      if (await sendFile(request, reply, distDir, target.path)) return reply;
      if (!acceptsHtml(request)) return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    } else if (target.kind === 'none') {
      return reply.code(404).type('text/plain; charset=utf-8').send('not found\n');
    }
    if (await sendFile(request, reply, distDir, 'index.html')) return reply;
    return reply.code(503).headers(htmlHeaders).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(missingBuildPage(distDir));
  });
}

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/**
 * Sends distDir/relativePath when it is a file (or 304 when the browser has it) and says whether
 * it did. It must not resolve to the reply: a reply is thenable, so awaiting it yields undefined
 * and the caller took the file for missing and sent a second answer ("Reply was already sent").
 */
async function sendFile(request: FastifyRequest, reply: FastifyReply, distDir: string, relativePath: string): Promise<boolean> {
  const path = join(distDir, relativePath);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return false;
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  reply
    .header('content-type', contentTypeOf(path))
    .header('cache-control', cacheControlOf(relativePath))
    .header('etag', etag)
    .header('x-content-type-options', 'nosniff');
  if (relativePath.endsWith('.html')) reply.headers(htmlHeaders);
  if (request.headers['if-none-match'] === etag) reply.code(304).send();
  else reply.header('content-length', info.size).send(createReadStream(path));
  return true;
}
