// Sealing secret values at rest: AES-256-GCM with a fresh 12-byte IV per value, and the project,
// environment and name as associated data, so that a ciphertext moved to another secret's row
// (by someone who can write the database) does not open there.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SlipwayError } from '../../base/errors.ts';

/** Which secret a value belongs to: bound into its ciphertext. */
export interface SecretAddress {
  projectId: string;
  env: string | null;
  name: string;
}

const VERSION = 'v1';

export class SecretCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, each part base64. */
  seal(value: string, address: SecretAddress): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(associatedData(address));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join('.');
  }

  /**
   * The value sealed for `address`. Throws SlipwayError (SLIPWAY_SECRET_UNREADABLE) when it was
   * sealed with another key, for another secret, or was changed: GCM's tag does not match.
   */
  open(sealed: string, address: SecretAddress): string {
    const [version, iv, tag, data] = sealed.split('.');
    try {
      if (version !== VERSION || iv === undefined || tag === undefined || data === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(associatedData(address));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new SlipwayError('SLIPWAY_SECRET_UNREADABLE',
        `secret ${address.name}${address.env === null ? '' : ` (${address.env})`} cannot be opened: sealed with another key, or changed`, { cause: err });
    }
  }
}

function associatedData({ projectId, env, name }: SecretAddress): Buffer {
  return Buffer.from(JSON.stringify([projectId, env ?? '', name]), 'utf8');
}
