/**
 * Telegram's sending limits, kept in one place (https://core.telegram.org/bots/faq):
 *
 * - overall: `globalPerSecond` (default 25 a second, under Telegram's ~30) with a small burst
 *   (a fifth of a second's worth), so a drain never bursts. Kept as GCRA (virtual time): each
 *   send moves an ideal timeline on by 1/rate, and a send is due when that timeline is at
 *   most the burst ahead of now. A sender that wakes late finds the sends it missed already
 *   due (up to the burst), so timer lateness and rounding never add up over a drain; in any
 *   window of L ms at most L·rate/1000 + burst sends are allowed, as with a token bucket;
 * - per chat: one message per `perChatIntervalMs` (default 1 s);
 * - per group (negative chat ids: groups, supergroups, channels): at most `groupPerMinute`
 *   (default 20) in any 60 s window, a sliding window over the send times;
 * - a chat told to wait (429 `retry_after`) is blocked until then; other chats are not.
 *
 * `chatDelay` and `globalDelay` say how long to wait; `take` records a send. The clock is
 * injected, so tests drive time by hand. Idle chats are forgotten, so memory stays bounded
 * by the chats active in the last minute.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` (or at once when `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface RateLimits {
  /** Messages per second over all chats (default 25). */
  globalPerSecond: number;
  /** Minimum gap between two messages to one chat (default 1000 ms). */
  perChatIntervalMs: number;
  /** Messages per minute to one group or channel (default 20). */
  groupPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = { globalPerSecond: 25, perChatIntervalMs: 1000, groupPerMinute: 20 };

interface ChatState {
  last: number;
  /** Send times in the last minute (groups only), oldest first. */
  window: number[];
  blockedUntil: number;
}

const MINUTE = 60_000;

export class RateLimiter {
  private readonly chats = new Map<number, ChatState>();
  /** Burst, in messages. */
  readonly capacity: number;
  /** Ms between two sends at the overall rate. */
  private readonly interval: number;
  /**
   * The ideal time of the next send (GCRA's theoretical arrival time) is `base` plus `ahead`
   * intervals: kept apart so that adding 1000/rate up many times does not drift in floating point.
   */
  private base: number;
  private ahead = 0;
  private takes = 0;

  constructor(
    readonly limits: RateLimits,
    private readonly clock: Clock,
  ) {
    if (!(limits.globalPerSecond > 0)) throw new Error('globalPerSecond must be positive');
    this.capacity = Math.max(1, Math.ceil(limits.globalPerSecond / 5));
    this.interval = 1000 / limits.globalPerSecond;
    this.base = clock.now();
  }

  /** Milliseconds until a message to `chatId` is allowed by its own limits (0: now). */
  chatDelay(chatId: number): number {
    const s = this.chats.get(chatId);
    if (!s) return 0;
    const now = this.clock.now();
    let at = Math.max(s.last + this.limits.perChatIntervalMs, s.blockedUntil);
    if (chatId < 0) {
      const recent = s.window.filter((t) => t > now - MINUTE);
      if (recent.length >= this.limits.groupPerMinute) {
        at = Math.max(at, recent[recent.length - this.limits.groupPerMinute]! + MINUTE);
      }
    }
    return Math.max(0, at - now);
  }

  /**
   * Milliseconds until the overall rate allows one more message (0: now). Fractional: the
   * caller sleeps at least this long (a timer rounds up), and a late wake-up costs nothing,
   * as the timeline does not move with the clock.
   */
  globalDelay(): number {
    const delay = this.base - this.clock.now() + ((this.ahead - (this.capacity - 1)) * 1000) / this.limits.globalPerSecond;
    return delay > 1e-6 ? delay : 0;
  }

  /** Record a message sent to `chatId` now (takes its place on the overall timeline). */
  take(chatId: number): void {
    const now = this.clock.now();
    // Idle (or later than the burst covers): the timeline restarts at now, no credit beyond the burst.
    if (this.base + this.ahead * this.interval < now) {
      this.base = now;
      this.ahead = 0;
    }
    this.ahead++;
    const s = this.state(chatId);
    s.last = now;
    if (chatId < 0) {
      s.window.push(now);
      if (s.window.length > this.limits.groupPerMinute) s.window.splice(0, s.window.length - this.limits.groupPerMinute);
    }
    if (++this.takes % 1000 === 0) this.forgetIdle();
  }

  /** Telegram asked this chat to wait: nothing goes to it before `untilMs`. */
  block(chatId: number, untilMs: number): void {
    const s = this.state(chatId);
    s.blockedUntil = Math.max(s.blockedUntil, untilMs);
  }

  blockedUntil(chatId: number): number {
    return this.chats.get(chatId)?.blockedUntil ?? 0;
  }

  private state(chatId: number): ChatState {
    let s = this.chats.get(chatId);
    if (!s) {
      s = { last: -Infinity, window: [], blockedUntil: 0 };
      this.chats.set(chatId, s);
    }
    return s;
  }

  private forgetIdle(): void {
    const now = this.clock.now();
    for (const [id, s] of this.chats) {
      if (s.last < now - MINUTE && s.blockedUntil < now) this.chats.delete(id);
    }
  }
}
