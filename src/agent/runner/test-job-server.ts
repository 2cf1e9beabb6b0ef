// For the runner's tests: a real HTTP server on 127.0.0.1 that serves a source tarball and accepts
// artifact uploads the way the Slipway server does.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestJobServer {
  url: string;
  sourcePath: string;
  /** Every artifact body received, in order. */
  uploads: Array<{ body: Buffer; contentType: string | undefined }>;
  /** When set, the upload answer carries this sha256 instead of the real one. */
  lieAboutSha256?: string;
  close(): Promise<void>;
}

/**
 * Starts the server: GET `sourcePath` with `Authorization: Bearer <token>` answers `archive`;
 * PUT /api/v1/artifacts stores the body and answers 201 { sha256, size }. Anything else, or a wrong
 * token, gets 404 or 401.
 */
export async function startTestJobServer(token: string, archive: Buffer): Promise<TestJobServer> {
  const sourcePath = '/api/v1/runs/r1/source.tar.gz';
  const state: TestJobServer = { url: '', sourcePath, uploads: [], close: () => Promise.resolve() };
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad token"}');
      return;
    }
    if (req.method === 'GET' && req.url === sourcePath) {
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(archive);
      return;
    }
    if (req.method === 'PUT' && req.url === '/api/v1/artifacts') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        state.uploads.push({ body, contentType: req.headers['content-type'] });
        const sha256 = state.lieAboutSha256 ?? createHash('sha256').update(body).digest('hex');
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sha256, size: body.length }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  return state;
}
