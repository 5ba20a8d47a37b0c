/**
 * Distributed delivery (REDIS_URL set): every delivery the outbox records is also a BullMQ
 * job, one queue per channel (`deliveries-telegram`, `deliveries-email`), whose job id is the
 * delivery's idempotency key (`:` escaped, as BullMQ reserves it). Any `tidings worker` or
 * `tidings start` process takes them; there is no single sender and no worker lease.
 *
 * - Adding: `Outbox.enqueue` hands every unfinished delivery it listed to `add` (the outbox
 *   sink), delayed until its `notBefore` (a digest time, a retry). Adding a job whose id
 *   exists is a no-op, so recording the same delivery twice adds nothing twice.
 * - The outbox record stays the truth: a job only says "look at this delivery". The job's
 *   processor reads the record; a finished one completes the job at once.
 * - One process per subscriber at a time: before sending, the processor takes the
 *   subscriber's claim in Redis (`<prefix>:claim:<channel>:<subscriberKey>`, SET NX PX,
 *   renewed while held). Under it, it sends every delivery of that subscriber now due in one
 *   go (`Outbox.dueFor`), so a chat's alerts keep their order and fold, and an address's
 *   digest is one message, whichever processes took the jobs. A job whose subscriber is
 *   claimed elsewhere waits 1–2 s (moved to delayed) and looks again: by then its delivery is
 *   usually finished by the claim's holder, and the job completes.
 * - A delivery found in `sending` under the claim was marked by a process that died (its
 *   claim expired): it is sent again (at least once, as the README's crash policy says).
 *   A worker killed mid-job loses the job's lock; BullMQ's stalled-job check gives the job
 *   to another worker.
 * - Put back (a transient failure, a 429, a digest not due yet): the job is moved to delayed
 *   until the delivery's new `notBefore`; the job keeps its id.
 * - Sweep (`sweep`, every minute in every delivery worker, and at start): a job is added
 *   again for every unfinished delivery the outbox lists (existing ones are left alone), so a
 *   delivery whose job was lost (Redis restarted without persistence, a job failed too often)
 *   is still sent; finished deliveries are unlisted from the outbox as a drain would.
 * - The Telegram overall rate and the per-chat gap are shared through Redis too
 *   (distributed/redis-limits.ts, given to the notifier as `sharedRate`).
 */
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Delivery } from '../domain/subscription.js';
import type { Channel, Outbox } from '../delivery/outbox.js';
import { unfinished } from '../delivery/outbox.js';
import type { Logger } from '../ops/logger.js';
import { redisConnection } from './poll-queue.js';

export const DELIVERY_QUEUES: Record<Channel, string> = { telegram: 'deliveries-telegram', email: 'deliveries-email' };

/** How long a subscriber's claim lives without renewal (a dead holder's claim frees itself then). */
export const CLAIM_TTL_MS = 30_000;
/** How often every delivery worker sweeps the outbox for deliveries without a job. */
export const SWEEP_EVERY_MS = 60_000;

interface DeliveryJobData {
  key: string;
}

