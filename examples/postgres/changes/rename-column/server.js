// The inventory app: lists the items of its PostgreSQL database (DATABASE_URL) as JSON on / and
// /items, and on /healthz answers 200 only while it can read an item's title. It reaches the
// database with Debian's psql (postgresql-client), so the release is a handful of files.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';

const version = process.env.SLIPWAY_VERSION ?? 'dev';
const databaseUrl = process.env.DATABASE_URL ?? '';

/** Runs one query with psql and resolves with its unaligned output, or rejects with psql's error. */
function query(sql) {
  return new Promise((resolve, reject) => {
    if (databaseUrl === '') return reject(new Error('DATABASE_URL is not set'));
    execFile('psql', [databaseUrl, '-X', '-v', 'ON_ERROR_STOP=1', '-tAc', sql], { timeout: 3000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve(stdout.trim());
    });
  });
}

async function answer(request) {
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/healthz') {
    // Reads what every request needs: a schema this version cannot use makes it unhealthy.
    const name = await query('select title from items order by id limit 1');
    return { status: 200, type: 'text/plain', body: `${name}\n` };
  }
  if (path === '/' || path === '/items') {
    const items = await query(`select coalesce(json_agg(json_build_object('id', id, 'title', title, 'priceCents', price_cents) order by id), '[]') from items`);
    return { status: 200, type: 'application/json', body: `{"version":${JSON.stringify(version)},"items":${items}}\n` };
  }
  return { status: 404, type: 'text/plain', body: 'not found\n' };
}

const server = createServer((request, response) => {
  answer(request).then(
    (a) => a,
    (err) => ({ status: 503, type: 'text/plain', body: `${err.message}\n` }),
  ).then((a) => {
    response.writeHead(a.status, { 'content-type': a.type }).end(a.body);
    console.log(`${request.method} ${request.url} ${a.status}${a.status === 503 ? `: ${a.body.trim()}` : ''}`);
  });
});

server.listen(Number(process.env.PORT ?? 8080), () => {
  console.log(`inventory ${version} listening on port ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
