// Lines for tests of how the PostgreSQL log splits and finds words: characters of many scripts and
// classes (letters with and without case, digits of other scripts, combining marks, odd spaces,
// JSON's special characters, characters that lowercase oddly), the same line for the same seed.

const ALPHABET = [
  'a', 'Z', '7', ' ', '-', '_', '.', '/', '=', 'é', 'É', 'ß', 'İ', 'ı', 'Σ', 'ς', 'ж', '中', '٣', '５', '\u0301', '\u00A0', '\u200B', '🙂',
  '\uFFFD', '\u212A', 'ǅ', '"', '\\', ',', '{', '\t', 'e', '1',
];

/** A line of 40 characters from ALPHABET, the same for the same `seed`. */
export function mixedText(seed: number): string {
  let state = seed * 2_654_435_761 + 1;
  let text = '';
  for (let i = 0; i < 40; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    text += ALPHABET[state % ALPHABET.length];
  }
  return text;
}
