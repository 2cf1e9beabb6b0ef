// Whether something already answers on a local port: an app must not start where another process
// listens, or that process would answer (and pass) the new version's health check.
import { connect } from 'node:net';

/** True when a TCP connection to 127.0.0.1:port is accepted within `timeoutMs`. */
export function portInUse(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
