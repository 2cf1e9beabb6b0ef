// Masking secrets in text that leaves a process (log lines, results, events): the agent masks the
// values it was given before a line leaves the host, the server masks every value again on ingest.
// Pure: one precompiled RegExp per set of values, rebuilt only when the set changes.

/** What a secret's value is replaced with. */
export const MASK = '***';

/**
 * Forms shorter than this are not masked: a two-letter line of a multi-line value would blank
 * out every word that holds it. `secret set` refuses values shorter than this.
 */
export const MIN_MASKED_LENGTH = 4;

/**
 * The forms of `value` that are masked: the value as it is, each line of a multi-line value (also
 * without a trailing \r), its base64 (standard and URL-safe, with and without padding) and the
 * JSON-escaped form of the value and of each line (what JSON.stringify writes between the quotes), each when at least
 * MIN_MASKED_LENGTH long.
 */
export function maskedForms(value: string): string[] {
  const plain = new Set<string>([value]);
  for (const line of value.split('\n')) {
    plain.add(line);
    plain.add(line.replace(/\r$/, ''));
  }
  const forms = new Set(plain);
  for (const form of plain) forms.add(JSON.stringify(form).slice(1, -1));
  const base64 = toBase64(value);
  for (const encoded of [base64, base64.replace(/\+/g, '-').replace(/\//g, '_')]) {
    forms.add(encoded);
    forms.add(encoded.replace(/=+$/, ''));
  }
  return [...forms].filter((form) => form.length >= MIN_MASKED_LENGTH);
}

/**
 * Replaces every form of the values it knows with MASK. `add` learns values (an agent learns
 * them with each command), `replace` swaps the whole set (the server, when secrets change). The
 * matcher is one RegExp of the escaped forms, longest first, so a value's base64 is masked whole
 * and not only where it holds a shorter form.
 */
export class SecretMasker {
  private readonly values = new Set<string>();
  private matcher: RegExp | undefined;

  constructor(values: Iterable<string> = []) {
    this.add(values);
  }

  /** Learns more values; the matcher is rebuilt only when one is new. */
  add(values: Iterable<string>): void {
    let changed = false;
    for (const value of values) {
      if (this.values.has(value)) continue;
      this.values.add(value);
      changed = true;
    }
    if (changed) this.compile();
  }

  /** Forgets every value and learns these instead; the matcher is rebuilt only when the set changed. */
  replace(values: Iterable<string>): void {
    const next = new Set(values);
    if (next.size === this.values.size && [...next].every((value) => this.values.has(value))) return;
    this.values.clear();
    this.add(next);
    if (this.values.size === 0) this.matcher = undefined;
  }

  /** `text` with every form of every known value replaced by MASK. */
  mask(text: string): string {
    const { matcher } = this;
    if (matcher === undefined) return text;
    matcher.lastIndex = 0;
    return text.replace(matcher, MASK);
  }

  private compile(): void {
    const forms = new Set<string>();
    for (const value of this.values) for (const form of maskedForms(value)) forms.add(form);
    const sorted = [...forms].sort((a, b) => b.length - a.length);
    this.matcher = sorted.length === 0 ? undefined : new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Base64 of the UTF-8 bytes, without Node's Buffer (core is also bundled for the browser). */
function toBase64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
