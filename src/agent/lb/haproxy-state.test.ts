// Tests of how HAProxy's answers are read: srv_admin_state bits into ready/drain/maint, and show stat's CSV.
import { describe, expect, it } from 'vitest';
import { adminState } from './apply-lb-command.ts';
import { ADMIN_BITS, parseCsvLine } from './haproxy-runtime.ts';

describe('adminState', () => {
  it('reads no bits as ready, a drain bit as drain and a maintenance bit as maint, maint first', () => {
    expect(adminState(0)).toBe('ready');
    expect(adminState(ADMIN_BITS.FDRAIN)).toBe('drain');
    expect(adminState(ADMIN_BITS.IDRAIN)).toBe('drain');
    expect(adminState(ADMIN_BITS.FMAINT)).toBe('maint');
    expect(adminState(ADMIN_BITS.IMAINT)).toBe('maint');
    expect(adminState(ADMIN_BITS.RMAINT)).toBe('maint');
    expect(adminState(ADMIN_BITS.FMAINT | ADMIN_BITS.FDRAIN)).toBe('maint');
  });

  it('reads a server disabled in the config as maint, and as ready once readied (CMAINT stays)', () => {
    expect(adminState(ADMIN_BITS.CMAINT | ADMIN_BITS.FMAINT)).toBe('maint');
    expect(adminState(ADMIN_BITS.CMAINT)).toBe('ready');
    expect(adminState(ADMIN_BITS.CMAINT | ADMIN_BITS.FDRAIN)).toBe('drain');
  });
});

describe('parseCsvLine', () => {
  it('splits on commas, keeps empty cells, and reads quoted cells with commas and doubled quotes', () => {
    expect(parseCsvLine('shop,web-1,,0,UP')).toEqual(['shop', 'web-1', '', '0', 'UP']);
    expect(parseCsvLine('a,"Layer7 wrong status, 503","say ""hi""",')).toEqual(['a', 'Layer7 wrong status, 503', 'say "hi"', '']);
  });
});
