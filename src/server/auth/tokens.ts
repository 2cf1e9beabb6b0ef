// API tokens: the admin token and the agent join token live in the data dir (mode 0600) or come
// from the environment; agent tokens are stored only as hashes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newToken } from '../../base/ids.ts';

export interface ServerTokens {
  admin: string;
  join: string;
  /** True when this start created a token the user has not seen yet. */
  created: boolean;
}

/**
 * The admin and join tokens: from `given` when set, else read from <dataDir>/admin-token and
 * join-token, else created there with mode 0600.
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
