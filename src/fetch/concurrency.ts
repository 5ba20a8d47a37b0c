/**
 * A keyed semaphore: at most `limit` holders per key at once, the rest wait in FIFO order.
 * The fetcher uses one keyed by URL host (per-host limit) and one with a single key (global
 * limit). A waiter whose signal aborts leaves the queue; a release function is idempotent, so
 * releasing in `finally` after an error or abort is always safe.
 */

/** Gives the slot back; calling it more than once has no further effect. */
export type Release = () => void;

interface Waiter {
  grant: () => void;
}

interface Slot {
  active: number;
  queue: Waiter[];
}

export class KeyedSemaphore {
  readonly #limit: number;
  readonly #slots = new Map<string, Slot>();

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency limit must be a positive integer, got ${String(limit)}`);
    }
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Holders of `key` right now. */
  active(key: string): number {
    return this.#slots.get(key)?.active ?? 0;
  }

  /** Callers waiting for `key`. */
  waiting(key: string): number {
    return this.#slots.get(key)?.queue.length ?? 0;
  }

  /**
   * Wait for a slot of `key`. Resolves with its release function; rejects with the signal's
   * reason when `signal` aborts first (the caller then holds nothing).
   */
  acquire(key: string, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = { active: 0, queue: [] };
      this.#slots.set(key, slot);
    }
    if (slot.active < this.#limit) {
      slot.active++;
      return Promise.resolve(this.#releaser(key, slot));
    }
    const queued = slot;
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.#releaser(key, queued));
        },
      };
      const onAbort = (): void => {
        const at = queued.queue.indexOf(waiter);
        if (at !== -1) queued.queue.splice(at, 1);
        this.#forgetIfIdle(key, queued);
        reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queued.queue.push(waiter);
    });
  }

  /** Run `task` while holding a slot of `key`. */
  async run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(key, signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  #releaser(key: string, slot: Slot): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = slot.queue.shift();
      if (next) {
        // The slot passes straight to the next waiter: `active` stays the same.
        next.grant();
      } else {
        slot.active--;
        this.#forgetIfIdle(key, slot);
      }
    };
  }

  #forgetIfIdle(key: string, slot: Slot): void {
    if (slot.active === 0 && slot.queue.length === 0 && this.#slots.get(key) === slot) this.#slots.delete(key);
  }
}

/** What a wait cut short by `signal` rejects with: its reason, or an AbortError. */
export function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
