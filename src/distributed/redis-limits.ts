/**
 * Limits shared by every tidings process on one Redis (REDIS_URL set): per-host politeness of
 * the fetcher and Telegram's sending rate hold for the installation, not per process.
 *
 * Why Lua: each decision (is a slot free? when is the next send due?) reads and writes
 * several values; one script runs atomically on the Redis server, so two processes can never
 * both see the last free slot, and no lock or retry loop around a transaction is needed. The
 * scripts read the time with `redis.call('TIME')`, so the clocks of the machines running
 * tidings do not matter (only Redis' clock does).
 *
 * `RedisHostGate` — at most `limit` fetches of one host at once across all processes; a
 * drop-in for the fetcher's per-host `KeyedSemaphore` (`createFetcher({ hostGate })`).
 * - Key `<prefix>host:<host>`: a sorted set, members = holder tokens, score = the holder's
 *   expiry (Redis time, ms). Acquiring (one script): drop expired members; when fewer than
 *   `limit` remain, add the token with expiry now + ttl. Releasing: ZREM (idempotent).
 * - While held, a slot is renewed every ttl/3 (its expiry pushed to now + ttl), so a fetch may
 *   run longer than the ttl. A process that dies (or loses Redis) stops renewing and its slot
 *   frees itself at most `ttlMs` (default 30 s) later. If renewals fail for longer than the
 *   ttl, the slot is lost (logged) and another process may take it: the limit is then briefly
 *   exceeded by one, never blocked.
 * - Every write sets PEXPIRE ttl + 1 s on the set, so an idle host leaves no key behind.
 * - Waiters first queue in this process (a local semaphore with the same limit, FIFO), so at
 *   most `limit` waiters per host and process poll Redis; they retry with a backoff growing
 *   from 20 ms to 250 ms with jitter. Across processes the order is not FIFO.
 * - An AbortSignal rejects the wait with its reason, holding nothing (as KeyedSemaphore does).
 *
 * `RedisSendRate` — Telegram's overall rate and per-chat gap for all processes:
 * `reserve(chatId)` reserves a send slot and says how many ms to wait before sending.
 * - GCRA (virtual scheduling) on two keys: `<prefix>tg:global` (the overall timeline, one
 *   send per 1000/globalPerSecond ms, with the local limiter's burst: a fifth of a second's
 *   worth, `ceil(globalPerSecond / 5)` sends) and `<prefix>tg:chat:<id>` (the chat's earliest
 *   next send: one per perChatIntervalMs for private chats, chatId > 0; for groups and
 *   channels, chatId < 0, one per max(perChatIntervalMs, 60000/groupPerMinute) — an even
 *   spacing, stricter than the local limiter's sliding minute window).
 * - The slot is t = max(now, tatGlobal − burst); tatGlobal becomes max(tatGlobal, t) +
 *   interval and the chat's next send t + its interval. A chat not ready by then (its own
 *   gap, or a 429 `block`) reserves nothing yet: `reserve` sleeps until the chat is ready
 *   and asks again, so one chat told to wait 30 s never pushes the overall timeline (and so
 *   every other chat) 30 s into the future.
 * - Keys get PEXPIRE (their time ahead of now + 1 s), so idle chats vanish.
 *
 * Redis unreachable: both fail rather than hang or silently go local. Every Redis call has a
 * deadline (`timeoutMs`, default 5 s; a connection opened from a URL also gives up a command
 * after one failed reconnect), and then `acquire`/`reserve` reject with a `RedisLimitError`
 * naming Redis and its address. The fetcher turns it into a `network` FetchError for that
 * fetch (the source is retried at its next poll); politeness is never silently dropped to
 * per-process limits.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../ops/logger.js';
import { abortReason, KeyedSemaphore, type Release } from '../fetch/concurrency.js';
import { sleep } from '../delivery/timing.js';
import type { RateLimits } from '../notify/telegram/rate-limiter.js';
import { redisConnection } from './poll-queue.js';

export const DEFAULT_LIMITS_PREFIX = 'tidings:limits:';
export const DEFAULT_HOST_SLOT_TTL_MS = 30_000;
export const DEFAULT_REDIS_TIMEOUT_MS = 5_000;

/** A shared limit could not be consulted: Redis did not answer or failed. */
export class RedisLimitError extends Error {
  override readonly name = 'RedisLimitError';
}

