// Identifiers and secrets from the platform's cryptographic random source.

/** A new unique id, e.g. for a deployment or an agent command. */
export function newId(): string {
  return globalThis.crypto.randomUUID();
}

/** A new secret token: 32 random bytes, base64url, with a prefix saying what it is for. */
export function newToken(prefix: string): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `${prefix}_${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}
