/**
 * From new articles to recorded deliveries: every active subscription is compiled into one
 * matcher (recompiled when subscriptions change); each new article is matched once; the
 * matches become one delivery per subscriber and story and channel, recorded in the outbox
 * under an idempotency key. Copies of a story share the story key (the earliest copy's URL),
 * so a chat that was told about a story is not told again when a copy arrives.
 *
 * The poll calls this before it marks an article seen: if the process dies in between,
 * the next poll records the same keys again, which changes nothing.
 */
import { createHash } from 'node:crypto';
import { storyKeyOf, type Article } from '../domain/article.js';
import type { Delivery, Subscription } from '../domain/subscription.js';
import type { SubscriptionStore } from '../subscriptions/subscription-store.js';
import { parseQuery } from '../match/query.js';
import { compileMatcher, prepareArticle, type Matcher } from '../match/matcher.js';
import { isValidTimeZone, wallTimeInZone, wallTimeToInstant } from '../normalize/zoned-time.js';
import type { Outbox } from './outbox.js';

export interface DispatchOptions {
  timeZone: string;
  /** Whether articles flagged spam may alert. */
  alertSpam: boolean;
}

interface Compiled {
  version: string;
  matcher: Matcher;
  byId: Map<string, Subscription>;
}

export function storyKey(article: Pick<Article, 'url' | 'duplicateOf'>): string {
  return createHash('sha256')
    .update(storyKeyOf(article))
    .digest('base64url')
    .slice(0, 22);
}

/**
 * The next HH:MM in `timeZone` strictly after `now`. Days are counted on the calendar, not
 * as 24 hours (a 25-hour fall-back day must not yield today again); a time skipped by a
 * spring-forward gap moves forward by the gap.
 */
export function nextDigestTime(hhmm: string, timeZone: string, now: Date): Date {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const today = wallTimeInZone(now.getTime(), timeZone);
  for (let days = 0; days < 3; days++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + days));
    const at = wallTimeToInstant({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: h, minute: m, second: 0 }, timeZone);
    if (at > now.getTime()) return new Date(at);
  }
  throw new RangeError(`nextDigestTime: no ${hhmm} after ${now.toISOString()} in ${timeZone}`);
}

export class Dispatcher {
  private compiled: Compiled | undefined;

  constructor(
    private readonly subscriptions: SubscriptionStore,
    private readonly outbox: Outbox,
    private readonly opts: DispatchOptions,
  ) {}

  /**
   * The deliveries new articles call for (not yet recorded). `earlierStoryUrls` (article id →
   * URLs) names the keys a story had before this article turned out to be its earliest copy:
   * a subscriber already told about the story under one of them is not told again.
   */
  async deliveriesFor(articles: Article[], now: Date, earlierStoryUrls?: ReadonlyMap<string, readonly string[]>): Promise<Delivery[]> {
    if (articles.length === 0) return [];
    const { matcher, byId } = await this.current();
    if (byId.size === 0) return [];
    const out = new Map<string, Delivery>();
    for (const article of articles) {
      if (article.flags.includes('spam') && !this.opts.alertSpam) continue;
      const ids = matcher.match(prepareArticle(article));
      for (const id of ids) {
        const sub = byId.get(id);
        if (!sub || sub.paused) continue;
        const channel = sub.subscriber.kind === 'telegram' ? 'telegram' : 'email';
        const story = storyKey(article);
        const key = `${channel}:${sub.subscriberKey}:${story}`;
        const existing = out.get(key);
        if (existing) {
          if (!existing.subscriptionIds.includes(id)) existing.subscriptionIds.push(id);
          continue;
        }
        const notBefore = this.notBefore(sub, now);
        out.set(key, {
          key,
          channel,
          subscriberKey: sub.subscriberKey,
          subscriber: sub.subscriber,
          subscriptionIds: [id],
          articleId: article.id,
          storyKey: story,
          status: 'pending',
          attempts: 0,
          createdAt: now.toISOString(),
          notBefore: notBefore.toISOString(),
        });
      }
    }
    const deliveries = [...out.values()];
    if (!earlierStoryUrls || earlierStoryUrls.size === 0) return deliveries;
    const earlierKeys = new Map<Delivery, string[]>();
    for (const d of deliveries) {
      const urls = earlierStoryUrls.get(d.articleId) ?? [];
      earlierKeys.set(d, urls.map((url) => `${d.channel}:${d.subscriberKey}:${storyKey({ url, duplicateOf: null })}`));
    }
    const told = await this.outbox.recorded([...earlierKeys.values()].flat());
    return deliveries.filter((d) => !earlierKeys.get(d)!.some((k) => told.has(k)));
  }

  /** Match and record; returns the deliveries that were new. */
  async dispatch(articles: Article[], now = new Date(), earlierStoryUrls?: ReadonlyMap<string, readonly string[]>): Promise<Delivery[]> {
    return this.outbox.enqueue(await this.deliveriesFor(articles, now, earlierStoryUrls));
  }

  /** When a delivery of `sub` may go: now, or its next digest time (an unusable stored zone falls back to the default one). */
  private notBefore(sub: Subscription, now: Date): Date {
    if (sub.mode !== 'digest' || !sub.digestAt) return now;
    const zone = sub.timeZone && isValidTimeZone(sub.timeZone) ? sub.timeZone : this.opts.timeZone;
    try {
      return nextDigestTime(sub.digestAt, zone, now);
    } catch {
      // A digest time that does not parse (written by an older version): deliver at once rather than never.
      return now;
    }
  }

  private async current(): Promise<Compiled> {
    const version = await this.subscriptions.version();
    if (this.compiled && this.compiled.version === version) return this.compiled;
    const subs = (await this.subscriptions.all()).filter((s) => !s.paused);
    const entries: { id: string; query: ReturnType<typeof parseQuery> }[] = [];
    for (const s of subs) {
      try {
        entries.push({ id: s.id, query: parseQuery(s.query, { maxLength: 10_000 }) });
      } catch {
        // A query that no longer parses (limits changed) matches nothing; it stays listed.
      }
    }
    this.compiled = { version, matcher: compileMatcher(entries), byId: new Map(subs.map((s) => [s.id, s])) };
    return this.compiled;
  }
}
