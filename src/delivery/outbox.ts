/**
 * The outbox: every delivery (subscriber × story × channel) is recorded in the store before
 * anything is sent, under its idempotency key, and moves pending → sending → sent | failed.
 *
 * Keys: `delivery:<key>` the record (kept for the retention, then it expires);
 * `outbox:<channel>:<shard>` the keys not yet finished, in PENDING_SHARDS lists by a hash of the
 * subscriber, each edited under its own store lease (so finishing one delivery rewrites one
 * short list, not every pending key). Recording is `setIfAbsent`: a story already recorded
 * for a subscriber is never recorded twice, whatever the sources do.
 *
 * Crash policy (README "Delivery guarantee"): a delivery found in `sending` when a worker
 * starts was being sent when a process died; it is sent again (at least once). So nothing
 * matched is lost, and a duplicate is possible only for sends in flight at the crash.
 */
import { createHash } from 'node:crypto';
import type { KeyValue } from '../store/keyv-store.js';
import type { Store } from '../store/store.js';
import type { Delivery } from '../domain/subscription.js';
import { formatDuration } from '../config/interval.js';

export type Channel = Delivery['channel'];

/** Number of pending-key lists per channel. */
export const PENDING_SHARDS = 32;

/** The pending-list shard of a subscriber. */
export function shardOf(subscriberKey: string): number {
  return createHash('sha1').update(subscriberKey).digest().readUInt16BE(0) % PENDING_SHARDS;
}

/**
 * Told about every delivery `enqueue` listed as unfinished (new ones, and ones recorded before
 * but not finished), after it was recorded and listed. In distributed mode this adds one
 * BullMQ job per delivery (distributed/delivery-queue.ts); when it throws, `enqueue` throws,
 * the poll does not mark the article seen, and the next poll records the same keys again.
 */
export type OutboxSink = (deliveries: Delivery[]) => Promise<void>;

export class Outbox {
  private sink: OutboxSink | undefined;

  constructor(
    private readonly kv: KeyValue,
    private readonly store: Store,
    /** How long finished delivery records are kept (default 90 days). */
    private readonly retentionMs: number,
  ) {}

  /** Set (or clear) the sink told about listed deliveries (distributed mode). */
  setSink(sink: OutboxSink | undefined): void {
    this.sink = sink;
  }

  /** Record deliveries; returns the ones that were new (the others were recorded before). */
  async enqueue(deliveries: Delivery[]): Promise<Delivery[]> {
    const fresh: Delivery[] = [];
    // Listed as pending: the new ones, and ones recorded before but still unfinished (a
    // crash between recording and listing must not leave a delivery nobody will send).
    const unfinished: Delivery[] = [];
    for (const d of deliveries) {
      if (await this.kv.setIfAbsent(`delivery:${d.key}`, d, this.retentionMs)) {
        fresh.push(d);
        unfinished.push(d);
        continue;
      }
      const before = await this.get(d.key);
      if (before && (before.status === 'pending' || before.status === 'sending')) unfinished.push(before);
    }
    const byShard = new Map<string, { channel: Channel; shard: number; keys: string[] }>();
    for (const d of unfinished) {
      const shard = shardOf(d.subscriberKey);
      const id = `${d.channel}:${shard}`;
      let group = byShard.get(id);
      if (!group) byShard.set(id, (group = { channel: d.channel, shard, keys: [] }));
      group.keys.push(d.key);
    }
    for (const { channel, shard, keys } of byShard.values()) {
      await this.editPending(channel, shard, (current) => {
        const have = new Set(current);
        const added = keys.filter((k) => !have.has(k));
        return added.length > 0 ? [...current, ...added] : current;
      });
    }
    if (this.sink && unfinished.length > 0) await this.sink(unfinished);
    return fresh;
  }

  /** Which of these delivery keys are recorded (in any state). */
  async recorded(keys: string[]): Promise<Set<string>> {
    const values = await this.kv.getMany<Delivery>(keys.map((k) => `delivery:${k}`));
    return new Set(keys.filter((_, i) => values[i] !== undefined));
  }

