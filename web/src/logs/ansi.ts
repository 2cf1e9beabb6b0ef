// Turns a log line holding ANSI escape sequences into plain-text segments with the colours and
// weights they ask for. SGR (colours, bold, …) is kept; every other control sequence (cursor
// moves, erase, window titles) is dropped, so the text shown is only what was printed.

export interface AnsiStyle {
  /** A palette index 0–15 as `p<n>`, or a CSS colour for 256-colour and true-colour codes. */
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

// CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), two-byte escapes, and stray C0 controls
// other than tab. The 8-bit CSI (0x9b) is treated as ESC [. Control characters are the point here.
// eslint-disable-next-line no-control-regex
const SEQUENCE = /(?:\u001b\[|\u009b)([0-?]*)[ -/]*([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]?|[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * Splits `line` into segments of plain text, each with the style that applies to it. Adjacent
 * text of one style is one segment; empty segments are left out. Unknown SGR codes are ignored.
 */
export function parseAnsi(line: string): AnsiSegment[] {
  const segments: AnsiSegment[] = [];
  let style: AnsiStyle = {};
  let last = 0;
  const push = (text: string) => {
    if (!text) return;
    const previous = segments[segments.length - 1];
    if (previous && sameStyle(previous.style, style)) previous.text += text;
    else segments.push({ text, style });
  };
  for (const match of line.matchAll(SEQUENCE)) {
    push(line.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
  }
  push(line.slice(last));
  return segments;
}

/** The line without any escape sequences: what search and copy should see. */
export function stripAnsi(line: string): string {
  return line.replace(SEQUENCE, '');
}

function applySgr(current: AnsiStyle, params: string): AnsiStyle {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let style = { ...current };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === 0) style = {};
    else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 3) style.italic = true;
    else if (code === 4) style.underline = true;
    else if (code === 7) style.inverse = true;
    else if (code === 9) style.strike = true;
    else if (code === 22) style.bold = style.dim = undefined;
    else if (code === 23) style.italic = undefined;
    else if (code === 24) style.underline = undefined;
    else if (code === 27) style.inverse = undefined;
    else if (code === 29) style.strike = undefined;
    else if (code >= 30 && code <= 37) style.fg = `p${code - 30}`;
    else if (code >= 90 && code <= 97) style.fg = `p${code - 90 + 8}`;
    else if (code === 39) style.fg = undefined;
    else if (code >= 40 && code <= 47) style.bg = `p${code - 40}`;
    else if (code >= 100 && code <= 107) style.bg = `p${code - 100 + 8}`;
    else if (code === 49) style.bg = undefined;
    else if (code === 38 || code === 48) {
      const [colour, used] = extendedColour(codes, i + 1);
      if (colour) style[code === 38 ? 'fg' : 'bg'] = colour;
      i += used;
    }
  }
  for (const key of Object.keys(style) as (keyof AnsiStyle)[]) if (style[key] === undefined) delete style[key];
  return style;
}

/** `5;n` (256 colours) or `2;r;g;b` after a 38/48 code: the colour and how many codes it took. */
function extendedColour(codes: number[], at: number): [string | undefined, number] {
  if (codes[at] === 5) {
    const n = codes[at + 1];
    return [n !== undefined && n >= 0 && n <= 255 ? colour256(n) : undefined, 2];
  }
  if (codes[at] === 2) {
    const [r, g, b] = [codes[at + 1], codes[at + 2], codes[at + 3]].map((c) => Math.min(Math.max(c ?? 0, 0), 255));
    return [`rgb(${r}, ${g}, ${b})`, 4];
  }
  return [undefined, 0];
}

/** xterm's 256-colour table: 16 palette colours, a 6×6×6 cube, then 24 greys. */
export function colour256(n: number): string {
  if (n < 16) return `p${n}`;
  if (n < 232) {
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    const i = n - 16;
    return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey}, ${grey}, ${grey})`;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof AnsiStyle)[]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}
