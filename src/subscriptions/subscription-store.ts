/**
 * Subscriptions in the store.
 *
 * Keys: `sub:<id>` the subscription; `subs:of:<subscriberKey>` the ids of one chat or
 * address; `subs:all` every id; `subs:token:<token>` → subscription id (private feeds);
 * `subs:chat-token:<subscriberKey>` / `subs:token-chat:<token>` the one token a chat or
 * address has for all its subscriptions together; `subs:version` changes on every edit (the
 * matcher is recompiled when it does). The id lists are edited under a store lease, since
 * the bot, the CLI and the web page may write at once.
 */
import { randomBytes } from 'node:crypto';
import type { KeyValue } from '../store/keyv-store.js';
import type { Store } from '../store/store.js';
import { hashtagChars, subscriberKey, type DisplayScript, type Subscriber, type Subscription } from '../domain/subscription.js';
import { parseQuery } from '../match/query.js';
import { isValidTimeZone } from '../normalize/zoned-time.js';

type QueryLimits = NonNullable<Parameters<typeof parseQuery>[1]>;

export class SubscriptionLimitError extends Error {
  override readonly name = 'SubscriptionLimitError';
  constructor(
    message: string,
    readonly count: number,
    readonly limit: number,
  ) {
    super(message);
  }
}

