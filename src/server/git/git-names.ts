// Checks for the names Slipway hands to git (commit shas, branch names, paths in a tree), so that
// nothing a user typed can reach git as an option or as revision syntax.

const shaPattern = /^[0-9a-f]{40}$/;

/** True for a full commit sha: exactly 40 lowercase hex digits. Abbreviations are not accepted. */
export function isSha(text: string): boolean {
  return shaPattern.test(text);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what git forbids
const forbiddenInRef = /[\x00-\x20\x7f~^:?*[\\]/;

/**
 * True when `name` is a branch name git accepts (the rules of `git check-ref-format --branch`)
 * and that cannot be read as an option: no leading "-", no "..", "@{", control characters,
 * spaces, `~^:?*[\`, empty or dot-leading components, ".lock" components, trailing "." or "/".
 */
export function isBranchName(name: string): boolean {
  if (name === '' || name.length > 255 || name === '@' || name === 'HEAD') return false;
  if (name.startsWith('-') || name.endsWith('.')) return false;
  if (name.includes('..') || name.includes('@{') || forbiddenInRef.test(name)) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}

/**
 * True for a path inside a commit's tree as Slipway asks for it: relative, "/"-separated, with
 * no empty, "." or ".." components and no NUL. Such a path cannot be read as `<rev>:<path>`
 * syntax relative to a working directory (git treats "./" and "../" that way).
 */
export function isTreePath(path: string): boolean {
  if (path === '' || path.length > 4096 || path.includes('\0')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}
