// The sample app: answers with a greeting on / and "ok" on /healthz, on $PORT.
import { createServer } from 'node:http';
import { greeting } from './greeting.js';

const host = process.env.SLIPWAY_HOST ?? 'localhost';
const version = process.env.SLIPWAY_VERSION ?? 'dev';

const server = createServer((request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    return;
  }
  response.writeHead(200, { 'content-type': 'text/plain' }).end(`${greeting(host, version)}\n`);
});

server.listen(Number(process.env.PORT ?? 8080), () => {
  console.log(`hello ${version} listening on port ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
