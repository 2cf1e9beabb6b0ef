// The push webhook signature: only the exact HMAC of the exact body with the project's secret passes.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignature } from './verify-signature.ts';
import { signatureHeader } from './webhook-headers.ts';

// The worked example from GitHub's "Validating webhook deliveries" documentation.
const secret = "It's a Secret to Everybody";
const body = Buffer.from('Hello, World!');
const valid = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe('verifySignature', () => {
  it('accepts the signature GitHub documents for its example, in either hex case', () => {
    expect(verifySignature(secret, body, valid)).toBe(true);
    expect(verifySignature(secret, body, `sha256=${valid.slice(7).toUpperCase()}`)).toBe(true);
  });

  it('refuses a signature made with another secret or over another body', () => {
    expect(verifySignature('another secret', body, valid)).toBe(false);
    expect(verifySignature(secret, Buffer.from('Hello, World?'), valid)).toBe(false);
    const flipped = `${valid.slice(0, -1)}${valid.endsWith('7') ? '8' : '7'}`;
    expect(verifySignature(secret, body, flipped)).toBe(false);
  });

  it('refuses a missing header and an empty secret', () => {
    expect(verifySignature(secret, body, undefined)).toBe(false);
    const signedWithNothing = `sha256=${createHmac('sha256', '').update(body).digest('hex')}`;
    expect(verifySignature('', body, signedWithNothing)).toBe(false);
  });

  it('refuses malformed headers', () => {
    for (const header of ['', 'sha256=', 'sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0', valid.slice(7), 'sha256=zz' + valid.slice(9), `${valid}0`]) {
      expect(verifySignature(secret, body, header), header).toBe(false);
    }
  });

  it('refuses a well-formed signature of a different length', () => {
    expect(verifySignature(secret, body, valid.slice(0, -2))).toBe(false);
    expect(verifySignature(secret, body, `${valid}00`)).toBe(false);
  });
});

describe('signatureHeader', () => {
  it('takes X-Hub-Signature-256 first, else the bare hex of Gitea or Forgejo', () => {
    expect(signatureHeader({ 'x-hub-signature-256': valid, 'x-gitea-signature': 'ab' })).toBe(valid);
    expect(signatureHeader({ 'X-Gitea-Signature': valid.slice(7) })).toBe(valid);
    expect(verifySignature(secret, body, signatureHeader({ 'x-forgejo-signature': valid.slice(7) }))).toBe(true);
    expect(signatureHeader({ 'content-type': 'application/json' })).toBeUndefined();
  });
});
