import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretCipher } from './secret-cipher.ts';

const address = { projectId: 'p1', env: 'production', name: 'DB_PASSWORD' };

describe('SecretCipher', () => {
  it('opens what it sealed, and the ciphertext holds neither the value nor its base64', () => {
    const cipher = new SecretCipher(randomBytes(32));
    const sealed = cipher.seal('correct horse battery', address);
    expect(sealed).not.toContain('correct horse');
    expect(sealed).not.toContain(Buffer.from('correct horse battery').toString('base64'));
    expect(cipher.open(sealed, address)).toBe('correct horse battery');
  });

  it('uses a fresh IV per value: the same value seals differently each time', () => {
    const cipher = new SecretCipher(randomBytes(32));
    expect(cipher.seal('same value', address)).not.toBe(cipher.seal('same value', address));
  });

  it('refuses a ciphertext moved to another secret, another environment or project', () => {
    const cipher = new SecretCipher(randomBytes(32));
    const sealed = cipher.seal('value-1234', address);
    for (const other of [{ ...address, name: 'OTHER' }, { ...address, env: null }, { ...address, projectId: 'p2' }]) {
      expect(() => cipher.open(sealed, other)).toThrow(expect.objectContaining({ code: 'SLIPWAY_SECRET_UNREADABLE' }) as Error);
    }
  });

  it('refuses a ciphertext sealed with another key or changed, without naming the value', () => {
    const sealed = new SecretCipher(randomBytes(32)).seal('value-1234', address);
    const cipher = new SecretCipher(randomBytes(32));
    expect(() => cipher.open(sealed, address)).toThrow(/cannot be opened/);
    const own = cipher.seal('value-1234', address);
    const parts = own.split('.');
    const data = Buffer.from(parts[3]!, 'base64');
    data[0] = data[0]! ^ 1;
    const changed = [...parts.slice(0, 3), data.toString('base64')].join('.');
    expect(() => cipher.open(changed, address)).toThrow(expect.objectContaining({ message: expect.not.stringContaining('value-1234') as unknown }) as Error);
  });
});
