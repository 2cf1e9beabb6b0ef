import { describe, expect, it } from 'vitest';
import { computeWindow, isAtEnd, scrollTopForRow, scrollTopOfEnd } from './virtual-window.ts';

const base = { rowHeight: 20, viewportHeight: 400 };

describe('computeWindow', () => {
  it('renders nothing for an empty list', () => {
    expect(computeWindow({ ...base, count: 0, scrollTop: 0 })).toEqual({ start: 0, end: 0, offsetTop: 0, contentHeight: 0 });
  });

  it('renders every row of a list shorter than the viewport', () => {
    expect(computeWindow({ ...base, count: 5, scrollTop: 0 })).toEqual({ start: 0, end: 5, offsetTop: 0, contentHeight: 100 });
  });

  it('renders the visible rows plus the overscan at the top', () => {
    const w = computeWindow({ ...base, count: 1000, scrollTop: 0, overscan: 5 });
    expect(w).toEqual({ start: 0, end: 26, offsetTop: 0, contentHeight: 20_000 });
  });

  it('follows the scroll position with rows placed where they belong', () => {
    const w = computeWindow({ ...base, count: 1000, scrollTop: 2010, overscan: 5 });
    // Row 100 starts at 2000 and is partly visible; five rows above it are rendered too.
    expect(w.start).toBe(95);
    expect(w.end).toBe(100 + 21 + 5);
    expect(w.offsetTop).toBe(95 * 20);
  });

  it('never renders past the last row when scrolled to the end', () => {
    const w = computeWindow({ ...base, count: 1000, scrollTop: 1_000_000, overscan: 5 });
    expect(w.end).toBe(1000);
    expect(w.start).toBe(1000 - 20 - 5);
  });

  it('renders the same small number of rows for a million rows as for a thousand', () => {
    const small = computeWindow({ ...base, count: 1000, scrollTop: 5000 });
    const large = computeWindow({ ...base, count: 1_000_000, scrollTop: 5_000_000 });
    expect(large.end - large.start).toBe(small.end - small.start);
    expect(large.end - large.start).toBeLessThan(50);
  });

  it('compresses content taller than maxHeight so that the scrollbar still reaches every row', () => {
    const input = { ...base, count: 1_000_000, maxHeight: 1_000_000 };
    expect(computeWindow({ ...input, scrollTop: 0 }).contentHeight).toBe(1_000_000);
    const end = computeWindow({ ...input, scrollTop: 1_000_000 - 400, overscan: 0 });
    expect(end.end).toBe(1_000_000);
    // The last row's bottom lines up with the viewport's bottom.
    const lastRowTop = end.offsetTop + (end.end - 1 - end.start) * 20;
    expect(lastRowTop + 20).toBeCloseTo(1_000_000, 6);
    const middle = computeWindow({ ...input, scrollTop: (1_000_000 - 400) / 2, overscan: 0 });
    expect(middle.start).toBe(Math.floor((20_000_000 - 400) / 2 / 20));
    // The first rendered row starts at or above the viewport's top, and within one row of it.
    expect(middle.offsetTop).toBeLessThanOrEqual((1_000_000 - 400) / 2);
    expect(middle.offsetTop).toBeGreaterThan((1_000_000 - 400) / 2 - 20);
  });
});

describe('scrolling to a row and to the end', () => {
  it('gives the scrollTop that puts a row at the top', () => {
    expect(scrollTopForRow(100, { ...base, count: 1000 })).toBe(2000);
    expect(scrollTopForRow(999, { ...base, count: 1000 })).toBe(20_000 - 400);
  });

  it('maps rows through the compression of very long lists', () => {
    const input = { ...base, count: 1_000_000, maxHeight: 1_000_000 };
    const top = scrollTopForRow(500_000, input);
    const w = computeWindow({ ...input, scrollTop: top, overscan: 0 });
    expect(w.start).toBe(500_000);
  });

  it('knows the end of the list and whether the viewport is there', () => {
    expect(scrollTopOfEnd({ ...base, count: 1000 })).toBe(19_600);
    expect(scrollTopOfEnd({ ...base, count: 5 })).toBe(0);
    expect(isAtEnd(19_598, { ...base, count: 1000 })).toBe(true);
    expect(isAtEnd(19_000, { ...base, count: 1000 })).toBe(false);
    expect(isAtEnd(0, { ...base, count: 5 })).toBe(true);
  });
});