/** The BullMQ job id of a delivery key (`:` is reserved in job ids; `%` escaped first, so it is reversible). */
export function jobIdOf(key: string): string {
  return key.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/** Adds delivery jobs (the outbox sink); one BullMQ queue per channel. */
export class DeliveryQueue {
  private readonly made = new Map<Channel, Queue<DeliveryJobData>>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The channel's queue (connected on first use, so commands that record nothing open no connection). */
  queue(channel: Channel): Queue<DeliveryJobData> {
    let q = this.made.get(channel);
    if (!q) {
      q = new Queue<DeliveryJobData>(DELIVERY_QUEUES[channel], { connection: this.connection, prefix: this.prefix });
      q.on('error', (err) => this.logger.warn({ err, channel }, `delivery queue ${channel}: ${err.message}`));
      this.made.set(channel, q);
    }
    return q;
  }

  /** One job per delivery, id = its key, delayed until its notBefore; existing jobs are left as they are. */
  async add(deliveries: Delivery[]): Promise<void> {
    const now = this.now();
    for (const channel of ['telegram', 'email'] as const) {
      const own = deliveries.filter((d) => d.channel === channel);
      if (own.length === 0) continue;
      for (let i = 0; i < own.length; i += 500) {
        await this.queue(channel).addBulk(
          own.slice(i, i + 500).map((d) => ({
            name: 'deliver',
            data: { key: d.key },
            opts: {
              jobId: jobIdOf(d.key),
              delay: Math.max(0, Date.parse(d.notBefore) - now),
              removeOnComplete: true,
              removeOnFail: true,
              attempts: 20,
              backoff: { type: 'exponential', delay: 2_000 },
            },
          })),
        );
      }
    }
  }

  /** Jobs waiting, delayed or active, per channel (for status and tests). */
  async counts(): Promise<Record<Channel, number>> {
    const count = async (q: Queue<DeliveryJobData>) => {
      const c = await q.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      return Object.values(c).reduce((a, b) => a + b, 0);
    };
    return { telegram: await count(this.queue('telegram')), email: await count(this.queue('email')) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.made.values()].map((q) => q.close()));
    this.made.clear();
  }
}

/** A subscriber claim held by this process (renewed in the background until released). */
export interface Claim {
  release(): Promise<void>;
  /** False once a renewal found the claim gone (expired and taken elsewhere). */
  readonly held: boolean;
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Subscriber claims in Redis: at most one process sends to a subscriber at a time. */
export class SubscriberClaims {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly ttlMs = CLAIM_TTL_MS,
  ) {}

  /** Take the claim on `name`, or undefined when another process holds it. */
  async tryAcquire(name: string): Promise<Claim | undefined> {
    const key = `${this.prefix}:claim:${name}`;
    const token = randomBytes(12).toString('hex');
    const ok = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
    if (ok !== 'OK') return undefined;
    let held = true;
    const timer = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, String(this.ttlMs)).then(
        (r) => {
          if (r === 0 && held) {
            held = false;
            this.logger.warn({ claim: name }, `delivery claim ${name} expired while held (this process was stalled); another process may send too`);
          }
        },
        (err: unknown) => this.logger.warn({ err, claim: name }, `delivery claim ${name}: renewing failed`),
      );
    }, Math.max(100, Math.floor(this.ttlMs / 3)));
    timer.unref();
    return {
      get held() {
        return held;
      },
      release: async () => {
        clearInterval(timer);
        held = false;
        await this.redis.eval(RELEASE, 1, key, token).catch((err: unknown) => this.logger.warn({ err, claim: name }, `delivery claim ${name}: releasing failed (it expires by itself)`));
      },
    };
  }
}

export interface DeliveryWorkerOptions {
  channel: Channel;
  redisUrl: string;
  prefix: string;
  outbox: Outbox;
  queue: DeliveryQueue;
  /** Send one subscriber's due deliveries (the notifier's `sendNow`); resolves when each is finished or put back. */
  send: (deliveries: Delivery[]) => Promise<unknown>;
  /** Jobs this process works on at once (subscribers served side by side). */
  concurrency: number;
  lockDurationMs: number;
  logger: Logger;
  /** How long a job whose subscriber is claimed elsewhere waits before it looks again (default 1–2 s). */
  busyDelayMs?: () => number;
  sweepEveryMs?: number;
  claimTtlMs?: number;
}

