// Whether something listens on a local port: an app must not start where another process listens,
// or that process would answer (and pass) the new version's health check; and a health check asks
// with a bare connection until the app listens.
import { connect } from 'node:net';

/** True when a TCP connection to 127.0.0.1:port is accepted within `timeoutMs`. */
export async function portInUse(port: number, timeoutMs = 500): Promise<boolean> {
  return (await tryConnect('127.0.0.1', port, timeoutMs)) === undefined;
}

/**
 * Opens a TCP connection to host:port and closes it at once: undefined when it was accepted,
 * else why not (the connection error, e.g. code ECONNREFUSED, or a TimeoutError after `timeoutMs`).
 */
export function tryConnect(host: string, port: number, timeoutMs: number): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error: Error | undefined) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(Math.max(1, timeoutMs), () => done(Object.assign(new Error(`no connection within ${timeoutMs} ms`), { name: 'TimeoutError' })));
    socket.once('connect', () => done(undefined));
    socket.once('error', done);
  });
}
