// Health checks against real HTTP servers on 127.0.0.1.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth } from './check-health.ts';

let server: Server | undefined;

async function serve(handler: RequestListener): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
}

afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

describe('checkHealth', () => {
  it('passes once the app answers 2xx after a few failures', async () => {
    let calls = 0;
    const url = await serve((_req, res) => res.writeHead(++calls < 3 ? 503 : 204).end());
    const outcome = await checkHealth({ url, timeoutMs: 5_000, intervalMs: 20 });
    expect(outcome).toMatchObject({ ok: true, status: 204, attempts: 3 });
  });

  it('fails after the timeout and says what it last saw', async () => {
    const url = await serve((_req, res) => res.writeHead(500).end('broken'));
    const outcome = await checkHealth({ url, timeoutMs: 300, intervalMs: 20 });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toMatch(/no 2xx from .*\/healthz within 0\.3s \(last: HTTP 500\)/);
  });

  it('reports a refused connection when nothing listens', async () => {
    const url = await serve((_req, res) => res.end());
    server!.close();
    server = undefined;
    const outcome = await checkHealth({ url, timeoutMs: 200, intervalMs: 20 });
    expect(!outcome.ok && outcome.error).toContain('connection refused');
  });

  it('asks with a bare connection until the app listens, then over HTTP', async () => {
    const url = await serve((_req, res) => res.end());
    const { port } = server!.address() as AddressInfo;
    server!.close();
    let requests = 0;
    setTimeout(() => {
      server = createServer((_req, res) => {
        requests += 1;
        res.writeHead(200).end();
      });
      server.listen(port, '127.0.0.1');
    }, 100);
    const outcome = await checkHealth({ url, timeoutMs: 5_000, intervalMs: 20 });
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    expect(outcome.attempts).toBeGreaterThan(3); // refused while nothing listened
    expect(requests).toBe(1); // only once something listened
  });

  it('asks an IPv6 address', async () => {
    server = createServer((_req, res) => res.writeHead(200).end());
    const bound = await new Promise<boolean>((resolve) => {
      server!.once('error', () => resolve(false));
      server!.listen(0, '::1', () => resolve(true));
    });
    if (!bound) return; // no IPv6 loopback on this machine
    const outcome = await checkHealth({ url: `http://[::1]:${(server.address() as AddressInfo).port}/healthz`, timeoutMs: 2_000 });
    expect(outcome).toMatchObject({ ok: true, status: 200, attempts: 1 });
  });

  it('does not wait past the deadline for an app that never answers', async () => {
    const url = await serve(() => undefined);
    const started = Date.now();
    const outcome = await checkHealth({ url, timeoutMs: 400, intervalMs: 20, requestTimeoutMs: 10_000 });
    expect(!outcome.ok && outcome.error).toContain('no answer in time');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails at once with the exit when the process dies', async () => {
    const url = await serve((_req, res) => res.writeHead(503).end());
    const diesAt = Date.now() + 150;
    const started = Date.now();
    const outcome = await checkHealth({
      url,
      timeoutMs: 20_000,
      intervalMs: 1_000,
      isAlive: () => (Date.now() < diesAt ? { alive: true } : { alive: false, reason: 'exited with code 3' }),
    });
    expect(!outcome.ok && outcome.error).toMatch(/^the app exited with code 3 before .* answered 2xx \(last: HTTP 503\)$/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('asks again within a few ms at first, so that an app up quickly is seen quickly', async () => {
    const asked: number[] = [];
    const url = await serve((_req, res) => res.writeHead(asked.push(Date.now()) < 5 ? 503 : 200).end());
    const outcome = await checkHealth({ url, timeoutMs: 5_000 });
    expect(outcome).toMatchObject({ ok: true, attempts: 5 });
    // A fixed pause would have been 200 ms between any two of them.
    expect(asked.at(-1)! - asked[0]!).toBeLessThan(200);
  });

  it('backs off to the longest pause while the app is slow', async () => {
    let attempts = 0;
    const url = await serve((_req, res) => res.writeHead(++attempts < 1_000 ? 503 : 200).end());
    const outcome = await checkHealth({ url, timeoutMs: 3_000, intervalMs: 50 });
    expect(outcome.ok).toBe(false);
    // 5 ms pauses throughout would be about 600 attempts; a twentieth of the wait, up to 50 ms, about 110.
    expect(outcome.attempts).toBeGreaterThan(30);
    expect(outcome.attempts).toBeLessThan(200);
  });
});