/** A subscription field with a value that cannot work (`field` names it: digestAt, timeZone, chatId, address, …). */
export class SubscriptionInputError extends Error {
  override readonly name = 'SubscriptionInputError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** A plain address: something@host.tld, no spaces, no angle brackets, at most 254 characters. */
const EMAIL = /^[^\s@<>(),;:"\\]+@[^\s@<>(),;:"\\]+\.[^\s@<>(),;:"\\.]+$/;

/** Throws SubscriptionInputError when a chat id or address cannot be a subscriber. */
export function validateSubscriber(s: Subscriber): void {
  if (s.kind === 'telegram') {
    if (!Number.isSafeInteger(s.chatId) || s.chatId === 0) throw new SubscriptionInputError(`chat id ${String(s.chatId)}: expected a non-zero integer Telegram chat id (groups are negative)`, 'chatId');
  } else if (s.address.length > 254 || !EMAIL.test(s.address)) {
    throw new SubscriptionInputError(`address ${JSON.stringify(s.address)}: expected an email address like name@example.com`, 'address');
  }
}

/** Throws SubscriptionInputError unless `hhmm` is a time of day HH:MM (00:00–23:59). */
export function validateDigestAt(hhmm: string): void {
  if (!HHMM.test(hhmm)) throw new SubscriptionInputError(`digest time ${JSON.stringify(hhmm)}: expected HH:MM between 00:00 and 23:59`, 'digestAt');
}

/** `daily@8:00` or `daily@08:00` → `08:00`; undefined for anything else or a time outside 00:00–23:59 (the CLI's --digest, a subscriptions file's digest:). */
export function parseDailyDigest(text: string): string | undefined {
  const m = /^daily@(\d{1,2}):(\d{2})$/.exec(text.trim());
  const hhmm = m ? `${m[1]!.padStart(2, '0')}:${m[2]}` : '';
  return HHMM.test(hhmm) ? hhmm : undefined;
}

/** Throws SubscriptionInputError unless `zone` is an IANA time zone this runtime knows. */
export function validateTimeZone(zone: string): void {
  if (!isValidTimeZone(zone)) throw new SubscriptionInputError(`time zone ${JSON.stringify(zone)}: expected an IANA zone name like Asia/Shanghai`, 'timeZone');
}

/** Longest display name of a subscription, in characters. */
export const SUBSCRIPTION_NAME_MAX = 64;
/** Longest hashtag line (`#a #b`), in characters (as RSS-to-Telegram-Bot allows). */
export const HASHTAGS_MAX = 255;

/**
 * A display name as typed, made one clean line (control characters dropped, spaces folded),
 * or undefined when nothing is left (the name is cleared). SubscriptionInputError when longer
 * than SUBSCRIPTION_NAME_MAX.
 */
export function normalizeSubscriptionName(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const name = text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/g, ' ').replace(/\s+/g, ' ').trim();
  if (name === '') return undefined;
  const length = [...name].length;
  if (length > SUBSCRIPTION_NAME_MAX) throw new SubscriptionInputError(`name ${JSON.stringify(name)}: expected at most ${SUBSCRIPTION_NAME_MAX} characters, got ${length}`, 'name');
  return name;
}

/**
 * Hashtags as typed (`#芯片 #半导体`, `芯片, 半导体`, `芯片、半导体`): split at spaces, commas and
 * 、，(a list: one tag per item); a leading `#` dropped; any character that is not a letter, digit or `_` (Telegram ends
 * a hashtag there) becomes `_`, runs of `_` fold into one; a tag of digits alone gets a `_`
 * in front (Telegram does not link `#2024`); duplicates dropped. An empty list clears them.
 * SubscriptionInputError when `#a #b …` would be longer than HASHTAGS_MAX.
 */
export function normalizeHashtags(input: string | readonly string[]): string[] {
  // A string is split into tags; a list's items are one tag each (their spaces become `_`).
  const parts = typeof input === 'string' ? input.split(/[\s,，、;；]+/u) : input;
  const out: string[] = [];
  for (const part of parts) {
    let tag = hashtagChars(part);
    if (tag === '') continue;
    if (/^\p{N}+$/u.test(tag)) tag = `_${tag}`;
    if (!out.includes(tag)) out.push(tag);
  }
  const line = out.map((t) => `#${t}`).join(' ');
  if ([...line].length > HASHTAGS_MAX) throw new SubscriptionInputError(`hashtags: expected at most ${HASHTAGS_MAX} characters written as #a #b, got ${[...line].length}`, 'hashtags');
  return out;
}

export interface NewSubscription {
  subscriber: Subscriber;
  query: string;
  /** Display name (normalizeSubscriptionName). */
  name?: string;
  /** Hashtags (normalizeHashtags). */
  hashtags?: string | readonly string[];
  mode?: 'instant' | 'digest';
  digestAt?: string;
  timeZone?: string;
  script?: DisplayScript;
  createdBy: string;
  /** Created paused for this reason (e.g. `unconfirmed`: held until a double opt-in link is followed). */
  pausedReason?: string;
}

export interface SubscriptionLimits extends QueryLimits {
  /** Subscriptions one chat or address may have (default 50). */
  perSubscriber: number;
}

function token(): string {
  return randomBytes(18).toString('base64url');
}

export class SubscriptionStore {
  constructor(
    private readonly kv: KeyValue,
    private readonly store: Store,
    private readonly limits: SubscriptionLimits,
  ) {}