/** Takes one channel's delivery jobs in this process. */
export class DeliveryWorker {
  private worker: Worker<DeliveryJobData> | undefined;
  private readonly redis: Redis;
  private readonly claims: SubscriberClaims;
  /** Per subscriber, the job of this process working on it (the next waits for it). */
  private readonly serial = new Map<string, Promise<unknown>>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: DeliveryWorkerOptions) {
    this.redis = new Redis({ ...(redisConnection(opts.redisUrl) as object), maxRetriesPerRequest: 3 });
    this.redis.on('error', (err) => opts.logger.warn({ err }, `delivery claims (Redis): ${err.message}`));
    this.claims = new SubscriberClaims(this.redis, opts.prefix, opts.logger, opts.claimTtlMs);
  }

  /** Start taking jobs, and sweep now and every minute. */
  start(): void {
    if (this.worker) return;
    const o = this.opts;
    const worker = new Worker<DeliveryJobData>(DELIVERY_QUEUES[o.channel], (job, token) => this.process(job, token), {
      connection: redisConnection(o.redisUrl),
      prefix: o.prefix,
      concurrency: o.concurrency,
      lockDuration: o.lockDurationMs,
      stalledInterval: Math.max(500, Math.floor(o.lockDurationMs / 2)),
      maxStalledCount: 5,
    });
    worker.on('error', (err) => o.logger.warn({ err, channel: o.channel }, `delivery worker ${o.channel}: ${err.message}`));
    worker.on('failed', (job, err) => {
      if (err instanceof DelayedError || err.name === 'DelayedError') return;
      o.logger.error({ err, channel: o.channel, delivery: job?.data.key, attempts: job?.attemptsMade }, `delivery job failed: ${err.message}`);
    });
    this.worker = worker;
    const sweep = () => {
      this.sweeping = this.sweep().catch((err: unknown) => o.logger.warn({ err, channel: o.channel }, `delivery sweep ${o.channel} failed; trying again later`));
    };
    sweep();
    this.sweeper = setInterval(sweep, o.sweepEveryMs ?? SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  /** Add a job again for every unfinished delivery the outbox lists; returns how many are unfinished. */
  async sweep(): Promise<number> {
    const left = await this.opts.outbox.unfinishedDeliveries(this.opts.channel);
    if (left.length > 0) await this.opts.queue.add(left);
    return left.length;
  }

  /** One delivery job (public for tests). */
  async process(job: Job<DeliveryJobData>, token?: string): Promise<string> {
    const { outbox } = this.opts;
    const d = await outbox.get(job.data.key);
    if (!d || !unfinished(d)) return d?.status ?? 'gone';
    if (d.status === 'pending' && Date.parse(d.notBefore) > Date.now()) return await this.later(job, token, Date.parse(d.notBefore));
    // One job of this process per subscriber at a time (the next usually finds its delivery sent).
    const before = this.serial.get(d.subscriberKey) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(() => this.underClaim(job, token, d));
    this.serial.set(d.subscriberKey, mine);
    try {
      return await mine;
    } finally {
      if (this.serial.get(d.subscriberKey) === mine) this.serial.delete(d.subscriberKey);
    }
  }

  private async underClaim(job: Job<DeliveryJobData>, token: string | undefined, d: Delivery): Promise<string> {
    const { outbox, channel } = this.opts;
    const claim = await this.claims.tryAcquire(`${channel}:${d.subscriberKey}`);
    if (!claim) return await this.later(job, token, Date.now() + (this.opts.busyDelayMs?.() ?? 1000 + Math.floor(Math.random() * 1000)));
    try {
      const now = await outbox.get(d.key);
      if (!now || !unfinished(now)) return now?.status ?? 'gone';
      const batch = await outbox.dueFor(channel, d.subscriberKey, new Date());
      if (batch.length > 0) await this.opts.send(batch);
      const after = await outbox.get(d.key);
      if (!after || !unfinished(after)) return after?.status ?? 'gone';
      // Put back (a retry, a digest time, a chat told to wait, or this process stopping).
      return await this.later(job, token, Math.max(Date.parse(after.notBefore), Date.now() + 1000));
    } finally {
      await claim.release();
    }
  }

  /** Move the job to delayed until `at` (it keeps its id) and tell BullMQ so. */
  private async later(job: Job<DeliveryJobData>, token: string | undefined, at: number): Promise<never> {
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  }

  /** Stop taking jobs; `beforeWait` runs once no new job starts (stop the notifier there so jobs in flight end quickly). */
  async close(beforeWait?: () => Promise<void>): Promise<void> {
    clearInterval(this.sweeper);
    const closing = this.worker?.close();
    await beforeWait?.();
    await closing;
    await this.sweeping;
    this.redis.disconnect();
  }
}
