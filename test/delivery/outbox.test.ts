/**
 * The outbox on every backend: idempotent recording, due deliveries by notBefore and age,
 * the pending → sending → crash → recoverInFlight path, finishing, dropping a subscriber,
 * many deliveries across the pending shards (finished concurrently), and a crash between
 * recording a delivery and listing it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeyValue, type KeyValue } from '../../src/store/keyv-store.js';
import { createStore, type Store } from '../../src/store/store.js';
import { Outbox, PENDING_SHARDS, shardOf } from '../../src/delivery/outbox.js';
import type { Delivery } from '../../src/domain/subscription.js';
import { needs } from '../helpers/services.js';
import { backends, chatId } from '../subscriptions/backends.js';

const { list, cleanup } = await backends('outbox');
afterAll(cleanup);

function delivery(chat: number, story: string, fields: Partial<Delivery> = {}): Delivery {
  const subscriberKey = `tg:${chat}`;
  return {
    key: `telegram:${subscriberKey}:${story}`,
    channel: 'telegram',
    subscriberKey,
    subscriber: { kind: 'telegram', chatId: chat },
    subscriptionIds: ['s1'],
    articleId: `art-${story}`,
    storyKey: story,
    status: 'pending',
    attempts: 0,
    createdAt: '2024-10-13T10:00:00.000Z',
    notBefore: '2024-10-13T10:00:00.000Z',
    ...fields,
  };
}

const NOW = new Date('2024-10-13T12:00:00Z');

for (const b of list) {
  describe.skipIf(!needs(`${b.name} store (${b.url})`, b.available))(`Outbox on ${b.name}`, () => {
    let kv: KeyValue;
    let store: Store;
    let outbox: Outbox;
    /** Pending keys of these chats only (Redis and PostgreSQL are shared with other runs). */
    const pendingOf = async (chats: number[]) => {
      const prefixes = chats.map((c) => `telegram:tg:${c}:`);
      return (await outbox.pendingKeys('telegram')).filter((k) => prefixes.some((p) => k.startsWith(p)));
    };
    const dueOf = async (chats: number[], now = NOW) => {
      const keys = new Set(chats.map((c) => `tg:${c}`));
      return (await outbox.due('telegram', now, 100_000)).filter((d) => keys.has(d.subscriberKey));
    };

    beforeAll(async () => {
      kv = await openKeyValue(b.url);
      store = createStore(kv);
      outbox = new Outbox(kv, store, 86_400_000);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('marks a delivery sent with one record write; the pending list is compacted once, at the next due()', async () => {
      const chat = chatId();
      const many = Array.from({ length: 300 }, (_, n) => delivery(chat, `bulk${n}`));
      await outbox.enqueue(many);
      const listWrites: string[] = [];
      const counting = new Proxy(kv, {
        get(target, prop, receiver) {
          if (prop === 'set') return (key: string, value: unknown, ttl?: number) => ((key.startsWith('outbox:') && listWrites.push(key)), target.set(key, value, ttl));
          return Reflect.get(target, prop, receiver) as unknown;
        },
      });
      const counted = new Outbox(counting, store, 86_400_000);
      for (const d of many) await counted.markSent(await counted.markSending(d));
      expect(listWrites).toEqual([]);
      expect(await pendingOf([chat])).toEqual([]);
      expect((await counted.due('telegram', NOW, 100_000)).filter((d) => d.subscriberKey === `tg:${chat}`)).toEqual([]);
      // One rewrite of the subscriber's shard took all 300 keys out (counted on stores this
      // file owns alone: on shared Redis/PostgreSQL another run's due() may compact it first).
      if (b.name === 'memory' || b.name === 'sqlite') expect(listWrites.filter((k) => k === `outbox:telegram:${shardOf(`tg:${chat}`)}`)).toHaveLength(1);
      const shardList = (await kv.get<string[]>(`outbox:telegram:${shardOf(`tg:${chat}`)}`)) ?? [];
      expect(shardList.filter((k) => k.startsWith(`telegram:tg:${chat}:`))).toEqual([]);
    });

    it('records a delivery once per key', async () => {
      const chat = chatId();
      const d = delivery(chat, 'story-1');
      expect(await outbox.enqueue([d])).toEqual([d]);
      expect(await outbox.enqueue([d, { ...d, articleId: 'another-copy' }])).toEqual([]);
      expect(await outbox.get(d.key)).toEqual(d);
      expect(await pendingOf([chat])).toEqual([d.key]);
      const racing = delivery(chat, 'story-2');
      const results = await Promise.all(Array.from({ length: 6 }, () => outbox.enqueue([racing])));
      expect(results.flat()).toHaveLength(1);
      expect((await pendingOf([chat])).sort()).toEqual([d.key, racing.key].sort());
    });

    it('hands out due deliveries only, oldest first', async () => {
      const chat = chatId();
      const later = delivery(chat, 'digest', { notBefore: '2024-10-14T00:00:00.000Z', createdAt: '2024-10-13T09:00:00.000Z' });
      const newer = delivery(chat, 'newer', { createdAt: '2024-10-13T11:00:00.000Z' });
      const older = delivery(chat, 'older', { createdAt: '2024-10-13T08:00:00.000Z' });
      const exactlyNow = delivery(chat, 'now', { createdAt: '2024-10-13T11:30:00.000Z', notBefore: NOW.toISOString() });
      await outbox.enqueue([later, newer, older, exactlyNow]);
      expect((await dueOf([chat])).map((d) => d.storyKey)).toEqual(['older', 'newer', 'now']);
      expect((await dueOf([chat], new Date('2024-10-14T00:00:00Z'))).map((d) => d.storyKey)).toEqual(['older', 'digest', 'newer', 'now']);
      const limited = await outbox.due('telegram', NOW, 1);
      expect(limited).toHaveLength(1);
    });

    it('sends again what was in flight at a crash (at least once)', async () => {
      const chat = chatId();
      const d = delivery(chat, 'crash');
      await outbox.enqueue([d]);
      const sending = await outbox.markSending(d);
      expect(sending).toMatchObject({ status: 'sending', attempts: 1 });
      expect(await dueOf([chat])).toEqual([]);
      // The process dies here; a new worker starts.
      const recovered = (await outbox.recoverInFlight('telegram')).filter((r) => r.subscriberKey === `tg:${chat}`);
      expect(recovered.map((r) => r.key)).toEqual([d.key]);
      expect(await outbox.get(d.key)).toMatchObject({ status: 'pending', attempts: 1 });
      expect((await dueOf([chat])).map((r) => r.key)).toEqual([d.key]);
      // Recovering again finds nothing of ours.
      expect((await outbox.recoverInFlight('telegram')).filter((r) => r.subscriberKey === `tg:${chat}`)).toEqual([]);
    });

    it('takes sent and failed deliveries off the pending list, keeps retries on it', async () => {
      const chat = chatId();
      const [a, c, r] = ['sent', 'failed', 'retry'].map((s) => delivery(chat, s));
      await outbox.enqueue([a!, c!, r!]);
      await outbox.markSent(await outbox.markSending(a!), NOW);
      await outbox.markFailed(await outbox.markSending(c!), 'chat not found');
      await outbox.retryLater(await outbox.markSending(r!), new Date('2024-10-13T12:05:00Z'), '429 retry after 300');
      expect(await outbox.get(a!.key)).toMatchObject({ status: 'sent', sentAt: NOW.toISOString(), attempts: 1 });
      expect(await outbox.get(c!.key)).toMatchObject({ status: 'failed', lastError: 'chat not found' });
      expect(await pendingOf([chat])).toEqual([r!.key]);
      expect(await dueOf([chat])).toEqual([]);
      expect((await dueOf([chat], new Date('2024-10-13T12:05:00Z'))).map((d) => d.key)).toEqual([r!.key]);
      // A sent story stays recorded: the same key is not recorded (or listed) again.
      expect(await outbox.enqueue([a!])).toEqual([]);
      expect(await pendingOf([chat])).toEqual([r!.key]);
    });

    it('drops every unfinished delivery of one subscriber, nobody else', async () => {
      const gone = chatId();
      const kept = chatId();
      // tg:<n> and tg:<n>1 share a prefix: only whole subscriber keys count.
      const lookalike = Number(`${gone}1`) > Number.MAX_SAFE_INTEGER ? chatId() : Number(`${gone}1`);
      await outbox.enqueue([delivery(gone, 'x'), delivery(gone, 'y'), delivery(kept, 'x'), delivery(lookalike, 'x')]);
      expect(await outbox.dropSubscriber('telegram', `tg:${gone}`)).toBe(2);
      expect(await pendingOf([gone])).toEqual([]);
      expect(await outbox.get(delivery(gone, 'x').key)).toBeUndefined();
      expect(await pendingOf([kept])).toEqual([delivery(kept, 'x').key]);
      expect(await pendingOf([lookalike])).toEqual([delivery(lookalike, 'x').key]);
    });

    it('spreads many deliveries over the shards and finishes them concurrently without losing an edit', async () => {
      const chats = Array.from({ length: 60 }, () => chatId());
      const all = chats.flatMap((c, i) => [0, 1, 2].map((n) => delivery(c, `s${n}`, { createdAt: new Date(Date.UTC(2024, 9, 13, 0, i, n)).toISOString() })));
      // Two enqueues at once, as two pollers would.
      const [x, y] = await Promise.all([outbox.enqueue(all.slice(0, 90)), outbox.enqueue(all.slice(90))]);
      expect(x.length + y.length).toBe(180);
      expect(new Set(chats.map((c) => shardOf(`tg:${c}`))).size).toBeGreaterThan(PENDING_SHARDS / 2);
      expect((await pendingOf(chats)).sort()).toEqual(all.map((d) => d.key).sort());
      const due = await dueOf(chats);
      expect(due.map((d) => d.key)).toEqual(all.map((d) => d.key));
      await Promise.all(due.map(async (d) => outbox.markSent(await outbox.markSending(d), NOW)));
      expect(await pendingOf(chats)).toEqual([]);
    });

    it('lists again a delivery recorded but not listed before a crash', async () => {
      const chat = chatId();
      const d = delivery(chat, 'half-done');
      // What enqueue does first, then the process dies before the pending list is edited.
      await kv.setIfAbsent(`delivery:${d.key}`, d, 86_400_000);
      expect(await pendingOf([chat])).toEqual([]);
      // The next poll dispatches the same article again.
      expect(await outbox.enqueue([d])).toEqual([]);
      expect(await pendingOf([chat])).toEqual([d.key]);
      expect((await dueOf([chat])).map((r) => r.key)).toEqual([d.key]);
    });
  });
}
