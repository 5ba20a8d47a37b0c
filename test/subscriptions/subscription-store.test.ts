/**
 * SubscriptionStore on every backend: validation, the per-subscriber cap (also under
 * concurrent adds from two processes' worth of connections), the same query twice, feed
 * tokens, removal by owner only, forgetting a subscriber, and the version the matcher
 * recompiles on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeyValue, type KeyValue } from '../../src/store/keyv-store.js';
import { createStore, type Store } from '../../src/store/store.js';
import { SubscriptionInputError, SubscriptionLimitError, SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { subscriberKey, type Subscriber } from '../../src/domain/subscription.js';
import { QueryError } from '../../src/match/query.js';
import { needs } from '../helpers/services.js';
import { backends, chatId } from './backends.js';

const { list, cleanup } = await backends('subs');
afterAll(cleanup);

const LIMITS = { perSubscriber: 3, maxLength: 200 };

for (const b of list) {
  describe.skipIf(!needs(`${b.name} store (${b.url})`, b.available))(`SubscriptionStore on ${b.name}`, () => {
    let kv: KeyValue;
    let store: Store;
    let subs: SubscriptionStore;
    const opened: Store[] = [];
    const tg = (): Subscriber => ({ kind: 'telegram', chatId: chatId() });

    beforeAll(async () => {
      kv = await openKeyValue(b.url);
      store = createStore(kv);
      subs = new SubscriptionStore(kv, store, LIMITS);
    });
    afterAll(async () => {
      for (const s of opened) await s.close();
      await store?.close();
    });

    it('adds a subscription with defaults and finds it by id, subscriber, token and in all()', async () => {
      const who = tg();
      const sub = await subs.add({ subscriber: who, query: '  科技援疆 -庆阳 ', createdBy: 'cli' }, new Date('2024-10-13T10:00:00Z'));
      expect(sub).toMatchObject({ subscriber: who, subscriberKey: `tg:${(who as { chatId: number }).chatId}`, query: '科技援疆 -庆阳', mode: 'instant', script: 'original', paused: false, createdBy: 'cli', createdAt: '2024-10-13T10:00:00.000Z' });
      expect(sub.id).toMatch(/^[A-Za-z0-9]{8}$/);
      expect(sub.feedToken.length).toBeGreaterThanOrEqual(24);
      expect(await subs.get(sub.id)).toEqual(sub);
      expect(await subs.listOf(who)).toEqual([sub]);
      expect(await subs.listOf(subscriberKey(who))).toEqual([sub]);
      expect(await subs.byToken(sub.feedToken)).toEqual(sub);
      expect(await subs.byToken('no-such-token')).toBeUndefined();
      expect((await subs.all()).map((s) => s.id)).toContain(sub.id);
    });

    it('rejects an invalid query with its position, and bad chat ids, addresses, digest times and zones by field', async () => {
      const who = tg();
      const err = await subs.add({ subscriber: who, query: '科技 (援疆', createdBy: 'cli' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryError);
      expect((err as QueryError).position).toBeGreaterThan(0);
      await expect(subs.add({ subscriber: who, query: '-庆阳', createdBy: 'cli' })).rejects.toBeInstanceOf(QueryError);
      await expect(subs.add({ subscriber: who, query: 'x'.repeat(201), createdBy: 'cli' })).rejects.toBeInstanceOf(QueryError);
      const field = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as SubscriptionInputError).field;
      expect(await field(subs.add({ subscriber: { kind: 'telegram', chatId: 1.5 }, query: 'a', createdBy: 'cli' }))).toBe('chatId');
      expect(await field(subs.add({ subscriber: { kind: 'email', address: 'not an address' }, query: 'a', createdBy: 'cli' }))).toBe('address');
      expect(await field(subs.add({ subscriber: who, query: 'a', mode: 'digest', digestAt: '24:00', createdBy: 'cli' }))).toBe('digestAt');
      expect(await field(subs.add({ subscriber: who, query: 'a', mode: 'digest', createdBy: 'cli' }))).toBe('digestAt');
      expect(await field(subs.add({ subscriber: who, query: 'a', mode: 'digest', digestAt: '08:00', timeZone: 'Mars/Olympus', createdBy: 'cli' }))).toBe('timeZone');
      expect(await subs.listOf(who)).toEqual([]);
    });

    it('returns the existing subscription for the same query, and enforces the cap with n/limit', async () => {
      const who: Subscriber = { kind: 'email', address: `Cap-${chatId()}@Example.com` };
      const first = await subs.add({ subscriber: who, query: '两区', createdBy: 'cli' });
      expect(first.subscriberKey).toBe(`mail:${(who as { address: string }).address.toLowerCase()}`);
      expect(await subs.add({ subscriber: who, query: ' 两区 ', createdBy: 'web' })).toEqual(first);
      await subs.add({ subscriber: who, query: 'b', createdBy: 'cli' });
      await subs.add({ subscriber: who, query: 'c', createdBy: 'cli' });
      const err = await subs.add({ subscriber: who, query: 'd', createdBy: 'cli' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SubscriptionLimitError);
      expect(err).toMatchObject({ count: 3, limit: 3 });
      expect((err as Error).message).toContain('3/3');
      // At the cap, asking again for a query it has is not an error.
      expect((await subs.add({ subscriber: who, query: '两区', createdBy: 'cli' })).id).toBe(first.id);
      expect((await subs.listOf(who)).map((s) => s.query)).toEqual(['两区', 'b', 'c']);
    });

    it('respects the cap when two callers add at once', async () => {
      const who = tg();
      let other = subs;
      if (b.shared) {
        const kv2 = await openKeyValue(b.url);
        const store2 = createStore(kv2);
        opened.push(store2);
        other = new SubscriptionStore(kv2, store2, LIMITS);
      }
      const queries = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'];
      const results = await Promise.allSettled(queries.map((q, i) => (i % 2 === 0 ? subs : other).add({ subscriber: who, query: q, createdBy: 'cli' })));
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(3);
      expect(refused).toHaveLength(3);
      for (const r of refused) expect(r.reason).toBeInstanceOf(SubscriptionLimitError);
      const mine = await subs.listOf(who);
      expect(mine).toHaveLength(3);
      const all = (await subs.all()).filter((s) => s.subscriberKey === subscriberKey(who));
      expect(all.map((s) => s.id).sort()).toEqual(mine.map((s) => s.id).sort());
    });

    it('gives a chat one token for all its subscriptions, also when asked at once', async () => {
      const who = tg();
      const key = subscriberKey(who);
      const tokens = await Promise.all(Array.from({ length: 8 }, () => subs.subscriberToken(key)));
      expect(new Set(tokens).size).toBe(1);
      expect(await subs.subscriberToken(key)).toBe(tokens[0]);
      expect(await subs.subscriberByToken(tokens[0]!)).toBe(key);
      expect(await subs.subscriberToken(subscriberKey(tg()))).not.toBe(tokens[0]);
      expect(await subs.subscriberByToken('unknown')).toBeUndefined();
    });

    it('removes a subscription only for its owner', async () => {
      const owner = tg();
      const stranger = tg();
      const sub = await subs.add({ subscriber: owner, query: '援疆', createdBy: 'cli' });
      expect(await subs.remove(sub.id, subscriberKey(stranger))).toBeUndefined();
      expect(await subs.get(sub.id)).toEqual(sub);
      expect((await subs.remove(sub.id, subscriberKey(owner)))?.id).toBe(sub.id);
      expect(await subs.get(sub.id)).toBeUndefined();
      expect(await subs.byToken(sub.feedToken)).toBeUndefined();
      expect(await subs.listOf(owner)).toEqual([]);
      expect((await subs.all()).map((s) => s.id)).not.toContain(sub.id);
      expect(await subs.remove(sub.id)).toBeUndefined();
    });

    it('forgets a subscriber: subscriptions and tokens, nobody else', async () => {
      const who = tg();
      const bystander = tg();
      const key = subscriberKey(who);
      const a = await subs.add({ subscriber: who, query: 'a', createdBy: 'cli' });
      const c = await subs.add({ subscriber: who, query: 'c', createdBy: 'cli' });
      const kept = await subs.add({ subscriber: bystander, query: 'a', createdBy: 'cli' });
      const chatToken = await subs.subscriberToken(key);
      expect(await subs.forget(key)).toBe(2);
      expect(await subs.listOf(who)).toEqual([]);
      for (const s of [a, c]) {
        expect(await subs.get(s.id)).toBeUndefined();
        expect(await subs.byToken(s.feedToken)).toBeUndefined();
      }
      expect(await subs.subscriberByToken(chatToken)).toBeUndefined();
      expect(await subs.subscriberToken(key)).not.toBe(chatToken);
      expect(await subs.get(kept.id)).toEqual(kept);
      const ids = (await subs.all()).map((s) => s.id);
      expect(ids).toContain(kept.id);
      expect(ids).not.toContain(a.id);
    });

    it('changes its version on add, update, updateAllOf and remove, and not on reads', async () => {
      const who = tg();
      const v0 = await subs.version();
      const sub = await subs.add({ subscriber: who, query: 'v', createdBy: 'cli' });
      const v1 = await subs.version();
      expect(v1).not.toBe(v0);
      await subs.listOf(who);
      await subs.all();
      expect(await subs.version()).toBe(v1);
      expect(await subs.update({ ...sub, paused: true, pausedReason: 'user' })).toBe(true);
      const v2 = await subs.version();
      expect(v2).not.toBe(v1);
      expect((await subs.get(sub.id))?.paused).toBe(true);
      const changed = await subs.updateAllOf(subscriberKey(who), (s) => ({ ...s, paused: false, script: 'hant' }));
      expect(changed.map((s) => s.script)).toEqual(['hant']);
      const v3 = await subs.version();
      expect(v3).not.toBe(v2);
      await subs.remove(sub.id);
      expect(await subs.version()).not.toBe(v3);
    });

    it('keeps a display name and hashtags, set at add or by relabel (only the owner, cleared with empty values)', async () => {
      const who = tg();
      const key = subscriberKey(who);
      const sub = await subs.add({ subscriber: who, query: '芯片 OR 半导体', name: '  芯片\n产业  ', hashtags: '#芯片 半导体,集成电路、#芯片', createdBy: 'cli' });
      expect(sub).toMatchObject({ name: '芯片 产业', hashtags: ['芯片', '半导体', '集成电路'] });
      const bare = await subs.add({ subscriber: who, query: '光伏', createdBy: 'cli' });
      expect(bare.name).toBeUndefined();
      expect(bare.hashtags).toBeUndefined();

      const v = await subs.version();
      const renamed = await subs.relabel(bare.id, key, { name: '新能源', hashtags: ['C++ 20', '2024', 'new-energy'] });
      expect(renamed).toMatchObject({ id: bare.id, query: '光伏', name: '新能源', hashtags: ['C_20', '_2024', 'new_energy'] });
      expect(await subs.get(bare.id)).toEqual(renamed);
      expect(await subs.version()).not.toBe(v);
      // A field not given stays; an empty one is cleared.
      expect(await subs.relabel(bare.id, key, { hashtags: '' })).toEqual({ ...renamed, hashtags: undefined });
      expect((await subs.get(bare.id))!.name).toBe('新能源');
      const cleared = await subs.relabel(bare.id, key, { name: '   ' });
      expect(cleared!.name).toBeUndefined();
      expect(Object.keys(cleared!)).not.toContain('name');
      // Not the owner: nothing written.
      expect(await subs.relabel(sub.id, 'tg:1', { name: 'x' })).toBeUndefined();
      expect((await subs.get(sub.id))!.name).toBe('芯片 产业');
      // Too long: refused by field, nothing written.
      const field = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as SubscriptionInputError).field;
      expect(await field(subs.relabel(sub.id, key, { name: '长'.repeat(65) }))).toBe('name');
      expect(await field(subs.relabel(sub.id, key, { hashtags: Array.from({ length: 60 }, (_, i) => `tag${i}`) }))).toBe('hashtags');
      expect(await subs.get(sub.id)).toMatchObject({ name: '芯片 产业', hashtags: ['芯片', '半导体', '集成电路'] });
    });

    it('does not bring back a removed subscription through a late update', async () => {
      const who = tg();
      const sub = await subs.add({ subscriber: who, query: 'late', createdBy: 'cli' });
      await subs.remove(sub.id);
      const v = await subs.version();
      expect(await subs.update({ ...sub, paused: true })).toBe(false);
      expect(await subs.get(sub.id)).toBeUndefined();
      expect(await subs.version()).toBe(v);
      expect(await subs.updateAllOf(subscriberKey(who), (s) => ({ ...s, paused: true }))).toEqual([]);
    });
  });
}
