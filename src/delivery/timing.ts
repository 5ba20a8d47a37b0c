/**
 * Timing shared by the delivery workers: the retry backoff and the sleep a stop or wake-up
 * cuts short.
 */

/** Exponential backoff with jitter: half fixed, half random, before retry number `attempts` (`baseMs` doubling, capped at `capMs`). */
export function jitteredBackoffMs(attempts: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const full = Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The pause between a worker's rounds, which wake() cuts short; a wake() while a round runs
 * makes the next pause end at once, so what it announced is not left for a whole interval.
 */
export class Wakeup {
  private signal = new AbortController();
  private woken = false;

  /** Pause for `ms` (through `sleeper`), or less when `stop` aborts or wake() is called. */
  async pause(ms: number, stop: AbortSignal, sleeper: (ms: number, signal: AbortSignal) => Promise<void> = sleep): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    this.signal = new AbortController();
    await sleeper(ms, AbortSignal.any([stop, this.signal.signal]));
    this.woken = false;
  }

  wake(): void {
    this.woken = true;
    this.signal.abort();
  }
}