  async get(key: string): Promise<Delivery | undefined> {
    return this.kv.get<Delivery>(`delivery:${key}`);
  }

  /** Keys listed in the pending shards, finished or not (finished ones are unlisted lazily by `due`). */
  private async listedKeys(channel: Channel): Promise<string[]> {
    const shards = await this.kv.getMany<string[]>(Array.from({ length: PENDING_SHARDS }, (_, i) => pendingKey(channel, i)));
    return shards.flatMap((keys) => keys ?? []);
  }

  /** Listed keys with their records (undefined: expired or dropped). */
  private async listed(channel: Channel): Promise<{ key: string; record: Delivery | undefined }[]> {
    const keys = await this.listedKeys(channel);
    const records = await this.kv.getMany<Delivery>(keys.map((k) => `delivery:${k}`));
    return keys.map((key, i) => ({ key, record: records[i] }));
  }

  /** Keys not yet sent or failed (each shard oldest first). */
  async pendingKeys(channel: Channel): Promise<string[]> {
    return (await this.listed(channel)).filter((e) => e.record && unfinished(e.record)).map((e) => e.key);
  }

  /** Number of deliveries not yet finished. */
  async pendingCount(channel: Channel): Promise<number> {
    return (await this.pendingKeys(channel)).length;
  }

  /**
   * Deliveries of a channel that may be sent now (pending and past notBefore), oldest first.
   * Finished deliveries still listed are unlisted here, one shard rewrite per drain, so that
   * marking one sent costs one record write however long the list is.
   */
  async due(channel: Channel, now: Date, limit = 1000): Promise<Delivery[]> {
    const out = (await this.unfinishedDeliveries(channel)).filter((d) => d.status === 'pending' && Date.parse(d.notBefore) <= now.getTime());
    out.sort(oldestFirst);
    return out.slice(0, limit);
  }

  /**
   * Every unfinished delivery of a channel (pending, due or not, and sending); the finished
   * ones still listed (or whose record is gone) are unlisted on the way. Distributed mode's
   * sweep re-adds a job for each (a job that exists already is left as it is).
   */
  async unfinishedDeliveries(channel: Channel): Promise<Delivery[]> {
    const out: Delivery[] = [];
    const finished = new Map<number, Set<string>>();
    for (const { key, record: d } of await this.listed(channel)) {
      if (d && unfinished(d)) {
        out.push(d);
        continue;
      }
      const shard = d ? shardOf(d.subscriberKey) : shardOfKey(key);
      finished.set(shard, (finished.get(shard) ?? new Set()).add(key));
    }
    await this.unlist(channel, finished);
    return out;
  }

  /**
   * One subscriber's deliveries to send now: pending and past notBefore, and those in
   * `sending` (the caller holds the subscriber's claim, so whoever marked them died: they are
   * sent again, at least once). Oldest first. Reads one pending shard.
   */
  async dueFor(channel: Channel, subscriberKey: string, now: Date): Promise<Delivery[]> {
    const prefix = `${channel}:${subscriberKey}:`;
    const keys = ((await this.kv.get<string[]>(pendingKey(channel, shardOf(subscriberKey)))) ?? []).filter((k) => k.startsWith(prefix));
    const records = await this.kv.getMany<Delivery>(keys.map((k) => `delivery:${k}`));
    const out = records.filter((d): d is Delivery => d !== undefined && (d.status === 'sending' || (d.status === 'pending' && Date.parse(d.notBefore) <= now.getTime())));
    out.sort(oldestFirst);
    return out;
  }

  /** After a crash: everything left in `sending` goes back to pending (sent again); finished deliveries still listed are unlisted. */
  async recoverInFlight(channel: Channel): Promise<Delivery[]> {
    const recovered: Delivery[] = [];
    for (const d of await this.unfinishedDeliveries(channel)) {
      if (d.status !== 'sending') continue;
      const back = { ...d, status: 'pending' as const };
      await this.put(back);
      recovered.push(back);
    }
    return recovered;
  }

  async markSending(d: Delivery): Promise<Delivery> {
    const next = { ...d, status: 'sending' as const, attempts: d.attempts + 1 };
    await this.put(next);
    return next;
  }

