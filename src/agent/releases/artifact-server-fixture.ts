// Test helper: a real HTTP server on 127.0.0.1 that serves artifacts to a Bearer token, as the
// Slipway server does, and can misbehave (send endless bytes) on request.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ArtifactServerFixture {
  /** Full URL of `path` on this server. */
  url(path: string): string;
  /** Serve `data` at `path`. */
  put(path: string, data: Buffer): void;
  /** Serve an endless stream of bytes at `path`, without a Content-Length. */
  putEndless(path: string): void;
  /** The next `times` requests for `path` get half the file, then the connection is cut (a server that died). */
  cutNext(path: string, times: number): void;
  /** How many requests reached `path`. */
  hits(path: string): number;
  close(): Promise<void>;
}

/** Starts the server on a free port; requests without `Authorization: Bearer <token>` get 401. */
export async function startArtifactServer(token: string): Promise<ArtifactServerFixture> {
  const files = new Map<string, Buffer | 'endless'>();
  const hits = new Map<string, number>();
  const cuts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    const file = files.get(path);
    if (file === undefined) {
      res.writeHead(404).end('not found');
    } else if (file === 'endless') {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      const chunk = Buffer.alloc(64 * 1024, 7);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    } else if ((cuts.get(path) ?? 0) > 0) {
      cuts.set(path, cuts.get(path)! - 1);
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': file.length });
      res.write(file.subarray(0, Math.floor(file.length / 2)), () => res.destroy());
    } else {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': file.length }).end(file);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    put: (path, data) => void files.set(path, data),
    putEndless: (path) => void files.set(path, 'endless'),
    cutNext: (path, times) => void cuts.set(path, times),
    hits: (path) => hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