  /**
   * Validates the query (QueryError), the subscriber, digest time and zone
   * (SubscriptionInputError) and the per-subscriber cap (SubscriptionLimitError). The same
   * query twice for one subscriber returns the subscription it already has (also at the cap).
   */
  async add(input: NewSubscription, now = new Date()): Promise<Subscription> {
    parseQuery(input.query, this.limits);
    validateSubscriber(input.subscriber);
    if (input.digestAt !== undefined) validateDigestAt(input.digestAt);
    if (input.timeZone !== undefined) validateTimeZone(input.timeZone);
    if (input.mode === 'digest' && input.digestAt === undefined) throw new SubscriptionInputError('a digest subscription needs a digest time (HH:MM)', 'digestAt');
    const name = normalizeSubscriptionName(input.name);
    const hashtags = input.hashtags === undefined ? [] : normalizeHashtags(input.hashtags);
    const key = subscriberKey(input.subscriber);
    return this.store.withLock(`subs:${key}`, 5000, async () => {
      const ids = await this.idsOf(key);
      const existing = (await this.getMany(ids)).find((s) => s.query.trim() === input.query.trim());
      if (existing) return existing;
      if (ids.length >= this.limits.perSubscriber) {
        throw new SubscriptionLimitError(`at most ${this.limits.perSubscriber} subscriptions per chat or address (${ids.length}/${this.limits.perSubscriber})`, ids.length, this.limits.perSubscriber);
      }
      const sub: Subscription = {
        id: randomBytes(6).toString('base64url').replace(/[-_]/g, 'x'),
        subscriber: input.subscriber,
        subscriberKey: key,
        query: input.query.trim(),
        mode: input.mode ?? 'instant',
        digestAt: input.digestAt,
        timeZone: input.timeZone,
        script: input.script ?? 'original',
        paused: input.pausedReason !== undefined,
        pausedReason: input.pausedReason,
        createdBy: input.createdBy,
        createdAt: now.toISOString(),
        feedToken: token(),
        ...(name !== undefined ? { name } : {}),
        ...(hashtags.length > 0 ? { hashtags } : {}),
      };
      await this.kv.set(`sub:${sub.id}`, sub);
      await this.kv.set(`subs:token:${sub.feedToken}`, sub.id);
      await this.kv.set(`subs:of:${key}`, [...ids, sub.id]);
      await this.editAll((all) => [...all, sub.id]);
      return sub;
    });
  }

  async get(id: string): Promise<Subscription | undefined> {
    return this.kv.get<Subscription>(`sub:${id}`);
  }

  async getMany(ids: string[]): Promise<Subscription[]> {
    return (await this.kv.getMany<Subscription>(ids.map((id) => `sub:${id}`))).filter((s): s is Subscription => s !== undefined);
  }

  async idsOf(key: string): Promise<string[]> {
    return (await this.kv.get<string[]>(`subs:of:${key}`)) ?? [];
  }

  async listOf(subscriber: Subscriber | string): Promise<Subscription[]> {
    const key = typeof subscriber === 'string' ? subscriber : subscriberKey(subscriber);
    return this.getMany(await this.idsOf(key));
  }

  async all(): Promise<Subscription[]> {
    return this.getMany((await this.kv.get<string[]>('subs:all')) ?? []);
  }

  async byToken(feedToken: string): Promise<Subscription | undefined> {
    const id = await this.kv.get<string>(`subs:token:${feedToken}`);
    return id ? this.get(id) : undefined;
  }

  /** The one token of a chat or address for all its subscriptions together. */
  async subscriberToken(key: string): Promise<string> {
    const existing = await this.kv.get<string>(`subs:chat-token:${key}`);
    if (existing) return existing;
    // The reverse mapping first: a crash between the two writes must not leave a token
    // handed out that resolves to nobody.
    const fresh = token();
    await this.kv.set(`subs:token-chat:${fresh}`, key);
    if (await this.kv.setIfAbsent(`subs:chat-token:${key}`, fresh)) return fresh;
    await this.kv.delete(`subs:token-chat:${fresh}`);
    return (await this.kv.get<string>(`subs:chat-token:${key}`))!;
  }

  async subscriberByToken(feedToken: string): Promise<string | undefined> {
    return this.kv.get<string>(`subs:token-chat:${feedToken}`);
  }

  /** Remove one subscription; only its owner (the same subscriber key) may. */
  async remove(id: string, ownerKey?: string): Promise<Subscription | undefined> {
    const sub = await this.get(id);
    if (!sub || (ownerKey !== undefined && sub.subscriberKey !== ownerKey)) return undefined;
    await this.store.withLock(`subs:${sub.subscriberKey}`, 5000, async () => {
      const ids = await this.idsOf(sub.subscriberKey);
      await this.kv.set(`subs:of:${sub.subscriberKey}`, ids.filter((x) => x !== id));
      await this.kv.delete(`sub:${id}`);
      await this.kv.delete(`subs:token:${sub.feedToken}`);
      await this.editAll((all) => all.filter((x) => x !== id));
    });
    return sub;
  }

