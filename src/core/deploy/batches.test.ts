// Tests of how a deployment's hosts are split into batches.
import { describe, expect, it } from 'vitest';
import { assignBatches, batchLength } from './batches.ts';

describe('batchLength', () => {
  it('takes a number as the hosts per batch', () => {
    expect(batchLength(10, 3)).toBe(3);
  });

  it('rounds a percentage up: "50%" of 3 hosts is 2', () => {
    expect(batchLength(3, '50%')).toBe(2);
    expect(batchLength(10, '25%')).toBe(3);
    expect(batchLength(4, '25%')).toBe(1);
  });

  it('never makes a batch of no host', () => {
    expect(batchLength(3, '1%')).toBe(1);
    expect(batchLength(0, '50%')).toBe(1);
  });

  it('takes "100%" as every host at once', () => {
    expect(batchLength(7, '100%')).toBe(7);
  });
});

describe('assignBatches', () => {
  it('splits 3 hosts at "50%" into a batch of 2, then a batch of 1', () => {
    expect(assignBatches(3, '50%')).toEqual([0, 0, 1]);
  });

  it('puts one host in each batch when the batch is 1', () => {
    expect(assignBatches(4, 1)).toEqual([0, 1, 2, 3]);
  });

  it('puts every host in one batch when the batch is larger than the fleet', () => {
    expect(assignBatches(3, 10)).toEqual([0, 0, 0]);
    expect(assignBatches(3, '100%')).toEqual([0, 0, 0]);
  });

  it('leaves a smaller last batch when the hosts do not divide evenly', () => {
    expect(assignBatches(10, '30%')).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3]);
  });

  it('has no batch for no host', () => {
    expect(assignBatches(0, 2)).toEqual([]);
  });
});
