/**
 * When a source is next due. Pure: time and randomness are arguments.
 * - success: the source's interval (± jitter), or the next cron occurrence; never before the
 *   server's Retry-After / max-age (`notBefore`), which is itself capped at `backoffMaxMs`.
 * - failure: exponential backoff from the interval (interval × 2^(errors-1)), capped at
 *   `backoffMaxMs`, with jitter, and never before Retry-After.
 */
import cron from 'node-cron';
import type { Interval } from '../domain/source.js';

export interface NextPollOptions {
  jitter: number;
  backoffMaxMs: number;
  timeZone: string;
}

export function nextCronRun(expression: string, timeZone: string, from: Date): Date {
  const task = cron.createTask(expression, () => {}, { timezone: timeZone });
  try {
    // getNextRuns counts from the real clock; shift the answer when `from` is another moment.
    const next = task.getNextRuns(1)[0];
    if (!next) return new Date(from.getTime() + 60_000);
    const drift = from.getTime() - Date.now();
    return Math.abs(drift) < 1000 ? next : new Date(next.getTime() + drift);
  } finally {
    void task.destroy();
  }
}

function baseInterval(interval: Interval, opts: NextPollOptions, now: Date): number {
  if (interval.kind === 'every') return interval.ms;
  return Math.max(1000, nextCronRun(interval.expression, opts.timeZone, now).getTime() - now.getTime());
}

/** ± jitter fraction of `ms`, using `random` in [0, 1). */
function withJitter(ms: number, jitter: number, random: number): number {
  return Math.round(ms * (1 + jitter * (2 * random - 1)));
}

export function nextPollAfterSuccess(interval: Interval, now: Date, notBefore: Date | undefined, opts: NextPollOptions, random: number): Date {
  const delay =
    interval.kind === 'cron'
      ? baseInterval(interval, opts, now) // cron sources run at their times, no jitter
      : withJitter(interval.ms, opts.jitter, random);
  return applyNotBefore(new Date(now.getTime() + delay), now, notBefore, opts);
}

export function nextPollAfterFailure(
  interval: Interval,
  consecutiveErrors: number,
  now: Date,
  notBefore: Date | undefined,
  opts: NextPollOptions,
  random: number,
): Date {
  const base = interval.kind === 'every' ? interval.ms : Math.min(baseInterval(interval, opts, now), 15 * 60_000);
  const exp = Math.min(Math.max(0, consecutiveErrors - 1), 30);
  const delay = Math.min(base * 2 ** exp, opts.backoffMaxMs);
  // Full jitter on the upper half keeps failing sources from stampeding together.
  const jittered = Math.round(delay / 2 + (delay / 2) * random);
  return applyNotBefore(new Date(now.getTime() + Math.max(jittered, 1000)), now, notBefore, opts);
}

function applyNotBefore(next: Date, now: Date, notBefore: Date | undefined, opts: NextPollOptions): Date {
  if (!notBefore) return next;
  const capped = Math.min(notBefore.getTime(), now.getTime() + opts.backoffMaxMs);
  return capped > next.getTime() ? new Date(capped) : next;
}
