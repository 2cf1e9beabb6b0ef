// The maths of a virtualised list of fixed-height rows: which rows to render for a scroll
// position, where to put them, and how tall the scrolled content is. Browsers cap an element's
// height (Firefox near 17.9 million px, Chromium near 33.5 million), so past `maxHeight` the
// content is compressed: the scrollbar spans the whole list and rows are placed by proportion.

export interface WindowInput {
  count: number;
  rowHeight: number;
  viewportHeight: number;
  scrollTop: number;
  /** Rows rendered beyond each edge of the viewport, so fast scrolling shows no gaps. */
  overscan?: number;
  /** The tallest content the list may make; defaults to 8 million px (safe in every browser). */
  maxHeight?: number;
}

export interface VirtualWindow {
  /** The first and one-past-last row to render. */
  start: number;
  end: number;
  /** Where the row `start` goes, in px from the top of the scrolled content. */
  offsetTop: number;
  /** The scrolled content's height. */
  contentHeight: number;
}

export const defaultMaxHeight = 8_000_000;

/** Rows [start, end) to render at `scrollTop`, and where they go. */
export function computeWindow(input: WindowInput): VirtualWindow {
  const { count, rowHeight, viewportHeight } = input;
  const overscan = input.overscan ?? 10;
  const geometry = scrollGeometry(count, rowHeight, viewportHeight, input.maxHeight);
  if (count === 0) return { start: 0, end: 0, offsetTop: 0, contentHeight: 0 };
  const scrollTop = clamp(input.scrollTop, 0, geometry.maxScrollTop);
  const virtualTop = scrollTop * geometry.ratio;
  const firstVisible = Math.min(Math.floor(virtualTop / rowHeight), count - 1);
  const visibleRows = Math.ceil(viewportHeight / rowHeight) + 1;
  const start = Math.max(0, firstVisible - overscan);
  const end = Math.min(count, firstVisible + visibleRows + overscan);
  // Row i sits at virtual i*rowHeight; the viewport's top is virtualTop at physical scrollTop.
  const offsetTop = scrollTop + (start * rowHeight - virtualTop);
  return { start, end, offsetTop, contentHeight: geometry.contentHeight };
}

/** The scrollTop that shows row `index` at the top of the viewport (clamped to what can scroll). */
export function scrollTopForRow(index: number, input: Omit<WindowInput, 'scrollTop' | 'overscan'>): number {
  const geometry = scrollGeometry(input.count, input.rowHeight, input.viewportHeight, input.maxHeight);
  return clamp((index * input.rowHeight) / geometry.ratio, 0, geometry.maxScrollTop);
}

/** The scrollTop of the very end of the list: where a following view stays. */
export function scrollTopOfEnd(input: Omit<WindowInput, 'scrollTop' | 'overscan'>): number {
  return scrollGeometry(input.count, input.rowHeight, input.viewportHeight, input.maxHeight).maxScrollTop;
}

/** Whether the viewport shows the last row (within `slack` px): new rows should keep it there. */
export function isAtEnd(scrollTop: number, input: Omit<WindowInput, 'scrollTop' | 'overscan'>, slack = 4): boolean {
  return scrollTop >= scrollTopOfEnd(input) - slack;
}

function scrollGeometry(count: number, rowHeight: number, viewportHeight: number, maxHeight = defaultMaxHeight) {
  const fullHeight = count * rowHeight;
  const contentHeight = Math.min(fullHeight, Math.max(maxHeight, viewportHeight));
  const maxScrollTop = Math.max(0, contentHeight - viewportHeight);
  const fullScroll = Math.max(0, fullHeight - viewportHeight);
  const ratio = maxScrollTop > 0 ? fullScroll / maxScrollTop : 1;
  return { contentHeight, maxScrollTop, ratio };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