  /** Remove everything kept about a chat or address (subscriptions, tokens). */
  async forget(key: string): Promise<number> {
    const subs = await this.listOf(key);
    for (const s of subs) await this.remove(s.id);
    const chatToken = await this.kv.get<string>(`subs:chat-token:${key}`);
    if (chatToken) await this.kv.deleteMany([`subs:chat-token:${key}`, `subs:token-chat:${chatToken}`]);
    await this.kv.delete(`subs:of:${key}`);
    return subs.length;
  }

  /** Apply a change to every subscription of a subscriber (pause, resume, digest, script). */
  async updateAllOf(key: string, change: (s: Subscription) => Subscription): Promise<Subscription[]> {
    const out = await this.store.withLock(`subs:${key}`, 5000, async () => {
      const changed = (await this.listOf(key)).map(change);
      for (const s of changed) await this.kv.set(`sub:${s.id}`, s);
      return changed;
    });
    await this.bump();
    return out;
  }

  /**
   * Set or clear a subscription's display name and hashtags, read fresh under the
   * subscriber's lease: a field left undefined stays as it is, '' (or an empty list) clears it.
   * Returns the subscription as written, or undefined when `id` is not one of `key`'s.
   * SubscriptionInputError (nothing written) for a name or hashtags that cannot be.
   */
  async relabel(id: string, key: string, change: { name?: string; hashtags?: string | readonly string[] }): Promise<Subscription | undefined> {
    const name = change.name === undefined ? undefined : (normalizeSubscriptionName(change.name) ?? '');
    const hashtags = change.hashtags === undefined ? undefined : normalizeHashtags(change.hashtags);
    const written = await this.store.withLock(`subs:${key}`, 5000, async () => {
      const current = await this.get(id);
      if (!current || current.subscriberKey !== key) return undefined;
      const next: Subscription = { ...current };
      if (name === '') delete next.name;
      else if (name !== undefined) next.name = name;
      if (hashtags !== undefined && hashtags.length === 0) delete next.hashtags;
      else if (hashtags !== undefined) next.hashtags = hashtags;
      await this.kv.set(`sub:${id}`, next);
      return next;
    });
    if (written) await this.bump();
    return written;
  }

  /**
   * Write a changed subscription. False (and nothing written) when it was removed meanwhile:
   * a late pause or edit must not bring back a subscription that is gone.
   */
  async update(sub: Subscription): Promise<boolean> {
    const written = await this.store.withLock(`subs:${sub.subscriberKey}`, 5000, async () => {
      if ((await this.get(sub.id)) === undefined) return false;
      await this.kv.set(`sub:${sub.id}`, sub);
      return true;
    });
    if (written) await this.bump();
    return written;
  }

  /**
   * Remove subscriptions still waiting for their double opt-in (paused `unconfirmed`) that
   * were created before `cutoff`: their confirmation links have expired. Returns how many.
   */
  async removeUnconfirmed(cutoff: Date): Promise<number> {
    let n = 0;
    for (const s of await this.all()) {
      if (s.paused && s.pausedReason === 'unconfirmed' && Date.parse(s.createdAt) < cutoff.getTime()) {
        if (await this.remove(s.id)) n++;
      }
    }
    return n;
  }

  /** Changes whenever any subscription changes (matchers recompile on it). */
  async version(): Promise<string> {
    return (await this.kv.get<string>('subs:version')) ?? '0';
  }

  private async bump(): Promise<void> {
    await this.kv.set('subs:version', `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  }

  private async editAll(edit: (ids: string[]) => string[]): Promise<void> {
    await this.store.withLock('subs:all', 5000, async () => {
      const all = (await this.kv.get<string[]>('subs:all')) ?? [];
      await this.kv.set('subs:all', edit(all));
    });
    await this.bump();
  }
}
