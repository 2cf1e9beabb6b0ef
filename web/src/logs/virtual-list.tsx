// A scrolling list that renders only the rows in view (plus a few), so a million rows scroll as
// smoothly as fifty. Rows have one fixed height; the maths is in virtual-window.ts.
import { useImperativeHandle, useLayoutEffect, useRef, useState, type ReactNode, type Ref } from 'react';
import { computeWindow, isAtEnd, scrollTopForRow, scrollTopOfEnd } from './virtual-window.ts';

export interface VirtualListHandle {
  scrollToEnd(): void;
  scrollToIndex(index: number): void;
  /** The row at the top of the viewport. */
  firstVisible(): number;
}

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ReactNode;
  /** Keep the last row in view as rows are added. */
  follow: boolean;
  /** Told when the viewport reaches or leaves the end, by scrolling. */
  onAtEndChange?: (atEnd: boolean) => void;
  /** Told when the viewport nears the first row (to load older rows). */
  onNearStart?: () => void;
  className?: string;
  label: string;
  ref?: Ref<VirtualListHandle>;
}

export function VirtualList({ count, rowHeight, renderRow, follow, onAtEndChange, onNearStart, className, label, ref }: VirtualListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(400);
  const atEnd = useRef(true);
  const geometry = { count, rowHeight, viewportHeight };

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return undefined;
    const observer = new ResizeObserver(() => setViewportHeight(element.clientHeight || 400));
    observer.observe(element);
    setViewportHeight(element.clientHeight || 400);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element || !follow) return;
    const end = scrollTopOfEnd({ count, rowHeight, viewportHeight });
    if (element.scrollTop !== end) element.scrollTop = end;
    setScrollTop(end);
  }, [count, follow, rowHeight, viewportHeight]);

  useImperativeHandle(ref, () => ({
    scrollToEnd() {
      const element = scroller.current;
      if (element) element.scrollTop = scrollTopOfEnd({ count, rowHeight, viewportHeight });
    },
    scrollToIndex(index: number) {
      const element = scroller.current;
      if (!element) return;
      const top = scrollTopForRow(index, { count, rowHeight, viewportHeight });
      element.scrollTop = top;
      setScrollTop(top);
    },
    firstVisible: () => computeWindow({ count, rowHeight, viewportHeight, scrollTop, overscan: 0 }).start,
  }), [count, rowHeight, viewportHeight, scrollTop]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    setScrollTop(element.scrollTop);
    const nowAtEnd = isAtEnd(element.scrollTop, geometry);
    if (nowAtEnd !== atEnd.current) {
      atEnd.current = nowAtEnd;
      onAtEndChange?.(nowAtEnd);
    }
    if (element.scrollTop < rowHeight * 30) onNearStart?.();
  };

  const visible = computeWindow({ ...geometry, scrollTop });
  const rows: ReactNode[] = [];
  for (let i = visible.start; i < visible.end; i++) rows.push(renderRow(i));
  return (
    <div ref={scroller} className={`vlist ${className ?? ''}`} onScroll={onScroll} role="log" aria-label={label} tabIndex={0}>
      <div className="vlist-content" style={{ height: visible.contentHeight }}>
        <div className="vlist-rows" style={{ transform: `translateY(${visible.offsetTop}px)` }}>{rows}</div>
      </div>
    </div>
  );
}
