// The log indexer's pace: full speed when ingest is quiet or the index too far behind, else one
// pass per interval while lines flow.
import { describe, expect, it } from 'vitest';
import { nextIndexStep, type IndexPacing } from './index-pacing.ts';

const pacing: IndexPacing = { quietMs: 500, busyPassIntervalMs: 1_000, maxBehindMs: 30_000 };

describe('nextIndexStep', () => {
  it('indexes at full speed when this instance has stored nothing yet', () => {
    expect(nextIndexStep({ now: 10_000, lastStoredAt: undefined, lastPassAt: 9_999, caughtUpAt: 9_000 }, pacing)).toEqual({ kind: 'pass', fullSpeed: true });
  });

  it('indexes at full speed once no lines were stored for the quiet interval', () => {
    expect(nextIndexStep({ now: 10_000, lastStoredAt: 9_500, lastPassAt: 9_999, caughtUpAt: 1_000 }, pacing)).toEqual({ kind: 'pass', fullSpeed: true });
  });

  it('while lines flow, waits until a second after the last pass or until ingest would be quiet', () => {
    expect(nextIndexStep({ now: 10_000, lastStoredAt: 9_990, lastPassAt: 9_800, caughtUpAt: 5_000 }, pacing)).toEqual({ kind: 'wait', ms: 490 });
    expect(nextIndexStep({ now: 10_000, lastStoredAt: 9_990, lastPassAt: 9_200, caughtUpAt: 5_000 }, pacing)).toEqual({ kind: 'wait', ms: 200 });
  });

  it('while lines flow, makes one pass a second', () => {
    expect(nextIndexStep({ now: 10_000, lastStoredAt: 9_990, lastPassAt: 9_000, caughtUpAt: 5_000 }, pacing)).toEqual({ kind: 'pass', fullSpeed: false });
    expect(nextIndexStep({ now: 10_000, lastStoredAt: 9_990, lastPassAt: undefined, caughtUpAt: 5_000 }, pacing)).toEqual({ kind: 'pass', fullSpeed: false });
  });

  it('indexes at full speed while lines flow once it has not caught up for the longest lag allowed', () => {
    expect(nextIndexStep({ now: 40_000, lastStoredAt: 39_990, lastPassAt: 39_999, caughtUpAt: 10_000 }, pacing)).toEqual({ kind: 'pass', fullSpeed: true });
    expect(nextIndexStep({ now: 39_950, lastStoredAt: 39_940, lastPassAt: 39_900, caughtUpAt: 10_000 }, pacing)).toEqual({ kind: 'wait', ms: 50 });
  });
});
