import type { Clock } from '../../src/notify/telegram/rate-limiter.js';

/** A clock whose sleeps end at once, moving time forward to when they would have ended. */
export class JumpClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    const until = this.t + Math.max(0, ms);
    await new Promise((r) => setImmediate(r));
    this.t = Math.max(this.t, until);
  }
}
