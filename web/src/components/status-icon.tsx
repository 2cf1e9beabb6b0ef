// The icon of a status, drawn as SVG so that it looks the same on every system (emoji and
// symbol glyphs depend on the fonts installed).
import type { ReactNode } from 'react';
import { toneOf } from './status.ts';

const stroke = { fill: 'none', stroke: 'currentColor', strokeWidth: 1.8, strokeLinecap: 'round', strokeLinejoin: 'round' } as const;

const shapes: Record<string, ReactNode> = {
  ok: <path d="M2.5 6.4l2.4 2.4 4.6-5" {...stroke} />,
  active: <circle cx="6" cy="6" r="3.2" fill="currentColor" />,
  wait: <><rect x="3" y="2.5" width="2" height="7" rx="0.6" fill="currentColor" /><rect x="7" y="2.5" width="2" height="7" rx="0.6" fill="currentColor" /></>,
  fail: <path d="M3.2 3.2l5.6 5.6M8.8 3.2l-5.6 5.6" {...stroke} />,
  warn: <><path d="M4.2 4H7a2.6 2.6 0 010 5.2H4.5" {...stroke} /><path d="M5.6 2.3L3.9 4l1.7 1.7" {...stroke} /></>,
  idle: <circle cx="6" cy="6" r="3.3" {...stroke} strokeWidth={1.5} />,
  skipped: <path d="M3 6h6" {...stroke} />,
  drift: <><path d="M6 1.8l4.6 8.2H1.4z" {...stroke} strokeWidth={1.4} /><path d="M6 5v2" {...stroke} strokeWidth={1.4} /><circle cx="6" cy="8.6" r="0.55" fill="currentColor" /></>,
};

export function StatusIcon({ status }: { status: string }) {
  const shape = shapes[status === 'skipped' || status === 'drift' ? status : toneOf(status)];
  return (
    <svg className="status-icon" viewBox="0 0 12 12" width="12" height="12" aria-hidden="true" focusable="false">
      {shape}
    </svg>
  );
}
