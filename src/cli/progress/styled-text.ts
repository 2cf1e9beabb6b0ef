// Terminal text as spans with a style: measured in columns, cut to a width, written with or
// without ANSI colour (NO_COLOR), and cleaned of control characters that would break a redraw.

export type Style = 'green' | 'red' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'dim' | 'bold';

export interface Span {
  text: string;
  style?: Style;
}

export type StyledLine = Span[];

const sgr: Record<Style, string> = { green: '32', red: '31', yellow: '33', blue: '34', magenta: '35', cyan: '36', dim: '2', bold: '1' };

/** How many terminal columns a character takes: 2 for wide (CJK, emoji), 0 for combining marks. */
function columns(codePoint: number): number {
  if ((codePoint >= 0x300 && codePoint <= 0x36f) || (codePoint >= 0x200b && codePoint <= 0x200f) || (codePoint >= 0xfe00 && codePoint <= 0xfe0f)) return 0;
  if (
    (codePoint >= 0x1100 && codePoint <= 0x115f) || (codePoint >= 0x2e80 && codePoint <= 0xa4cf) || (codePoint >= 0xac00 && codePoint <= 0xd7a3)
    || (codePoint >= 0xf900 && codePoint <= 0xfaff) || (codePoint >= 0xfe30 && codePoint <= 0xfe4f) || (codePoint >= 0xff00 && codePoint <= 0xff60)
    || (codePoint >= 0xffe0 && codePoint <= 0xffe6) || (codePoint >= 0x1f300 && codePoint <= 0x1faff) || (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  ) return 2;
  return 1;
}

/** The columns a text takes on a terminal. */
export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) width += columns(char.codePointAt(0)!);
  return width;
}

export function lineWidth(line: StyledLine): number {
  return line.reduce((sum, span) => sum + textWidth(span.text), 0);
}

/** The line cut to at most `width` columns, ending in "…" where something was cut. */
export function fitLine(line: StyledLine, width: number): StyledLine {
  if (lineWidth(line) <= width) return line;
  const out: StyledLine = [];
  let room = Math.max(0, width - 1);
  for (const span of line) {
    let text = '';
    for (const char of span.text) {
      const w = columns(char.codePointAt(0)!);
      if (w > room) break;
      text += char;
      room -= w;
    }
    if (text) out.push({ text, style: span.style });
    if (text.length < span.text.length) break;
  }
  const last = out[out.length - 1];
  if (last) out[out.length - 1] = { ...last, text: `${last.text}…` };
  else if (width > 0) out.push({ text: '…' });
  return out;
}

/** The line as terminal text: styles as ANSI SGR codes when `color`, else plain. */
export function toTerminal(line: StyledLine, color: boolean): string {
  return line.map((span) => (color && span.style && span.text ? `\x1b[${sgr[span.style]}m${span.text}\x1b[0m` : span.text)).join('');
}

/** The text without escape sequences and control characters; tabs become spaces. */
export function cleanText(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex -- escape sequences are what this removes
    .replace(/\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g, '')
    .replace(/\t/g, '  ')
    // eslint-disable-next-line no-control-regex -- as are the other control characters
    .replace(/[\x00-\x1f\x7f-\x9f]/g, '');
}

/** Pads a span's text with spaces to `width` columns. */
export function padSpan(span: Span, width: number): Span {
  const missing = width - textWidth(span.text);
  return missing > 0 ? { ...span, text: span.text + ' '.repeat(missing) } : span;
}
