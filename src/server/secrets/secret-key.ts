// The key that seals secrets at rest: given (SLIPWAY_SECRET_KEY, read in main) or kept in the data
// dir as `secret-key` (mode 0600), created on the first start.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../base/errors.ts';

export const SECRET_KEY_BYTES = 32;

/**
 * The 32-byte key: from `given` (base64) when set, else from <dataDir>/secret-key, else a fresh
 * random one written there with mode 0600 (never overwritten: `wx`). Throws InputError
 * (SLIPWAY_SECRET_KEY_INVALID) when the key given or kept is not the base64 of 32 bytes; the
 * message never holds the key, nor the file's path.
 */
export async function loadSecretKey(dataDir: string, given?: string): Promise<Buffer> {
  if (given !== undefined && given !== '') return decodeKey(given, 'the secret key given in SLIPWAY_SECRET_KEY');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'secret-key');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const key = randomBytes(SECRET_KEY_BYTES);
    await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
    return key;
  }
  return decodeKey(text, 'the secret key kept in the data dir (secret-key)');
}

function decodeKey(text: string, what: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== SECRET_KEY_BYTES) {
    throw new InputError('SLIPWAY_SECRET_KEY_INVALID', `${what} is not the base64 of ${SECRET_KEY_BYTES} bytes (make one with: openssl rand -base64 32)`);
  }
  return key;
}