/** Where the limits live: a REDIS_URL (this object opens and closes its connection) or a connection. */
export interface RedisTarget {
  /** REDIS_URL (redis:// or rediss://). */
  redisUrl?: string;
  /** An ioredis connection to use instead (left open by `close()`). */
  redis?: Redis;
  /** Key prefix (default `tidings:limits:`); several installations on one Redis use different ones. */
  prefix?: string;
  /** Deadline of one Redis call in ms (default 5000). */
  timeoutMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

export interface RedisHostGateOptions extends RedisTarget {
  /** Fetches of one host at once, over all processes (FETCH_PER_HOST_CONCURRENCY). */
  limit: number;
  /** A slot not renewed for this long is freed (default 30 s); renewed every ttl/3 while held. */
  ttlMs?: number;
}

export interface RedisSendRateOptions extends RedisTarget {
  limits: RateLimits;
}

/** A slot reserved by `RedisSendRate.reserveSlot`. */
export interface SendSlot {
  /** Ms to wait before sending (0: now). */
  waitMs: number;
  /** The slot's time on Redis' clock (ms since the epoch). */
  at: number;
}

const HOST_ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl + 1000)
  return 1
end
return 0
`;

const HOST_RENEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl + 1000)
return 1
`;

/**
 * KEYS: global timeline, chat timeline. ARGV: global interval, burst (ms), chat interval.
 * Returns {1, slot, now} when reserved, {0, chatReadyAt, now} when the chat is not ready.
 * Times go back as strings (a Lua number in a reply is truncated to an integer).
 */
const SEND_RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local gi = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local ci = tonumber(ARGV[3])
local tatG = tonumber(redis.call('GET', KEYS[1]) or '0')
local chatAt = tonumber(redis.call('GET', KEYS[2]) or '0')
local slot = math.max(now, tatG - burst)
if chatAt > slot then
  return {0, string.format('%.17g', chatAt), string.format('%.17g', now)}
end
tatG = math.max(tatG, slot) + gi
local nextChat = slot + ci
redis.call('SET', KEYS[1], string.format('%.17g', tatG), 'PX', math.ceil(tatG - now) + 1000)
redis.call('SET', KEYS[2], string.format('%.17g', nextChat), 'PX', math.ceil(nextChat - now) + 1000)
return {1, string.format('%.17g', slot), string.format('%.17g', now)}
`;

/** KEYS: chat timeline. ARGV: ms from now the chat is blocked for. */
const SEND_BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local untilAt = now + tonumber(ARGV[1])
local chatAt = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilAt > chatAt then
  redis.call('SET', KEYS[1], string.format('%.17g', untilAt), 'PX', math.ceil(untilAt - now) + 1000)
end
return 1
`;

class LuaScript {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** EVALSHA, loading the script with EVAL when Redis does not know it yet. */
  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/** The connection, its description for messages, and whether we own it. */
class RedisLink {
  readonly redis: Redis;
  readonly owned: boolean;
  readonly where: string;
  readonly prefix: string;
  readonly timeoutMs: number;
  #closed = false;
  #warnedDown = false;

  constructor(
    target: RedisTarget,
    readonly what: string,
  ) {
    this.prefix = target.prefix ?? DEFAULT_LIMITS_PREFIX;
    this.timeoutMs = target.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${String(this.timeoutMs)}`);
    if (target.redis) {
      this.redis = target.redis;
      this.owned = false;
      this.where = `${target.redis.options.host ?? '127.0.0.1'}:${target.redis.options.port ?? 6379}`;
    } else if (target.redisUrl) {
      const options: RedisOptions = {
        ...(redisConnection(target.redisUrl) as RedisOptions),
        // Fail a command after one failed reconnect instead of queueing it for good.
        maxRetriesPerRequest: 1,
        connectTimeout: this.timeoutMs,
        // Connect at the first command: a command that never fetches or sends opens nothing.
        lazyConnect: true,
      };
      this.redis = new Redis(options);
      this.owned = true;
      this.where = `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
      this.redis.on('error', (err: Error) => {
        if (this.#warnedDown) return;
        this.#warnedDown = true;
        target.logger?.warn({ err }, `${what}: Redis at ${this.where}: ${err.message}`);
      });
      this.redis.on('ready', () => {
        this.#warnedDown = false;
      });
    } else {
      throw new TypeError(`${what}: give redisUrl or redis`);
    }
  }

