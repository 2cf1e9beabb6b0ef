import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSecretKey } from './secret-key.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-secret-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadSecretKey', () => {
  it('creates a 32-byte key with mode 0600 on first start and reads the same one afterwards', async () => {
    const first = await loadSecretKey(dir);
    expect(first).toHaveLength(32);
    expect((await stat(join(dir, 'secret-key'))).mode & 0o777).toBe(0o600);
    expect((await loadSecretKey(dir)).equals(first)).toBe(true);
  });

  it('takes the key given (SLIPWAY_SECRET_KEY) over the file, and writes no file then', async () => {
    const given = randomBytes(32);
    expect((await loadSecretKey(dir, given.toString('base64'))).equals(given)).toBe(true);
    await expect(stat(join(dir, 'secret-key'))).rejects.toThrow();
  });

  it('refuses a key that is not the base64 of 32 bytes, without showing it', async () => {
    const short = randomBytes(16).toString('base64');
    await expect(loadSecretKey(dir, short)).rejects.toMatchObject({ code: 'SLIPWAY_SECRET_KEY_INVALID', message: expect.not.stringContaining(short) as unknown });
    await writeFile(join(dir, 'secret-key'), 'not base64!\n');
    await expect(loadSecretKey(dir)).rejects.toMatchObject({ code: 'SLIPWAY_SECRET_KEY_INVALID', message: expect.not.stringContaining(dir) as unknown });
    expect(await readFile(join(dir, 'secret-key'), 'utf8')).toBe('not base64!\n');
  });
});
