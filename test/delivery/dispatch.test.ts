/**
 * The Dispatcher over a memory store: matching new articles to subscriptions, one delivery
 * per subscriber × story × channel, story dedupe across copies, paused subscriptions and
 * spam, digest times in the subscriber's zone (with and without DST), and recompiling when
 * subscriptions change.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { createStore } from '../../src/store/store.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { Dispatcher, nextDigestTime, storyKey } from '../../src/delivery/dispatch.js';
import type { Subscriber } from '../../src/domain/subscription.js';
import { article } from '../subscriptions/backends.js';

const NOW = new Date('2024-10-13T01:00:00Z'); // 09:00 in Shanghai
const alice: Subscriber = { kind: 'telegram', chatId: 101 };
const bob: Subscriber = { kind: 'email', address: 'Bob@Example.com' };

const 援疆 = article('a1', { title: '第七次全国科技援疆工作会议召开', text: '会议在乌鲁木齐举行。' });
const weather = article('a2', { title: '天气预报', text: '明天多云。' });

describe('Dispatcher', () => {
  let subs: SubscriptionStore;
  let outbox: Outbox;
  let dispatcher: Dispatcher;
  const make = async (alertSpam = false) => {
    const kv = await openKeyValue('memory');
    const store = createStore(kv);
    subs = new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 });
    outbox = new Outbox(kv, store, 86_400_000);
    dispatcher = new Dispatcher(subs, outbox, { timeZone: 'Asia/Shanghai', alertSpam });
  };
  beforeEach(() => make());

  it('records one delivery per matching subscriber, with every subscription of it that matched', async () => {
    const s1 = await subs.add({ subscriber: alice, query: '科技援疆', createdBy: 'cli' });
    const s2 = await subs.add({ subscriber: alice, query: 'title:会议 乌鲁木齐', createdBy: 'cli' });
    const s3 = await subs.add({ subscriber: bob, query: '援疆 OR 对口支援', createdBy: 'cli' });
    await subs.add({ subscriber: bob, query: '天气 -多云', createdBy: 'cli' });
    const out = await dispatcher.dispatch([援疆, weather], NOW);
    expect(out).toHaveLength(2);
    const story = storyKey(援疆);
    const toAlice = out.find((d) => d.channel === 'telegram')!;
    expect(toAlice).toMatchObject({
      key: `telegram:tg:101:${story}`,
      subscriberKey: 'tg:101',
      subscriber: alice,
      articleId: 'a1',
      storyKey: story,
      status: 'pending',
      attempts: 0,
      createdAt: NOW.toISOString(),
      notBefore: NOW.toISOString(),
    });
    expect(toAlice.subscriptionIds.sort()).toEqual([s1.id, s2.id].sort());
    expect(out.find((d) => d.channel === 'email')).toMatchObject({ key: `email:mail:bob@example.com:${story}`, subscriptionIds: [s3.id] });
    expect(await outbox.pendingCount('telegram')).toBe(1);
    expect(await outbox.pendingCount('email')).toBe(1);
  });

  it('alerts a story once: copies (duplicateOf) arriving later or in the same batch add nothing', async () => {
    await subs.add({ subscriber: alice, query: '援疆', createdBy: 'cli' });
    expect(await dispatcher.dispatch([援疆], NOW)).toHaveLength(1);
    const copy = article('b1', { sourceId: 'other', url: 'https://other.example.cn/x.html', title: 援疆.title, text: 援疆.text, duplicateOf: 援疆.url });
    expect(storyKey(copy)).toBe(storyKey(援疆));
    expect(await dispatcher.dispatch([copy], NOW)).toEqual([]);
    // Dispatching the same article again (a crash before it was marked seen) changes nothing.
    expect(await dispatcher.dispatch([援疆], NOW)).toEqual([]);

    const fresh = article('c1', { title: '援疆干部座谈会', url: 'https://example.gov.cn/c1.html' });
    const freshCopy = article('c2', { title: '援疆干部座谈会', url: 'https://other.example.cn/c2.html', duplicateOf: fresh.url });
    const both = await dispatcher.dispatch([fresh, freshCopy], NOW);
    expect(both.map((d) => d.articleId)).toEqual(['c1']);
    expect(await outbox.pendingCount('telegram')).toBe(2);
  });

  it('does not alert again when the earliest copy of a story arrives after a later copy was alerted', async () => {
    await subs.add({ subscriber: alice, query: '援疆', createdBy: 'cli' });
    await subs.add({ subscriber: bob, query: '援疆', createdBy: 'cli' });
    const later = article('late', { url: 'https://mirror.example.cn/late.html', title: 援疆.title });
    await dispatcher.dispatch([later], NOW);
    await outbox.dropSubscriber('email', 'mail:bob@example.com');
    // The original turns out to be earlier: the story's key moves from the copy's URL to its own.
    const original = article('orig', { url: 'https://example.gov.cn/orig.html', title: 援疆.title });
    const out = await dispatcher.dispatch([original], NOW, new Map([['orig', [later.url]]]));
    // Alice was told under the copy's key; Bob's record was dropped, so he is told now.
    expect(out.map((d) => d.subscriberKey)).toEqual(['mail:bob@example.com']);
    expect(await dispatcher.dispatch([援疆], NOW, new Map([['a1', ['https://nowhere.example.cn/x.html']]]))).toHaveLength(2);
  });

  it('skips paused subscriptions and spam-flagged articles', async () => {
    const paused = await subs.add({ subscriber: alice, query: '援疆', createdBy: 'cli' });
    await subs.update({ ...paused, paused: true, pausedReason: 'user' });
    expect(await dispatcher.dispatch([援疆], NOW)).toEqual([]);
    await subs.add({ subscriber: bob, query: '援疆', createdBy: 'cli' });
    const spam = article('s1', { title: '援疆 限时优惠 加微信', flags: ['spam'] });
    expect(await dispatcher.dispatch([spam], NOW)).toEqual([]);
    expect((await dispatcher.dispatch([援疆], NOW)).map((d) => d.subscriberKey)).toEqual(['mail:bob@example.com']);
  });

  it('lets spam alert under ALERT_SPAM', async () => {
    await make(true);
    await subs.add({ subscriber: bob, query: '援疆', createdBy: 'cli' });
    const spam = article('s1', { title: '援疆 限时优惠 加微信', flags: ['spam'] });
    expect(await dispatcher.dispatch([spam], NOW)).toHaveLength(1);
  });

  it('holds digest deliveries until the next digest time in the subscriber zone', async () => {
    await subs.add({ subscriber: alice, query: '援疆', mode: 'digest', digestAt: '08:00', createdBy: 'cli' });
    await subs.add({ subscriber: bob, query: '援疆', mode: 'digest', digestAt: '08:00', timeZone: 'America/New_York', createdBy: 'cli' });
    const out = await dispatcher.dispatch([援疆], NOW);
    // 09:00 in Shanghai (the default zone): tomorrow 08:00 +08:00.
    expect(out.find((d) => d.channel === 'telegram')?.notBefore).toBe('2024-10-14T00:00:00.000Z');
    // 21:00 the day before in New York (EDT, -04:00): 08:00 EDT.
    expect(out.find((d) => d.channel === 'email')?.notBefore).toBe('2024-10-13T12:00:00.000Z');
    expect(await outbox.due('telegram', NOW)).toEqual([]);
    expect(await outbox.due('telegram', new Date('2024-10-14T00:00:00Z'))).toHaveLength(1);
  });

  it('computes the next digest time across days and DST changes', () => {
    // Asia/Shanghai has no DST: later today, or tomorrow.
    expect(nextDigestTime('08:00', 'Asia/Shanghai', new Date('2024-10-12T23:00:00Z')).toISOString()).toBe('2024-10-13T00:00:00.000Z');
    expect(nextDigestTime('08:00', 'Asia/Shanghai', new Date('2024-10-13T00:00:00Z')).toISOString()).toBe('2024-10-14T00:00:00.000Z');
    expect(nextDigestTime('23:59', 'Asia/Shanghai', new Date('2024-12-31T16:00:00Z')).toISOString()).toBe('2025-01-01T15:59:00.000Z');
    // New York falls back on 2024-11-03 (a 25-hour day). At 00:30 EDT, 00:15 is next on the 4th, EST.
    expect(nextDigestTime('00:15', 'America/New_York', new Date('2024-11-03T04:30:00Z')).toISOString()).toBe('2024-11-04T05:15:00.000Z');
    // Before the change, 08:00 on the 3rd is already EST.
    expect(nextDigestTime('08:00', 'America/New_York', new Date('2024-11-03T04:30:00Z')).toISOString()).toBe('2024-11-03T13:00:00.000Z');
    // Spring forward on 2024-03-10: 02:30 does not exist and moves to 03:30 EDT.
    expect(nextDigestTime('02:30', 'America/New_York', new Date('2024-03-09T17:00:00Z')).toISOString()).toBe('2024-03-10T07:30:00.000Z');
    // The day after, 02:30 EDT exists again.
    expect(nextDigestTime('02:30', 'America/New_York', new Date('2024-03-10T08:00:00Z')).toISOString()).toBe('2024-03-11T06:30:00.000Z');
  });

  it('recompiles when subscriptions change', async () => {
    expect(await dispatcher.dispatch([援疆], NOW)).toEqual([]);
    const sub = await subs.add({ subscriber: alice, query: '援疆', createdBy: 'cli' });
    const first = await dispatcher.dispatch([援疆], NOW);
    expect(first).toHaveLength(1);
    await subs.update({ ...sub, query: '乌鲁木齐' });
    const other = article('a3', { title: '乌鲁木齐新闻', url: 'https://example.gov.cn/a3.html' });
    expect(await dispatcher.dispatch([other], NOW)).toHaveLength(1);
    await subs.remove(sub.id);
    const third = article('a4', { title: '乌鲁木齐援疆', url: 'https://example.gov.cn/a4.html' });
    expect(await dispatcher.deliveriesFor([third], NOW)).toEqual([]);
  });
});
