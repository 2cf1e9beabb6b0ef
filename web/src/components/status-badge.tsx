// A status as colour, icon and word at once ("✓ succeeded", "⏸ awaiting approval").
import { StatusIcon } from './status-icon.tsx';
import { toneOf, wordOf } from './status.ts';

export function StatusBadge({ status, label, title }: { status: string; label?: string; title?: string }) {
  return (
    <span className={`badge tone-${toneOf(status)}`} data-status={status} title={title}>
      <StatusIcon status={status} />
      {label ?? wordOf(status)}
    </span>
  );
}
