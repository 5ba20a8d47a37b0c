import { describe, expect, it } from 'vitest';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { createStore } from '../../src/store/store.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';

describe('unconfirmed web subscriptions', () => {
  it('are removed once their confirmation links have expired; confirmed and user-paused ones stay', async () => {
    const kv = await openKeyValue('memory');
    const store = createStore(kv);
    const subs = new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 });
    const old = new Date('2026-11-01T00:00:00Z');
    const fresh = new Date('2026-12-05T00:00:00Z');
    const a = await subs.add({ subscriber: { kind: 'email', address: 'a@example.org' }, query: '科技援疆', createdBy: 'web', pausedReason: 'unconfirmed' }, old);
    const b = await subs.add({ subscriber: { kind: 'email', address: 'b@example.org' }, query: '科技援疆', createdBy: 'web', pausedReason: 'unconfirmed' }, fresh);
    const c = await subs.add({ subscriber: { kind: 'email', address: 'c@example.org' }, query: '科技援疆', createdBy: 'web' }, old);
    const d = await subs.add({ subscriber: { kind: 'telegram', chatId: 42 }, query: '四方合作', createdBy: 'telegram:42', pausedReason: 'user' }, old);
    expect(await subs.removeUnconfirmed(new Date('2026-11-29T00:00:00Z'))).toBe(1);
    expect(await subs.get(a.id)).toBeUndefined();
    expect(await subs.byToken(a.feedToken)).toBeUndefined();
    for (const kept of [b, c, d]) expect(await subs.get(kept.id)).toBeDefined();
    expect((await subs.all()).map((s) => s.id).sort()).toEqual([b.id, c.id, d.id].sort());
    await store.close();
  });
});
