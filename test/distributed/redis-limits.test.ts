/**
 * The limits shared on Redis (src/distributed/redis-limits.ts), on the real Redis: several
 * instances with their own connections stand for several processes. Per-host slots hold
 * across instances (also through the fetcher), a dead holder's slot frees itself after the
 * ttl, an aborted waiter holds nothing; the Telegram send rate spaces the overall and per-chat
 * slots whichever instance reserves them; an unreachable Redis fails with an error naming it.
 * Each test uses its own random key prefix, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasTcp, needs } from '../helpers/services.js';
import { fetcher, rejection, serve, sleep } from '../fetch/fetch-helpers.js';
import { RedisHostGate, RedisLimitError, RedisSendRate, type RedisHostGateOptions, type RedisSendRateOptions } from '../../src/distributed/redis-limits.js';
import type { RateLimits } from '../../src/notify/telegram/rate-limiter.js';
import { FetchError } from '../../src/fetch/types.js';

const up = await hasTcp('127.0.0.1', 6379);
const REDIS_URL = 'redis://127.0.0.1:6379';

let prefix = '';
const closers: (() => Promise<unknown> | void)[] = [];
const warnings: string[] = [];
const logger = { warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? '') };

/** A connection of the test's own (closed afterwards). */
function connection(options: RedisOptions = {}): Redis {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, ...options });
  redis.on('error', () => undefined);
  closers.push(() => redis.disconnect());
  return redis;
}

function gate(options: Partial<RedisHostGateOptions> = {}): RedisHostGate {
  const g = new RedisHostGate({ redisUrl: REDIS_URL, prefix, limit: 2, logger, ...options });
  closers.push(() => g.close());
  return g;
}

const LIMITS: RateLimits = { globalPerSecond: 20, perChatIntervalMs: 1000, groupPerMinute: 20 };

function sendRate(options: Partial<RedisSendRateOptions> = {}): RedisSendRate {
  const r = new RedisSendRate({ redisUrl: REDIS_URL, prefix, limits: LIMITS, ...options });
  closers.push(() => r.close());
  return r;
}

