// The unprivileged user a root agent runs build and verify steps as (`slipway agent --job-user`).
import { execFileSync } from 'node:child_process';
import { InputError } from '../../base/errors.ts';

export interface JobUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Looks `name` up in the system's user database (through `id`, so NSS sources count too). Throws
 * InputError when there is no such user or it is root: steps must never run as root.
 */
export function lookUpJobUser(name: string): JobUser {
  const id = (flag: string): number => {
    try {
      return Number(execFileSync('id', [flag, '--', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      throw new InputError('SLIPWAY_JOB_USER_UNKNOWN', `the job user "${name}" does not exist on this host; create it or pass another --job-user`);
    }
  };
  const user = { name, uid: id('-u'), gid: id('-g') };
  if (!Number.isInteger(user.uid) || !Number.isInteger(user.gid)) {
    throw new InputError('SLIPWAY_JOB_USER_UNKNOWN', `the job user "${name}" could not be looked up`);
  }
  if (user.uid === 0) throw new InputError('SLIPWAY_JOB_USER_ROOT', `the job user "${name}" is root; steps must run as an unprivileged user`);
  return user;
}
