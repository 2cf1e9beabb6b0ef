// Running git: its output as values, and a timeout that stops git and every helper it started.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { testGitEnv } from './git-test-repo.ts';
import { runGit } from './run-git.ts';

describe('runGit', () => {
  it('gives the exit code and output of git as values', async () => {
    expect(await runGit(['--version'], { env: testGitEnv })).toMatchObject({ code: 0, stdout: expect.stringMatching(/^git version/) as unknown, timedOut: false });
    const failed = await runGit(['rev-parse', '--verify', 'HEAD'], { cwd: '/', env: testGitEnv });
    expect(failed.code).toBe(128);
    expect(failed.stderr).toMatch(/not a git repository/);
  });

  it('reports a git that could not start instead of throwing', async () => {
    const out = await runGit(['--version'], { cwd: '/no/such/dir' });
    expect(out).toMatchObject({ code: null, timedOut: false });
    expect(out.stderr).toContain('ENOENT');
  });

  it('stops git and its network helper when a server never answers', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer(() => {
      // Never answers, like a host that accepted the connection and hung.
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const { port } = server.address() as AddressInfo;
      const out = await runGit(['ls-remote', `http://127.0.0.1:${port}/team/app.git`], { timeoutMs: 500, env: testGitEnv });
      expect(out).toMatchObject({ code: null, timedOut: true });
      // git-remote-http held the connection; it is closed once the helper is gone too.
      const deadline = Date.now() + 10_000;
      while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      expect(sockets.size).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });
});