/** A TCP port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function keysUnderPrefix(): Promise<string[]> {
  const redis = connection();
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

describe.runIf(needs('Redis on 127.0.0.1:6379', up))('limits shared on Redis', () => {
  beforeEach(() => {
    prefix = `tidings-test:limits:${randomBytes(6).toString('hex')}:`;
    warnings.length = 0;
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  describe('RedisHostGate', () => {
    it('never lets more than the limit hold one host across three instances, and every task completes', async () => {
      const gates = [gate(), gate(), gate()];
      let active = 0;
      let maxActive = 0;
      let completed = 0;
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const release = await gates[i % 3]!.acquire('news.example.org');
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(50);
          active--;
          release();
          completed++;
        }),
      );
      expect(completed).toBe(20);
      expect(maxActive).toBe(2);
      // Released slots leave nothing behind.
      await sleep(50);
      expect(await gates[0]!.holders('news.example.org')).toBe(0);
      expect(await keysUnderPrefix()).toEqual([]);
    });

    it('keeps hosts apart: a full host does not hold up another', async () => {
      const [a, b] = [gate({ limit: 1 }), gate({ limit: 1 })];
      const releaseA = await a.acquire('a.example');
      const secondA = b.acquire('a.example');
      const otherHost = b.acquire('b.example');
      expect(await settlesWithin(otherHost, 3_000)).toBe(true);
      const releaseB = await otherHost;
      expect(await settlesWithin(secondA, 300)).toBe(false);
      releaseA();
      const releaseSecond = await secondA;
      expect(await a.holders('a.example')).toBe(1);
      releaseSecond();
      releaseB();
    });

    it('an aborted waiter rejects with the reason and holds nothing; the release is idempotent', async () => {
      const [a, b] = [gate({ limit: 1 }), gate({ limit: 1 })];
      const release = await a.acquire('slow.example');
      const controller = new AbortController();
      const waiting = b.acquire('slow.example', controller.signal);
      await sleep(150);
      const reason = new Error('the poll was cancelled');
      controller.abort(reason);
      expect(await rejection(waiting)).toBe(reason);
      expect(await rejection(b.acquire('slow.example', controller.signal))).toBe(reason);
      expect(await a.holders('slow.example')).toBe(1);
      release();
      release();
      // Nothing leaked in either instance: both take the slot in turn.
      const again = await b.acquire('slow.example');
      expect(await a.holders('slow.example')).toBe(1);
      again();
      (await a.acquire('slow.example'))();
    });

    it('renews a held slot past its ttl; a holder whose process dies frees it after the ttl', async () => {
      const dying = connection();
      const a = gate({ redis: dying, redisUrl: undefined, limit: 1, ttlMs: 500 });
      const b = gate({ limit: 1, ttlMs: 500 });
      await a.acquire('crash.example');
      const waiting = b.acquire('crash.example');
      // Held three times the ttl: the renewals keep it.
      expect(await settlesWithin(waiting, 1_500)).toBe(false);
      const died = Date.now();
      dying.disconnect(); // no release, no more renewals
      expect(await settlesWithin(waiting, 10_000)).toBe(true);
      const release = await waiting;
      expect(Date.now() - died).toBeGreaterThanOrEqual(150);
      expect(await b.holders('crash.example')).toBe(1);
      release();
    });

    it('fails with an error naming Redis when Redis is unreachable (a URL and a connection that queues forever)', async () => {
      const port = await closedPort();
      const fromUrl = gate({ redisUrl: `redis://127.0.0.1:${port}`, timeoutMs: 2_000 });
      const started = Date.now();
      const err = await rejection(fromUrl.acquire('any.example'));
      expect(err).toBeInstanceOf(RedisLimitError);
      expect((err as Error).message).toMatch(new RegExp(`^per-host limit: Redis at 127\\.0\\.0\\.1:${port} `));
      expect(Date.now() - started).toBeLessThan(15_000);

      const patient = connection({ port, maxRetriesPerRequest: null });
      const fromConnection = gate({ redis: patient, redisUrl: undefined, timeoutMs: 500 });
      const err2 = await rejection(fromConnection.acquire('any.example'));
      expect(err2).toBeInstanceOf(RedisLimitError);
      expect((err2 as Error).message).toBe(`per-host limit: Redis at 127.0.0.1:${port} did not answer within 500 ms (take a slot of any.example)`);
    });
  });

  describe('the fetcher with an injected RedisHostGate', () => {
    it('two fetchers (two workers) never have more than the limit in flight to one server', async () => {
      const server = await serve((_req, res) => {
        setTimeout(() => res.end('ok'), 100);
      });
      const workers = [fetcher({ hostGate: gate() }), fetcher({ hostGate: gate() })];
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => workers[i % 2]!.fetch({ url: `${server.origin}/feed/${i}` })));
      expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
      expect(server.requests).toBe(12);
      expect(server.maxActive).toBe(2);
    });

    it('control: without the gate, the same two fetchers exceed the per-host limit together', async () => {
      const server = await serve((_req, res) => {
        setTimeout(() => res.end('ok'), 100);
      });
      const workers = [fetcher({ perHostConcurrency: 2 }), fetcher({ perHostConcurrency: 2 })];
      await Promise.all(Array.from({ length: 12 }, (_, i) => workers[i % 2]!.fetch({ url: `${server.origin}/feed/${i}` })));
      expect(server.maxActive).toBeGreaterThan(2);
    });

    it('a gate whose Redis is down fails the fetch as a network error naming Redis, without a request', async () => {
      const server = await serve((_req, res) => res.end('ok'));
      const port = await closedPort();
      const f = fetcher({ hostGate: gate({ redisUrl: `redis://127.0.0.1:${port}`, timeoutMs: 1_000 }) });
      const err = await rejection(f.fetch({ url: `${server.origin}/feed` }));
      expect(err).toBeInstanceOf(FetchError);
      expect(err).toMatchObject({ kind: 'network' });
      expect((err as Error).message).toContain(`cannot fetch ${server.origin}/feed: no per-host slot for 127.0.0.1:${server.port}: per-host limit: Redis at 127.0.0.1:${port}`);
      expect(server.requests).toBe(0);
    });
  });

  describe('RedisSendRate', () => {
    it('spaces the overall slots at the rate (with the burst) over three instances reserving for 60 chats', async () => {
      const rates = [sendRate(), sendRate(), sendRate()];
      const slots = await Promise.all(Array.from({ length: 60 }, (_, i) => rates[i % 3]!.reserveSlot(1000 + i)));
      const at = slots.map((s) => s.at).sort((x, y) => x - y);
      const interval = 1000 / LIMITS.globalPerSecond;
      const burst = rates[0]!.capacity;
      expect(burst).toBe(4);
      // In any run of n consecutive slots: at least (n - burst) intervals between the first and the last,
      // i.e. in any window of W ms at most W·rate/1000 + burst sends.
      for (let i = 0; i < at.length; i++) {
        for (let j = i + burst; j < at.length; j++) {
          expect(at[j]! - at[i]!).toBeGreaterThanOrEqual((j - i + 1 - burst) * interval - 1e-6);
        }
      }
      expect(at[59]! - at[0]!).toBeGreaterThanOrEqual((60 - burst) * interval - 1e-6);
      // …and no slower than the rate (plus generous room for a busy machine).
      expect(at[59]! - at[0]!).toBeLessThan(60 * interval + 5_000);
      expect(slots.every((s) => s.waitMs >= 0)).toBe(true);
      expect(Math.min(...slots.map((s) => s.waitMs))).toBeLessThan(interval);
      // Every key expires (idle chats vanish).
      const redis = connection();
      const keys = await keysUnderPrefix();
      expect(keys.length).toBe(61);
      for (const key of keys) {
        const ttl = await redis.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60 * interval + 6_000);
      }
    });

    it('spaces the sends to one private chat by perChatIntervalMs whichever instance reserves them', async () => {
      const rates = [sendRate(), sendRate(), sendRate()];
      const slots = await Promise.all(Array.from({ length: 5 }, (_, i) => rates[i % 3]!.reserveSlot(4242)));
      const at = slots.map((s) => s.at).sort((x, y) => x - y);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1000 - 1e-6);
    });

    it('spaces the sends to a group by 60000/groupPerMinute', async () => {
      const rates = [sendRate(), sendRate()];
      expect(rates[0]!.chatIntervalMs(-100123)).toBe(3000);
      const slots = await Promise.all(Array.from({ length: 3 }, (_, i) => rates[i % 2]!.reserveSlot(-100123)));
      const at = slots.map((s) => s.at).sort((x, y) => x - y);
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(3000 - 1e-6);
    });

    it('block() pushes the chat past the block, without holding up other chats', async () => {
      const [a, b] = [sendRate(), sendRate()];
      await a.reserve(77);
      const until = Date.now() + 2_000;
      await a.block(77, until);
      const blocked = b.reserveSlot(77);
      await sleep(100);
      const other = await a.reserveSlot(78);
      const next = await blocked;
      expect(next.at).toBeGreaterThanOrEqual(until - 5);
      // The other chat went first and soon: the blocked one did not push the overall timeline.
      expect(other.at).toBeLessThan(until - 1_000);
      expect(other.waitMs).toBeLessThan(1_000);
    });

    it('an aborted reserve rejects with the reason; an unreachable Redis fails naming it', async () => {
      const rate = sendRate();
      await rate.reserve(9);
      const controller = new AbortController();
      const waiting = rate.reserve(9, controller.signal);
      await sleep(100);
      const reason = new Error('stopping');
      controller.abort(reason);
      expect(await rejection(waiting)).toBe(reason);

      const port = await closedPort();
      const down = sendRate({ redisUrl: `redis://127.0.0.1:${port}`, timeoutMs: 1_000 });
      const err = await rejection(down.reserve(1));
      expect(err).toBeInstanceOf(RedisLimitError);
      expect((err as Error).message).toMatch(new RegExp(`^telegram send rate: Redis at 127\\.0\\.0\\.1:${port} `));
    });
  });
});
