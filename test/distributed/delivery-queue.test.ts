/**
 * Delivery jobs on the real Redis (issue 7): the outbox adds one BullMQ job per delivery
 * (job id = its idempotency key), several delivery workers (as several processes would run)
 * take them, and each delivery is sent once, one subscriber by one process at a time; put
 * back, digests, dead senders, lost jobs and the real Telegram notifier against the Bot API
 * double.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/delivery/outbox.js';
import type { Delivery, Subscription } from '../../src/domain/subscription.js';
import { DeliveryQueue, DeliveryWorker, SubscriberClaims, jobIdOf } from '../../src/distributed/delivery-queue.js';
import { redisConnection } from '../../src/distributed/poll-queue.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { openKeyValue, type KeyValue } from '../../src/store/keyv-store.js';
import { createStore, type Store } from '../../src/store/store.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { ChatPrefs } from '../../src/notify/telegram/chat-prefs.js';
import { createTelegramApi, TelegramNotifier } from '../../src/notify/telegram/telegram-notifier.js';
import { RedisSendRate } from '../../src/distributed/redis-limits.js';
import type { RateLimits } from '../../src/notify/telegram/rate-limiter.js';
import { hasTcp, needs } from '../helpers/services.js';
import { startFakeBotApi, type FakeBotApi } from '../helpers/fake-bot-api.js';
import { storedArticle } from '../helpers/articles.js';

const redisUp = await hasTcp('127.0.0.1', 6379);
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('delivery job ids', () => {
  it('are the delivery key with ":" escaped, reversibly', () => {
    expect(jobIdOf('telegram:tg:42:abc')).toBe('telegram%3Atg%3A42%3Aabc');
    expect(jobIdOf('email:mail:a%b@x.org:k')).toBe('email%3Amail%3Aa%25b@x.org%3Ak');
    expect(decodeURIComponent(jobIdOf('email:mail:a%b@x.org:k'))).toBe('email:mail:a%b@x.org:k');
  });
});

describe.runIf(needs('Redis on 127.0.0.1:6379', redisUp))('delivery jobs on BullMQ (real Redis)', () => {
  let prefix: string;
  let kv: KeyValue;
  let store: Store;
  let outbox: Outbox;
  let queue: DeliveryQueue;
  const workers: DeliveryWorker[] = [];
  const admin = redisUp ? new Redis(REDIS_URL, { lazyConnect: true }) : undefined;

  beforeEach(async () => {
    prefix = `tidings-dq-${process.pid}-${randomBytes(4).toString('hex')}`;
    kv = await openKeyValue('memory');
    store = createStore(kv);
    outbox = new Outbox(kv, store, 86_400_000);
    queue = new DeliveryQueue(redisConnection(REDIS_URL), prefix, silentLogger());
    outbox.setSink((ds) => queue.add(ds));
  });

  afterEach(async () => {
    for (const w of workers.splice(0)) await w.close();
    await queue.close();
    await store.close();
    const keys = await admin!.keys(`${prefix}*`);
    if (keys.length > 0) await admin!.del(...keys);
  });

  afterAll(() => admin?.disconnect());

  function delivery(subscriberKey: string, n: number, over: Partial<Delivery> = {}): Delivery {
    const at = new Date(Date.now() - 60_000 + n).toISOString();
    return {
      key: `email:${subscriberKey}:story-${n}`,
      channel: 'email',
      subscriberKey,
      subscriber: { kind: 'email', address: `${subscriberKey.slice(5)}@example.org` },
      subscriptionIds: ['s'],
      articleId: `a${n}`,
      storyKey: `story-${n}`,
      status: 'pending',
      attempts: 0,
      createdAt: at,
      notBefore: at,
      ...over,
    };
  }

  interface Sent {
    key: string;
    by: number;
  }

  /** A sender as a notifier is: marks sending, "sends", marks sent; tracks overlap per subscriber. */
  function fakeSender(id: number, sent: Sent[], overlaps: string[], busy: Map<string, number>, opts: { putBackOnce?: Set<string>; delayMs?: number } = {}) {
    return async (batch: Delivery[]) => {
      const sub = batch[0]!.subscriberKey;
      busy.set(sub, (busy.get(sub) ?? 0) + 1);
      if (busy.get(sub)! > 1) overlaps.push(sub);
      try {
        for (const d of batch) {
          const marked = await outbox.markSending(d);
          await sleep(opts.delayMs ?? 5);
          if (opts.putBackOnce?.delete(d.key)) {
            await outbox.retryLater(marked, new Date(Date.now() + 300), 'transient');
            continue;
          }
          sent.push({ key: d.key, by: id });
          await outbox.markSent(marked);
        }
      } finally {
        busy.set(sub, busy.get(sub)! - 1);
      }
    };
  }

  function worker(id: number, send: (batch: Delivery[]) => Promise<unknown>, over: Partial<ConstructorParameters<typeof DeliveryWorker>[0]> = {}): DeliveryWorker {
    const w = new DeliveryWorker({
      channel: 'email',
      redisUrl: REDIS_URL,
      prefix,
      outbox,
      queue,
      send,
      concurrency: 8,
      lockDurationMs: 5_000,
      logger: silentLogger(),
      busyDelayMs: () => 100 + Math.floor(Math.random() * 100),
      ...over,
    });
    w.start();
    workers.push(w);
    return w;
  }

  async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  it('recording adds one job per delivery, id = its key; recording again adds nothing', async () => {
    const ds = [delivery('mail:a', 1), delivery('mail:a', 2), delivery('mail:b', 3)];
    await outbox.enqueue(ds);
    await outbox.enqueue(ds);
    const q = queue.queue('email');
    const jobs = await q.getJobs(['waiting', 'delayed']);
    expect(jobs.map((j) => j.id).sort()).toEqual(ds.map((d) => jobIdOf(d.key)).sort());
    expect((await queue.counts()).email).toBe(3);
  });

  it('three workers: 60 deliveries to 6 subscribers each sent exactly once, never two processes on one subscriber at once', { timeout: 30_000 }, async () => {
    const sent: Sent[] = [];
    const overlaps: string[] = [];
    const busy = new Map<string, number>();
    for (let i = 0; i < 3; i++) worker(i, fakeSender(i, sent, overlaps, busy, { delayMs: 10 }));
    const ds = Array.from({ length: 60 }, (_, n) => delivery(`mail:r${n % 6}`, n));
    await outbox.enqueue(ds);
    await until('all sent', async () => (await Promise.all(ds.map((d) => outbox.get(d.key)))).every((d) => d?.status === 'sent'));
    await until('the queue to empty', async () => (await queue.counts()).email === 0);
    expect(sent).toHaveLength(60);
    expect(new Set(sent.map((s) => s.key)).size).toBe(60);
    expect(overlaps).toEqual([]);
    // Each subscriber's deliveries went out in recording order.
    for (let r = 0; r < 6; r++) {
      const own = sent.filter((s) => s.key.startsWith(`email:mail:r${r}:`)).map((s) => Number(s.key.split('-').pop()));
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }
  });

  it('a delivery put back (transient failure) waits as a delayed job with the same id, then is sent once', { timeout: 20_000 }, async () => {
    const sent: Sent[] = [];
    const d = delivery('mail:x', 1);
    worker(0, fakeSender(0, sent, [], new Map(), { putBackOnce: new Set([d.key]) }));
    await outbox.enqueue([d]);
    await until('put back', async () => (await outbox.get(d.key))?.lastError === 'transient');
    const job = await queue.queue('email').getJob(jobIdOf(d.key));
    expect(job).toBeDefined();
    await until('sent', async () => (await outbox.get(d.key))?.status === 'sent');
    expect(sent.map((s) => s.key)).toEqual([d.key]);
  });

  it('a digest delivery waits until its time, then everything due for the address goes in one batch', { timeout: 20_000 }, async () => {
    const batches: string[][] = [];
    const at = new Date(Date.now() + 1500).toISOString();
    const ds = [1, 2, 3].map((n) => delivery('mail:d', n, { notBefore: at }));
    worker(0, async (batch) => {
      batches.push(batch.map((b) => b.key));
      for (const b of batch) await outbox.markSent(await outbox.markSending(b));
    });
    worker(1, async (batch) => {
      batches.push(batch.map((b) => b.key));
      for (const b of batch) await outbox.markSent(await outbox.markSending(b));
    });
    await outbox.enqueue(ds);
    expect((await queue.queue('email').getJobs(['delayed'])).length).toBe(3);
    await sleep(800);
    expect(batches).toEqual([]);
    await until('sent', async () => (await Promise.all(ds.map((d) => outbox.get(d.key)))).every((d) => d?.status === 'sent'));
    expect(batches).toEqual([ds.map((d) => d.key)]);
  });

  it('a subscriber claimed by another process waits; a delivery left sending by a dead one is sent again', { timeout: 20_000 }, async () => {
    const sent: Sent[] = [];
    const d = delivery('mail:c', 1);
    // Another process holds the claim and has marked the delivery sending.
    const other = new Redis(REDIS_URL);
    const claims = new SubscriberClaims(other, prefix, silentLogger(), 1_000);
    const held = await claims.tryAcquire('email:mail:c');
    expect(held).toBeDefined();
    await outbox.enqueue([d]);
    await outbox.markSending((await outbox.get(d.key))!);
    worker(0, fakeSender(0, sent, [], new Map()));
    await sleep(1000);
    expect(sent).toEqual([]); // its holder is alive (renewing): not sent twice
    // It dies: no more renewals; the claim expires, the delivery is sent again.
    other.disconnect();
    await until('sent by the survivor', async () => (await outbox.get(d.key))?.status === 'sent', 10_000);
    expect(sent.map((s) => s.key)).toEqual([d.key]);
  });

  it('the sweep re-adds a job for a delivery whose job was lost, and unlists finished ones', { timeout: 20_000 }, async () => {
    const sent: Sent[] = [];
    const ds = [delivery('mail:s', 1), delivery('mail:s', 2)];
    await outbox.enqueue(ds);
    await queue.queue('email').obliterate({ force: true }); // Redis lost its jobs
    expect((await queue.counts()).email).toBe(0);
    worker(0, fakeSender(0, sent, [], new Map()), { sweepEveryMs: 60_000 });
    await until('sent', async () => (await Promise.all(ds.map((d) => outbox.get(d.key)))).every((d) => d?.status === 'sent'));
    expect(sent.map((s) => s.key).sort()).toEqual(ds.map((d) => d.key).sort());
    expect(await workers[0]!.sweep()).toBe(0);
    expect(await outbox.pendingCount('email')).toBe(0);
  });

  describe('with the real Telegram notifier and the Bot API double', () => {
    let bot: FakeBotApi;
    beforeEach(async () => {
      bot = await startFakeBotApi();
    });
    afterEach(async () => {
      await bot.close();
    });

    /** A Telegram notifier as one process would have (its own API client and prefs cache). */
    function notifierOf(subs: SubscriptionStore, limits: RateLimits, sharedRate?: RedisSendRate): TelegramNotifier {
      return new TelegramNotifier({
        api: createTelegramApi('123:test', bot.url),
        outbox,
        subscriptions: subs,
        store,
        sourceName: (id) => id,
        chatPrefs: new ChatPrefs(kv),
        limits,
        logger: silentLogger(),
        metrics: createMetrics({ defaultMetrics: false }),
        timeZone: 'Asia/Shanghai',
        foldThreshold: 3,
        ...(sharedRate ? { sharedRate } : {}),
      });
    }

    it('two processes: 4 chats × 5 alerts, each story sent once; a chat with more than the fold threshold waiting gets one folded message', { timeout: 30_000 }, async () => {
      const subs = new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 });
      const notifiers: TelegramNotifier[] = [];
      for (let p = 0; p < 2; p++) {
        const n = notifierOf(subs, { globalPerSecond: 30, perChatIntervalMs: 1000, groupPerMinute: 20 });
        notifiers.push(n);
        worker(p, (batch) => n.sendNow(batch), { channel: 'telegram', concurrency: 16 });
      }
      const ds: Delivery[] = [];
      let n = 0;
      for (const chatId of [101, 102, 103, 104]) {
        const sub: Subscription = await subs.add({ subscriber: { kind: 'telegram', chatId }, query: '长三角', createdBy: 'test' });
        for (let i = 0; i < 5; i++) {
          const id = `c${chatId}-${i}`;
          await store.putArticle(storedArticle({ id, sourceId: 'src', url: `https://news.example.gov.cn/${id}.html`, title: `长三角 ${id}` }));
          const at = new Date(Date.now() - 60_000 + n++).toISOString();
          ds.push({
            key: `telegram:${sub.subscriberKey}:story-${id}`, channel: 'telegram', subscriberKey: sub.subscriberKey, subscriber: { kind: 'telegram', chatId },
            subscriptionIds: [sub.id], articleId: id, storyKey: `story-${id}`, status: 'pending', attempts: 0, createdAt: at, notBefore: at,
          });
        }
      }
      await outbox.enqueue(ds);
      await until('all sent', async () => (await Promise.all(ds.map((d) => outbox.get(d.key)))).every((d) => d?.status === 'sent'), 25_000);
      const texts = bot.sent.map((c) => ({ chat: Number(c.params.chat_id), text: String(c.params.text) }));
      for (const d of ds) {
        const chat = d.subscriber.kind === 'telegram' ? d.subscriber.chatId : 0;
        const hits = texts.filter((t) => t.chat === chat && t.text.includes(`${d.articleId}.html`)).length;
        expect(hits, d.articleId).toBe(1);
      }
      // Per chat: at most 5 messages, at least 1 s apart.
      for (const chatId of [101, 102, 103, 104]) {
        const times = bot.sent.filter((c) => Number(c.params.chat_id) === chatId).map((c) => c.at);
        expect(times.length).toBeLessThanOrEqual(5);
        for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(950);
      }
      for (const nt of notifiers) await nt.stop();
    });

    it('three processes sharing the Redis rate: 60 chats at 20/s overall, never above the rate (+ burst) in any second', { timeout: 30_000 }, async () => {
      const subs = new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 });
      const limits = { globalPerSecond: 20, perChatIntervalMs: 1000, groupPerMinute: 20 };
      const rates: RedisSendRate[] = [];
      const notifiers: TelegramNotifier[] = [];
      for (let p = 0; p < 3; p++) {
        const shared = new RedisSendRate({ redisUrl: REDIS_URL, prefix: `${prefix}:limits:`, limits });
        rates.push(shared);
        // Each process alone would allow the whole rate: only the shared limiter keeps the sum.
        const n = notifierOf(subs, limits, shared);
        notifiers.push(n);
        worker(p, (batch) => n.sendNow(batch), { channel: 'telegram', concurrency: 32 });
      }
      const ds: Delivery[] = [];
      for (let c = 0; c < 60; c++) {
        const chatId = 9000 + c;
        const sub: Subscription = await subs.add({ subscriber: { kind: 'telegram', chatId }, query: '长三角', createdBy: 'test' });
        const id = `r${c}`;
        await store.putArticle(storedArticle({ id, sourceId: 'src', url: `https://news.example.gov.cn/${id}.html`, title: `长三角 ${id}` }));
        const at = new Date(Date.now() - 60_000 + c).toISOString();
        ds.push({
          key: `telegram:${sub.subscriberKey}:story-${id}`, channel: 'telegram', subscriberKey: sub.subscriberKey, subscriber: { kind: 'telegram', chatId },
          subscriptionIds: [sub.id], articleId: id, storyKey: `story-${id}`, status: 'pending', attempts: 0, createdAt: at, notBefore: at,
        });
      }
      await outbox.enqueue(ds);
      await until('all sent', async () => (await Promise.all(ds.map((d) => outbox.get(d.key)))).every((d) => d?.status === 'sent'), 25_000);
      const times = bot.sent.map((c) => c.at).sort((a, b) => a - b);
      expect(times).toHaveLength(60);
      // In any window of 1 s at most 20 + the burst (4) arrivals, with 2 of slack for loopback bunching.
      for (let i = 0; i < times.length; i++) {
        const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length;
        expect(inWindow, `window from send ${i}`).toBeLessThanOrEqual(26);
      }
      // And it did not crawl: 60 sends at 20/s take about 3 s.
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(2000);
      for (const nt of notifiers) await nt.stop();
      for (const r of rates) await r.close();
    });
  });
});
