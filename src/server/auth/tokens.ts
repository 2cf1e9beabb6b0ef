// API tokens: the admin token and the agent join token live in the data dir (mode 0600) or come
// from the environment; agent tokens are stored only as hashes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../base/errors.ts';
import { newToken } from '../../base/ids.ts';

/** The fewest characters an admin or join token may have: anything shorter can be guessed. */
export const MIN_TOKEN_LENGTH = 24;

export interface ServerTokens {
  admin: string;
  join: string;
  /** True when this start created a token the user has not seen yet. */
  created: boolean;
}

/**
 * The admin and join tokens: from `given` when set, else read from <dataDir>/admin-token and
 * join-token, else created there with mode 0600. Throws InputError for a token shorter than
 * MIN_TOKEN_LENGTH and when both are the same (an agent's join token would be the admin's).
 */
export async function loadServerTokens(dataDir: string, given: { admin?: string; join?: string }): Promise<ServerTokens> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let created = false;
  const load = async (name: string, prefix: string, value: string | undefined): Promise<string> => {
    if (value) return value;
    const file = join(dataDir, name);
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch {
      const token = newToken(prefix);
      await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(file, 0o600);
      created = true;
      return token;
    }
  };
  const admin = await load('admin-token', 'swa', given.admin);
  const join_ = await load('join-token', 'swj', given.join);
  for (const [what, token] of [['admin', admin], ['join', join_]] as const) {
    if (token.length < MIN_TOKEN_LENGTH) {
      throw new InputError('SLIPWAY_TOKEN_TOO_SHORT', `the ${what} token has ${token.length} characters; it needs at least ${MIN_TOKEN_LENGTH} (leave it unset and the server creates one)`);
    }
  }
  if (sameSecret(admin, join_)) throw new InputError('SLIPWAY_TOKENS_SAME', 'the admin token and the join token must differ: every agent host holds the join token');
  return { admin, join: join_, created };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Compares two secrets in constant time (for equal lengths; different lengths are simply unequal). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
