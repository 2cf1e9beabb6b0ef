// How the central log splits text into searchable words: the same rule in the databases' full-text
// indexes (SQLite FTS5 unicode61, PostgreSQL over letters and digits) and in the live tail's matcher.

/** A word: a run of letters, digits and combining marks (what FTS5's unicode61 keeps). */
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * The lowercased words of `text`, in order: "GET /api/v1/users?id=42" → get, api, v1, users, id, 42.
 * Everything else (spaces, punctuation, symbols) separates words and is not searchable as a word.
 */
export function logTokens(text: string): string[] {
  const words = text.match(TOKEN);
  return words === null ? [] : words.map(lowerWord);
}

/**
 * A word lowercased as the search compares words: JavaScript's toLowerCase, one character at a
 * time (no context), except that Σ and the final sigma ς both become σ, as SQLite's FTS5 folds
 * them: "ΣΊΣΥΦΟΣ" and "σίσυφος" are the same word (JavaScript's final-sigma rule would make ς of
 * the first and leave the second's own ς apart from a typed σ).
 */
export function lowerWord(word: string): string {
  return word.replace(/[Σς]/g, 'σ').toLowerCase();
}
