// For tests: a YAML "billion laughs", a few lines whose aliases expand to millions of values.

/** `levels` lines of 9 aliases each to the line before: 9^levels values once expanded. */
export function aliasBomb(levels = 7): string {
  const names = 'abcdefghij';
  const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < levels; i++) lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}
