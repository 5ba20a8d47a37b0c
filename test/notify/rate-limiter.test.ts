/**
 * The overall rate (GCRA in the RateLimiter) and the send gate's pump, on fake clocks: the
 * burst, the bound on any window, and the long-run rate when every timer fires late.
 */
import { describe, expect, it } from 'vitest';
import { RateLimiter, type Clock } from '../../src/notify/telegram/rate-limiter.js';
import { SendGate } from '../../src/notify/telegram/telegram-notifier.js';

const T0 = Date.parse('2024-10-13T12:00:00Z');

/** A clock whose sleeps end late, as timers do on a busy event loop: `late()` ms after they were due. */
class LateClock implements Clock {
  sleeps = 0;
  constructor(
    public t: number,
    private readonly late: () => number,
  ) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps++;
    const until = this.t + Math.max(0, ms) + this.late();
    await new Promise((r) => setImmediate(r));
    this.t = Math.max(this.t, until);
  }
}

/** A seeded PRNG, so the lateness is the same on every run. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

/** Most grants in any window of `windowMs` (sorted times). */
function busiest(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('RateLimiter overall rate (GCRA)', () => {
  const limits = { globalPerSecond: 150, perChatIntervalMs: 1000, groupPerMinute: 20 };

  it('allows the burst at once, then one send per 1/rate, without rounding drift', () => {
    const clock = new LateClock(T0, () => 0);
    const l = new RateLimiter(limits, clock);
    expect(l.capacity).toBe(30);
    for (let i = 0; i < 30; i++) {
      expect(l.globalDelay()).toBe(0);
      l.take(i);
    }
    expect(l.globalDelay()).toBeCloseTo(1000 / 150, 6);
    // 1,500 more sends, each as soon as allowed: exactly 10 s, not 1,500 rounded-up delays.
    for (let i = 0; i < 1500; i++) {
      clock.t += l.globalDelay();
      l.take(1000 + i);
    }
    expect(clock.t - T0).toBeCloseTo(10_000, 3);
  });

  it('gives no credit for idle time beyond the burst', () => {
    const clock = new LateClock(T0, () => 0);
    const l = new RateLimiter(limits, clock);
    for (let i = 0; i < 30; i++) l.take(i);
    clock.t += 60_000;
    let now = 0;
    while (l.globalDelay() === 0) {
      l.take(100 + now);
      now++;
    }
    expect(now).toBe(30);
  });
});

describe('SendGate pump', () => {
  /** Grant `n` queued sends through a gate at `rate`/s on `clock`; the grant times. */
  async function grants(rate: number, n: number, clock: LateClock): Promise<number[]> {
    const limiter = new RateLimiter({ globalPerSecond: rate, perChatIntervalMs: 1000, groupPerMinute: 20 }, clock);
    const gate = new SendGate(limiter, clock);
    const at: number[] = [];
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        gate.acquire(i).then((ok) => {
          expect(ok).toBe(true);
          at.push(clock.now());
        }),
      ),
    );
    return at;
  }

  it('keeps the long-run rate within 2 % of the configured one when every timer fires late', async () => {
    const random = lcg(7);
    // 0–12 ms late on every sleep (longer than the 6.7 ms between sends), 150 ms now and then.
    const clock = new LateClock(T0, () => (random() < 0.02 ? 150 : random() * 12));
    const rate = 150;
    const n = 6000;
    const at = await grants(rate, n, clock);
    expect(at).toHaveLength(n);
    const ideal = ((n - Math.ceil(rate / 5)) / rate) * 1000;
    const span = at[at.length - 1]! - T0;
    expect(span).toBeGreaterThanOrEqual(ideal - 1);
    expect(span).toBeLessThanOrEqual(ideal * 1.02);
    // Making up for late timers never breaks the limit: any second holds at most rate + burst.
    expect(busiest(at, 1000)).toBeLessThanOrEqual(rate + Math.ceil(rate / 5));
    // One timer for all waiters: far fewer sleeps than sends.
    expect(clock.sleeps).toBeLessThan(n);
  });

  it('late beyond the burst loses only that lateness, not the rate afterwards', async () => {
    const random = lcg(11);
    // A 500 ms stall every ~200 sleeps: longer than the 200 ms burst can make up.
    const clock = new LateClock(T0, () => (random() < 0.005 ? 500 : random() * 3));
    const at = await grants(100, 3000, clock);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    const stalls = gaps.filter((g) => g >= 300).reduce((s, g) => s + g, 0);
    const span = at[at.length - 1]! - T0;
    // Outside the stalls, the rate held within 2 %.
    expect(span - stalls).toBeLessThanOrEqual(((3000 - 20) / 100) * 1000 * 1.02);
    expect(busiest(at, 1000)).toBeLessThanOrEqual(100 + 20);
  });
});