  /** Sent: one record write (the key leaves its pending list at the next `due`). */
  async markSent(d: Delivery, now = new Date()): Promise<void> {
    await this.put({ ...d, status: 'sent', sentAt: now.toISOString(), lastError: undefined });
  }

  /** Back to pending, not before `notBefore` (a rate limit, a lost lease: not a failure of the send). */
  async retryLater(d: Delivery, notBefore: Date, error: string): Promise<void> {
    await this.put({ ...d, status: 'pending', notBefore: notBefore.toISOString(), lastError: error });
  }

  /**
   * Back to pending after a transient failure, not before `notBefore`; the first such failure's
   * time is kept (`firstFailedAt`), so `retryExpired` can tell when to stop trying.
   */
  async retryAfterFailure(d: Delivery, notBefore: Date, error: string, now: Date): Promise<void> {
    await this.put({ ...d, status: 'pending', notBefore: notBefore.toISOString(), lastError: error, firstFailedAt: d.firstFailedAt ?? now.toISOString() });
  }

  async markFailed(d: Delivery, error: string): Promise<void> {
    await this.put({ ...d, status: 'failed', lastError: error });
  }

  /** Drop every unfinished delivery of a subscriber (unsubscribe all, /forget). */
  async dropSubscriber(channel: Channel, subscriberKey: string): Promise<number> {
    const shard = shardOf(subscriberKey);
    const prefix = `${channel}:${subscriberKey}:`;
    let dropped: string[] = [];
    await this.editPending(channel, shard, (current) => {
      dropped = current.filter((k) => k.startsWith(prefix));
      return current.filter((k) => !k.startsWith(prefix));
    });
    const records = await this.kv.getMany<Delivery>(dropped.map((k) => `delivery:${k}`));
    await this.kv.deleteMany(dropped.map((k) => `delivery:${k}`));
    return records.filter((d) => d && unfinished(d)).length;
  }

  private async unlist(channel: Channel, finished: Map<number, Set<string>>): Promise<void> {
    for (const [shard, keys] of finished) await this.editPending(channel, shard, (current) => current.filter((k) => !keys.has(k)));
  }

  private async put(d: Delivery): Promise<void> {
    await this.kv.set(`delivery:${d.key}`, d, this.retentionMs);
  }

  private async editPending(channel: Channel, shard: number, edit: (keys: string[]) => string[]): Promise<void> {
    const key = pendingKey(channel, shard);
    await this.store.withLock(key, 10_000, async () => {
      const current = (await this.kv.get<string[]>(key)) ?? [];
      await this.kv.set(key, edit(current));
    });
  }
}

/** Recording order: oldest first, ties by key. */
function oldestFirst(a: Delivery, b: Delivery): number {
  return a.createdAt.localeCompare(b.createdAt) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Pending or sending: not yet sent or failed. */
export function unfinished(d: Delivery): boolean {
  return d.status === 'pending' || d.status === 'sending';
}

/** The shard of a listed key `<channel>:<subscriberKey>:<storyKey>` whose record is gone. */
function shardOfKey(key: string): number {
  const first = key.indexOf(':');
  const last = key.lastIndexOf(':');
  return shardOf(key.slice(first + 1, last));
}

function pendingKey(channel: Channel, shard: number): string {
  return `outbox:${channel}:${shard}`;
}

/**
 * Whether a delivery that failed again at `now` has been failing for `retryForMs` or longer
 * (since its first transient failure; a delivery failing for the first time has not).
 */
export function retryExpired(d: Pick<Delivery, 'firstFailedAt'>, now: number, retryForMs: number): boolean {
  if (!d.firstFailedAt) return false;
  const first = Date.parse(d.firstFailedAt);
  return Number.isFinite(first) && now - first >= retryForMs;
}

/** The error a delivery given up by `retryExpired` is failed with (both channels). */
export function expiredError(d: Pick<Delivery, 'attempts'>, retryForMs: number, lastFailure: string): string {
  return `given up after ${formatDuration(retryForMs)} of failed attempts (${d.attempts}); last: ${lastFailure}`;
}
