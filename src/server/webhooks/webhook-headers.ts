// Reading the headers of a webhook request the way GitHub and Gitea send them.

/** Request headers as Node and fastify give them (names lowercase); other casings are also found. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

/** The value of a header whatever the casing of its name; the first one if it was repeated. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * The signature to hand to verifySignature, as `sha256=<hex>`: X-Hub-Signature-256 (GitHub, and
 * Gitea ≥ 1.17), else Gitea's or Forgejo's own header, which carries the bare hex of the same
 * HMAC. Undefined when the request is not signed.
 */
export function signatureHeader(headers: WebhookHeaders): string | undefined {
  const hub = headerValue(headers, 'x-hub-signature-256');
  if (hub !== undefined) return hub;
  const bare = headerValue(headers, 'x-gitea-signature') ?? headerValue(headers, 'x-forgejo-signature');
  return bare === undefined ? undefined : `sha256=${bare}`;
}