  /** Run a Redis call with the deadline; failures become a RedisLimitError naming Redis. */
  async call<T>(doing: string, op: () => Promise<T>, onLateSuccess?: (value: T) => void): Promise<T> {
    if (this.#closed) throw new RedisLimitError(`${this.what}: closed`);
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const pending = op();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new RedisLimitError(`${this.what}: Redis at ${this.where} did not answer within ${this.timeoutMs} ms (${doing})`));
      }, this.timeoutMs);
    });
    // A call that succeeds after we gave up may have to be undone (a slot taken for nobody).
    pending.then(
      (value) => {
        if (timedOut) onLateSuccess?.(value);
      },
      () => undefined,
    );
    try {
      return await Promise.race([pending, deadline]);
    } catch (err) {
      if (err instanceof RedisLimitError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new RedisLimitError(`${this.what}: Redis at ${this.where} failed (${doing}): ${why}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.owned) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

const acquireScript = new LuaScript(HOST_ACQUIRE);
const renewScript = new LuaScript(HOST_RENEW);
const reserveScript = new LuaScript(SEND_RESERVE);
const blockScript = new LuaScript(SEND_BLOCK);

const POLL_MIN_MS = 20;
const POLL_MAX_MS = 250;

interface Held {
  key: string;
  token: string;
  timer: NodeJS.Timeout;
}

/** Per-host concurrency over every process on one Redis (see the file header). */
export class RedisHostGate {
  readonly limit: number;
  readonly ttlMs: number;
  readonly #link: RedisLink;
  readonly #local: KeyedSemaphore;
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  readonly #id = randomBytes(6).toString('hex');
  readonly #held = new Set<Held>();
  #seq = 0;

  constructor(options: RedisHostGateOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`concurrency limit must be a positive integer, got ${String(options.limit)}`);
    }
    const ttlMs = options.ttlMs ?? DEFAULT_HOST_SLOT_TTL_MS;
    if (!Number.isInteger(ttlMs) || ttlMs < 30) throw new RangeError(`ttlMs must be an integer of at least 30, got ${String(ttlMs)}`);
    this.limit = options.limit;
    this.ttlMs = ttlMs;
    this.#logger = options.logger;
    this.#local = new KeyedSemaphore(options.limit);
    this.#link = new RedisLink(options, 'per-host limit');
  }

  /** The Redis key of `host`'s holders. */
  keyOf(host: string): string {
    return `${this.#link.prefix}host:${host.toLowerCase()}`;
  }

  /** Holders of `host` right now, over all processes (expired ones not counted). */
  async holders(host: string): Promise<number> {
    const key = this.keyOf(host);
    return this.#link.call('count holders', async () => {
      const [seconds, micros] = await this.#link.redis.time();
      return this.#link.redis.zcount(key, `(${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}`, '+inf');
    });
  }

  /**
   * Wait for a slot of `host`. Resolves with its release function (idempotent); rejects with
   * the signal's reason when `signal` aborts first, or with a RedisLimitError when Redis
   * cannot be consulted (the caller then holds nothing).
   */
  async acquire(host: string, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) throw abortReason(signal);
    const key = this.keyOf(host);
    const releaseLocal = await this.#local.acquire(key, signal);
    const token = `${this.#id}:${++this.#seq}`;
    const undo = (taken: unknown): void => {
      if (taken === 1) void this.#link.redis.zrem(key, token).catch(() => undefined);
    };
    try {
      for (let backoff = POLL_MIN_MS; ; backoff = Math.min(POLL_MAX_MS, backoff * 1.5)) {
        const taken = await this.#link.call(`take a slot of ${host}`, () => acquireScript.run(this.#link.redis, [key], [token, this.limit, this.ttlMs]), undo);
        if (taken === 1) {
          if (signal?.aborted) {
            undo(taken);
            throw abortReason(signal);
          }
          return this.#hold(key, token, releaseLocal);
        }
        if (signal?.aborted) throw abortReason(signal);
        await sleep(backoff * (0.5 + Math.random() * 0.5), signal);
        if (signal?.aborted) throw abortReason(signal);
      }
    } catch (err) {
      releaseLocal();
      throw err;
    }
  }

  #hold(key: string, token: string, releaseLocal: Release): Release {
    const held: Held = {
      key,
      token,
      timer: setInterval(() => void this.#renew(held), Math.max(10, Math.floor(this.ttlMs / 3))),
    };
    held.timer.unref();
    this.#held.add(held);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      clearInterval(held.timer);
      this.#held.delete(held);
      releaseLocal();
      // Best effort: when it fails the slot frees itself after the ttl.
      this.#link.redis.zrem(key, token).catch((err: unknown) => {
        this.#logger?.warn({ err, key }, `per-host limit: releasing a slot in Redis failed; it frees itself within ${this.ttlMs} ms`);
      });
    };
  }

  async #renew(held: Held): Promise<void> {
    try {
      const kept = await this.#link.call('renew a slot', () => renewScript.run(this.#link.redis, [held.key], [held.token, this.ttlMs]));
      if (kept !== 1 && this.#held.has(held)) {
        clearInterval(held.timer);
        this.#logger?.warn({ key: held.key }, 'per-host limit: a slot expired while held (renewals failed for longer than its ttl); another process may take it');
      }
    } catch (err) {
      this.#logger?.warn({ err, key: held.key }, `per-host limit: renewing a slot failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Stop renewing, give back the slots still held (best effort), close an owned connection. */
  async close(): Promise<void> {
    const held = [...this.#held];
    this.#held.clear();
    for (const h of held) clearInterval(h.timer);
    if (held.length > 0) {
      await Promise.all(held.map((h) => this.#link.call('release at close', () => this.#link.redis.zrem(h.key, h.token)).catch(() => undefined)));
    }
    await this.#link.close();
  }
}

/** Telegram's overall rate and per-chat gap over every process on one Redis (see the file header). */
export class RedisSendRate {
  readonly limits: RateLimits;
  /** Burst on the overall timeline, in messages (as the local RateLimiter). */
  readonly capacity: number;
  readonly #link: RedisLink;
  readonly #globalInterval: number;

  constructor(options: RedisSendRateOptions) {
    const { limits } = options;
    if (!(limits.globalPerSecond > 0)) throw new RangeError('globalPerSecond must be positive');
    if (!(limits.perChatIntervalMs >= 0)) throw new RangeError('perChatIntervalMs must not be negative');
    if (!(limits.groupPerMinute > 0)) throw new RangeError('groupPerMinute must be positive');
    this.limits = { ...limits };
    this.capacity = Math.max(1, Math.ceil(limits.globalPerSecond / 5));
    this.#globalInterval = 1000 / limits.globalPerSecond;
    this.#link = new RedisLink(options, 'telegram send rate');
  }

  /** Ms between two sends to `chatId` (groups and channels: negative ids). */
  chatIntervalMs(chatId: number): number {
    return chatId < 0 ? Math.max(this.limits.perChatIntervalMs, 60_000 / this.limits.groupPerMinute) : this.limits.perChatIntervalMs;
  }

  #chatKey(chatId: number): string {
    return `${this.#link.prefix}tg:chat:${chatId}`;
  }

  /**
   * Reserve the next send to `chatId`; resolves with how many ms to wait before sending (0:
   * now). Waits here first while the chat itself is not ready (its gap, a block).
   */
  async reserve(chatId: number, signal?: AbortSignal): Promise<number> {
    return (await this.reserveSlot(chatId, signal)).waitMs;
  }

  /** As `reserve`, with the slot's time on Redis' clock too. */
  async reserveSlot(chatId: number, signal?: AbortSignal): Promise<SendSlot> {
    const keys = [`${this.#link.prefix}tg:global`, this.#chatKey(chatId)];
    const args = [this.#globalInterval, (this.capacity - 1) * this.#globalInterval, this.chatIntervalMs(chatId)];
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const answer = (await this.#link.call(`reserve a send to ${chatId}`, () => reserveScript.run(this.#link.redis, keys, args))) as [number, string, string];
      const at = Number(answer[1]);
      const now = Number(answer[2]);
      if (answer[0] === 1) return { waitMs: Math.max(0, at - now), at };
      // Not ready: nothing reserved; ask again once the chat is (+1 ms for rounding).
      await sleep(Math.ceil(at - now) + 1, signal);
    }
  }

  /** Telegram asked this chat to wait (429 retry_after): nothing goes to it before `untilMs` (this machine's clock). */
  async block(chatId: number, untilMs: number): Promise<void> {
    const forMs = Math.ceil(untilMs - Date.now());
    if (forMs <= 0) return;
    await this.#link.call(`block chat ${chatId}`, () => blockScript.run(this.#link.redis, [this.#chatKey(chatId)], [forMs]));
  }

  /** Close an owned connection. */
  async close(): Promise<void> {
    await this.#link.close();
  }
}
