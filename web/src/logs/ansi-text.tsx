// A log line's text with its ANSI colours, as React text nodes: whatever the line holds (HTML
// included) is shown as the characters it is, never interpreted.
import { memo, type CSSProperties } from 'react';
import { parseAnsi, type AnsiStyle } from './ansi.ts';

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const hasControl = /[\u0000-\u0008\u000b-\u001f\u007f\u009b]/;

export const AnsiText = memo(function AnsiText({ text }: { text: string }) {
  if (!hasControl.test(text)) return <>{text}</>;
  return (
    <>
      {parseAnsi(text).map((segment, i) => {
        const { className, style } = presentation(segment.style);
        return className || style ? <span key={i} className={className} style={style}>{segment.text}</span> : segment.text;
      })}
    </>
  );
});

function colour(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return value.startsWith('p') ? `var(--ansi-${value.slice(1)})` : value;
}

function presentation(s: AnsiStyle): { className?: string; style?: CSSProperties } {
  let fg = colour(s.fg);
  let bg = colour(s.bg);
  if (s.inverse) [fg, bg] = [bg ?? 'var(--log-bg)', fg ?? 'var(--log-fg)'];
  const style: CSSProperties = {};
  if (fg) style.color = fg;
  if (bg) style.backgroundColor = bg;
  if (s.italic) style.fontStyle = 'italic';
  const decorations = [s.underline && 'underline', s.strike && 'line-through'].filter(Boolean);
  if (decorations.length) style.textDecoration = decorations.join(' ');
  const classes = [s.bold && 'ansi-bold', s.dim && 'ansi-dim'].filter(Boolean).join(' ');
  return { className: classes || undefined, style: Object.keys(style).length ? style : undefined };
}
