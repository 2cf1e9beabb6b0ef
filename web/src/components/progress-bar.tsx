// A thin progress bar in a status tone; without a value it shows work whose length is unknown.
import type { Tone } from './status.ts';

export function ProgressBar({ value, tone, label }: { value: number | null; tone: Tone; label: string }) {
  const percent = value === null ? undefined : Math.round(Math.min(Math.max(value, 0), 1) * 100);
  return (
    <div
      className={`progress tone-${tone}${percent === undefined ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      <div className="progress-fill" style={percent === undefined ? undefined : { width: `${percent}%` }} />
    </div>
  );
}
