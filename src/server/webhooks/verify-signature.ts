// Checks the HMAC-SHA256 signature of a push webhook, so only the forge that knows the
// project's secret can trigger a run.
import { createHmac, timingSafeEqual } from 'node:crypto';

const headerPattern = /^sha256=((?:[0-9a-fA-F]{2})+)$/;

/**
 * True when `header` is `sha256=<hex>` and the hex is HMAC-SHA256(secret, rawBody), compared in
 * constant time (lengths first, as timingSafeEqual requires). False for a missing or malformed
 * header, a wrong or truncated signature, and an empty secret (anyone could sign with that).
 * `rawBody` must be the exact bytes received, before any JSON parsing.
 */
export function verifySignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (secret === '' || header === undefined) return false;
  const match = headerPattern.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}
