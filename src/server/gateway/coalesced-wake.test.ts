import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoalescedWake } from './coalesced-wake.ts';

describe('CoalescedWake', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('wakes at once for a lone request, and once more at the end of the interval for a burst', () => {
    let wakes = 0;
    const wake = new CoalescedWake({ wake: () => wakes++, everyMs: 200 });
    wake.request();
    expect(wakes).toBe(1);
    for (let i = 0; i < 1000; i++) wake.request();
    expect(wakes).toBe(1);
    vi.advanceTimersByTime(200);
    expect(wakes).toBe(2);
    // Nothing asked since: no call at the end of this interval, and the next request is answered at once.
    vi.advanceTimersByTime(200);
    expect(wakes).toBe(2);
    vi.advanceTimersByTime(1000);
    wake.request();
    expect(wakes).toBe(3);
  });

  it('wakes no more once closed', () => {
    let wakes = 0;
    const wake = new CoalescedWake({ wake: () => wakes++, everyMs: 200 });
    wake.request();
    wake.request();
    wake.close();
    vi.advanceTimersByTime(1000);
    wake.request();
    expect(wakes).toBe(1);
  });
});
