import { describe, expect, it } from 'vitest';
import { nextCronRun, nextPollAfterFailure, nextPollAfterSuccess } from '../../src/pipeline/next-poll.js';

const opts = { jitter: 0.1, backoffMaxMs: 24 * 3_600_000, timeZone: 'Asia/Shanghai' };
const now = new Date('2024-10-13T10:00:00Z');
const every15m = { kind: 'every', ms: 15 * 60_000 } as const;
const minutes = (d: Date) => (d.getTime() - now.getTime()) / 60_000;

describe('next poll after success', () => {
  it('is the interval with at most ±10% jitter', () => {
    expect(minutes(nextPollAfterSuccess(every15m, now, undefined, opts, 0))).toBeCloseTo(13.5);
    expect(minutes(nextPollAfterSuccess(every15m, now, undefined, opts, 0.5))).toBeCloseTo(15);
    expect(minutes(nextPollAfterSuccess(every15m, now, undefined, opts, 0.999999))).toBeCloseTo(16.5);
  });
  it('waits for Retry-After / max-age when it is later, capped at the backoff maximum', () => {
    const later = new Date(now.getTime() + 60 * 60_000);
    expect(nextPollAfterSuccess(every15m, now, later, opts, 0.5)).toEqual(later);
    const far = new Date(now.getTime() + 30 * 86_400_000);
    expect(minutes(nextPollAfterSuccess(every15m, now, far, opts, 0.5))).toBe(24 * 60);
    const sooner = new Date(now.getTime() + 60_000);
    expect(minutes(nextPollAfterSuccess(every15m, now, sooner, opts, 0.5))).toBeCloseTo(15);
  });
  it('follows a cron expression in the configured zone', () => {
    const from = new Date();
    const next = nextPollAfterSuccess({ kind: 'cron', expression: '0 8 * * *' }, from, undefined, opts, 0.5);
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next);
    expect(local).toBe('08:00');
    expect(next.getTime()).toBeGreaterThan(from.getTime());
    expect(next.getTime() - from.getTime()).toBeLessThanOrEqual(86_400_000);
    expect(nextCronRun('*/10 * * * *', 'UTC', from).getUTCMinutes() % 10).toBe(0);
  });
});

describe('next poll after failure', () => {
  it('backs off exponentially with jitter in the upper half, capped', () => {
    const delays = [1, 2, 3, 4, 10, 30].map((errors) => minutes(nextPollAfterFailure(every15m, errors, now, undefined, opts, 1)));
    expect(delays.slice(0, 4)).toEqual([15, 30, 60, 120]);
    expect(delays[4]).toBe(24 * 60);
    expect(delays[5]).toBe(24 * 60);
    expect(minutes(nextPollAfterFailure(every15m, 3, now, undefined, opts, 0))).toBe(30);
  });
  it('never polls before Retry-After', () => {
    const retry = new Date(now.getTime() + 3 * 3_600_000);
    expect(nextPollAfterFailure(every15m, 1, now, retry, opts, 0.5)).toEqual(retry);
  });
  it('spreads sources that failed together (no stampede)', () => {
    const times = new Set(Array.from({ length: 50 }, (_, i) => nextPollAfterFailure(every15m, 3, now, undefined, opts, i / 50).getTime()));
    expect(times.size).toBe(50);
  });
});
