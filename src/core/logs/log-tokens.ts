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
  // Σ lowercases to σ everywhere: JavaScript's final-sigma rule (ς) is not what the databases do.
  return words === null ? [] : words.map((w) => w.replace(/Σ/g, 'σ').toLowerCase());
}
