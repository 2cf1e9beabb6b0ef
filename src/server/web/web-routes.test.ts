import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlipwayError } from '../../base/errors.ts';
import { webRoutes } from './web-routes.ts';

function appServing(distDir: string, log?: Writable): FastifyInstance {
  const loggerInstance: FastifyBaseLogger | undefined = log ? pino({ level: 'trace' }, log) : undefined;
  const app = Fastify({ loggerInstance });
  app.setErrorHandler((err: SlipwayError, _request, reply) => reply.code(err.kind === 'not_found' ? 404 : 500).send({ error: { code: err.code } }));
  app.get('/api/v1/health', () => ({ ok: true }));
  webRoutes(app, { distDir });
  return app;
}

describe('the web UI routes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-web-'));
  const dist = join(dir, 'dist');
  const app = appServing(dist);
  const unbuilt = appServing(join(dir, 'nothing-here'));

  beforeAll(() => {
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Slipway</title><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dist, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(dir, 'secret.txt'), 'not for browsers');
  });

  afterAll(async () => {
    await app.close();
    await unbuilt.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with no-cache and a strict content security policy', async () => {
    const response = await app.inject({ url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.body).toContain('<div id="root">');
  });

  it('serves hashed assets with their types, cached for a year', async () => {
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log(1)');
    const css = await app.inject({ url: '/assets/index-abc123.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 304 when the browser already has the file', async () => {
    const first = await app.inject({ url: '/assets/index-abc123.js' });
    const again = await app.inject({ url: '/assets/index-abc123.js', headers: { 'if-none-match': String(first.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers client-side routes with the app', async () => {
    for (const url of ['/hosts', '/projects/hello/runs/3', '/logs?q=error&host=web-1']) {
      const response = await app.inject({ url, headers: { accept: 'text/html' } });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toContain('<div id="root">');
    }
  });

  it('gives 404 for a missing asset instead of the app', async () => {
    const response = await app.inject({ url: '/assets/gone-123.js', headers: { accept: '*/*' } });
    expect(response.statusCode).toBe(404);
  });

  it('never serves a file outside the build', async () => {
    for (const url of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/a%00.js']) {
      const response = await app.inject({ url });
      expect(response.body, url).not.toContain('not for browsers');
    }
  });

  it('leaves unknown API paths as JSON 404s', async () => {
    const response = await app.inject({ url: '/api/v1/nothing', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'SLIPWAY_NOT_FOUND' } });
    expect((await app.inject({ url: '/api/v1/health' })).json()).toEqual({ ok: true });
  });

  it('serves the app, its assets and its client routes without a warning or an error in the server log', async () => {
    const lines: { level: number; msg?: string; err?: { code?: string } }[] = [];
    const log = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    const logged = appServing(dist, log);
    const answers = [];
    for (const url of ['/', '/index.html', '/assets/index-abc123.js', '/assets/index-abc123.css', '/hosts', '/projects/hello/runs/3']) {
      answers.push(await logged.inject({ url, headers: { accept: 'text/html' } }));
    }
    answers.push(await logged.inject({ url: '/assets/gone-123.js', headers: { accept: '*/*' } }));
    answers.push(await logged.inject({ url: '/assets/index-abc123.js', headers: { 'if-none-match': String(answers[2]!.headers.etag) } }));
    await logged.close();
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200, 404, 304]);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
  });

  it('shows a page saying how to build the UI when the build is missing', async () => {
    const response = await unbuilt.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('The web UI has not been built');
    expect(response.body).toContain('npm run build:web');
  });
});
