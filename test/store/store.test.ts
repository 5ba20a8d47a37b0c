/**
 * The same Store tests on every backend: memory and SQLite always; Redis and PostgreSQL
 * when the machine runs them (skipped with a notice otherwise, required in CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openKeyValue, type KeyValue } from '../../src/store/keyv-store.js';
import { createStore, type Store } from '../../src/store/store.js';
import type { Article } from '../../src/domain/article.js';
import { hasTcp, needs } from '../helpers/services.js';
import { storedArticle } from '../helpers/articles.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const redisUp = await hasTcp('127.0.0.1', 6379);
const pgUp = await hasTcp('127.0.0.1', 5432);
const run = Math.random().toString(36).slice(2, 8);

const backends: { name: string; url: string; available: boolean }[] = [
  { name: 'memory', url: 'memory', available: true },
  { name: 'sqlite', url: `sqlite://${path.join(tmp, 'nested', 'dir', 'tidings.sqlite')}`, available: true },
  { name: 'redis', url: 'redis://127.0.0.1:6379', available: redisUp },
  { name: 'postgres', url: 'postgresql://postgres@127.0.0.1:5432/test', available: pgUp },
];

function article(id: string, sourceId: string, published: string): Article {
  return storedArticle({ id, sourceId, url: `https://example.gov.cn/${id}.html`, published });
}

for (const b of backends) {
  describe.skipIf(!needs(`${b.name} store (${b.url})`, b.available))(`Store on ${b.name}`, () => {
    let kv: KeyValue;
    let store: Store;
    const p = (s: string) => `${run}-${s}`;
    beforeAll(async () => {
      kv = await openKeyValue(b.url);
      store = createStore(kv);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('answers ping and reports its backend', async () => {
      await store.ping();
      expect(store.backend).toBe(b.name);
    });

    it('sets many keys in one call, the last value of a repeated key winning, with expiry', async () => {
      await kv.setMany([
        { key: p('m1'), value: ['a'] },
        { key: p('m2'), value: { n: 1, s: ':colon' } },
        { key: p('m1'), value: ['a', 'b'] },
        { key: p('m3'), value: 'gone', ttlMs: 1 },
      ]);
      await kv.setMany([]);
      await new Promise((r) => setTimeout(r, 20));
      expect(await kv.getMany([p('m1'), p('m2'), p('m3')])).toEqual([['a', 'b'], { n: 1, s: ':colon' }, undefined]);
      // Written by setMany, then overwritten by set and read by keyv: one format.
      await kv.setMany([{ key: p('m2'), value: 'x' }]);
      expect(await kv.get(p('m2'))).toBe('x');
      expect(await kv.setIfAbsent(p('m1'), 'y')).toBe(false);
    });

    it('prunes expired records and keeps the rest', async () => {
      await kv.set(p('short'), { d: 1 }, 1);
      await kv.set(p('long'), { d: 2 }, 3_600_000);
      await kv.set(p('forever'), { d: 3 });
      await new Promise((r) => setTimeout(r, 20));
      const pruned = await kv.pruneExpired();
      if (b.name === 'redis') expect(pruned).toBe(0); // Redis expires keys itself
      else expect(pruned).toBeGreaterThanOrEqual(1);
      expect(await kv.getMany([p('short'), p('long'), p('forever')])).toEqual([undefined, { d: 2 }, { d: 3 }]);
      // In an hour and a bit, the hour-long record goes too; the one without expiry stays.
      // (Only on stores this file owns: PostgreSQL's table is shared with other test files.)
      if (b.name === 'memory' || b.name === 'sqlite') {
        expect(await kv.pruneExpired(Date.now() + 3_700_000)).toBeGreaterThanOrEqual(1);
        expect(await kv.get(p('long'))).toBeUndefined();
        expect(await kv.get(p('forever'))).toEqual({ d: 3 });
      }
    });

    it('keeps source state', async () => {
      expect(await store.getSourceState(p('s1'))).toBeUndefined();
      await store.putSourceState(p('s1'), { consecutiveErrors: 2, initialized: true, etag: '"abc"', lastError: '超时' });
      expect(await store.getSourceState(p('s1'))).toMatchObject({ consecutiveErrors: 2, etag: '"abc"', lastError: '超时' });
      const many = await store.getSourceStates([p('s1'), p('nope')]);
      expect([...many.keys()]).toEqual([p('s1')]);
    });

    it('stores articles and a bounded newest-first index that deletes its own pushed-out articles', async () => {
      const src = p('src');
      const arts = [1, 2, 3, 4].map((n) => article(p(`a${n}`), src, `2024-10-1${n}T08:00:00+08:00`));
      for (const a of arts) await store.putArticle(a);
      const foreign = article(p('foreign'), p('other'), '2024-10-10T08:00:00+08:00');
      await store.putArticle(foreign);
      await store.addToSourceIndex(src, arts.slice(0, 2).map((a) => ({ id: a.id, published: a.published })), 3);
      await store.addToSourceIndex(src, [...arts.slice(2), foreign].map((a) => ({ id: a.id, published: a.published })), 3);
      const index = await store.getSourceIndex(src);
      expect(index.map((e) => e.id)).toEqual([p('a4'), p('a3'), p('a2')]);
      expect(await store.getArticle(p('a1'))).toBeUndefined();
      expect(await store.getArticle(p('foreign'))).toBeDefined();
      expect((await store.getArticles([p('a4'), p('missing'), p('a2')])).map((a) => a.id)).toEqual([p('a4'), p('a2')]);
    });

    it('claims a URL for exactly one article even when claims race', async () => {
      const key = p('url-1');
      const owners = await Promise.all(Array.from({ length: 25 }, (_, i) => store.claimUrl(key, `art-${i}`)));
      expect(new Set(owners).size).toBe(1);
      expect(await store.urlOwner(key)).toBe(owners[0]);
    });

    it('marks an article seen once; racing markers see exactly one winner', async () => {
      const id = p('seen-1');
      expect(await store.isSeen(id)).toBe(false);
      const wins = await Promise.all(Array.from({ length: 25 }, () => store.markSeen(id, 60_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await store.isSeen(id)).toBe(true);
      expect(await store.seenMany([id, p('seen-2')])).toEqual(new Set([id]));
    });

    it('claims URLs and seen marks in batches: the first of a repeated key wins, an expired mark is taken again', async () => {
      await store.claimUrl(p('url-b1'), 'older');
      const owners = await store.claimUrls([
        { urlKey: p('url-b1'), articleId: 'n1' },
        { urlKey: p('url-b2'), articleId: 'n2' },
        { urlKey: p('url-b2'), articleId: 'n3' },
        { urlKey: p('url-b3'), articleId: 'n4' },
      ]);
      expect(owners).toEqual(['older', 'n2', 'n2', 'n4']);
      expect(await store.claimUrls([])).toEqual([]);
      expect(await store.markSeen(p('seen-b1'), 60_000)).toBe(true);
      expect(await store.markSeen(p('seen-b2'), 20)).toBe(true);
      await new Promise((r) => setTimeout(r, 60));
      expect(await store.markSeenMany([p('seen-b1'), p('seen-b2'), p('seen-b3'), p('seen-b3')], 60_000)).toEqual([false, true, true, false]);
      expect(await store.seenMany([p('seen-b1'), p('seen-b2'), p('seen-b3'), p('seen-b4')])).toEqual(new Set([p('seen-b1'), p('seen-b2'), p('seen-b3')]));
      // Racing batches: each key has one winner.
      const ids = Array.from({ length: 30 }, (_, i) => p(`seen-race-${i}`));
      const rounds = await Promise.all(Array.from({ length: 5 }, () => store.markSeenMany(ids, 60_000)));
      for (let i = 0; i < ids.length; i++) expect(rounds.filter((r) => r[i]).length).toBe(1);
    });

    it('writes articles, fingerprints and band lists in batches', async () => {
      await store.putArticles([article(p('pa1'), 's', '2024-10-13T12:00:00+08:00'), article(p('pa2'), 's', '2024-10-14T12:00:00+08:00')]);
      expect((await store.getArticles([p('pa1'), p('pa2')])).map((a) => a.id)).toEqual([p('pa1'), p('pa2')]);
      const record = { sig: [1, 2], size: 2, chars: 10, url: 'https://x.example/1', published: '2024-10-13T12:00:00+08:00', storedAt: '2024-10-13T05:00:00Z', sourceId: 's' };
      await store.fileStories([{ articleId: p('fa1'), record }], new Map([[p('band-f'), [p('fa1'), p('fa2')]]]), 60_000);
      expect(await store.getFingerprints([p('fa1'), p('fa2')])).toEqual(new Map([[p('fa1'), record]]));
      expect(await store.getLshBuckets([p('band-f'), p('band-none')])).toEqual(new Map([[p('band-f'), [p('fa1'), p('fa2')]]]));
      expect(await store.lshMembers([p('band-f')])).toEqual([p('fa1'), p('fa2')]);
    });

    it('lets a seen mark expire after the retention', async () => {
      const id = p('seen-exp');
      expect(await store.markSeen(id, 30)).toBe(true);
      await new Promise((r) => setTimeout(r, 80));
      expect(await store.isSeen(id)).toBe(false);
      expect(await store.markSeen(id, 60_000)).toBe(true);
    });

    it('serializes read-modify-write under withLock, and LSH buckets filed under the lease keep every racing member', async () => {
      let counter = 0;
      await Promise.all(
        Array.from({ length: 10 }, () =>
          store.withLock(p('counter'), 2000, async () => {
            const seen = counter;
            await new Promise((r) => setTimeout(r, 2));
            counter = seen + 1;
          }),
        ),
      );
      expect(counter).toBe(10);
      // Callers file LSH members under the story-index lease (dedupe/story-index.ts).
      await Promise.all(
        ['x1', 'x2', 'x3', 'x4'].map((id) => store.withLock(p('story-index'), 2000, () => store.addToLsh([p('band-a'), p('band-b')], id, 60_000))),
      );
      expect((await store.lshMembers([p('band-a')])).sort()).toEqual(['x1', 'x2', 'x3', 'x4']);
      // Capped: those sharing the most bands come first.
      await store.withLock(p('story-index'), 2000, () => store.addToLsh([p('band-c')], 'x3', 60_000));
      expect(await store.lshMembers([p('band-a'), p('band-b'), p('band-c')], 1)).toEqual(['x3']);
      const two = await store.lshMembers([p('band-a'), p('band-b'), p('band-c')], 2);
      expect(two).toHaveLength(2);
      expect(two[0]).toBe('x3');
    });

    it('queues the callers of one process for a lease in memory: first come, first served, one store claim each, none while waiting', async () => {
      const own = createStore(kv);
      const claims: string[] = [];
      const counting = new Proxy(kv, {
        get(target, prop, receiver) {
          if (prop === 'setIfAbsent') return (key: string, ...rest: unknown[]) => {
            claims.push(key);
            return (target.setIfAbsent as (...a: unknown[]) => Promise<boolean>)(key, ...rest);
          };
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const queued = createStore(counting);
      const order: number[] = [];
      let inside = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          queued.withLock(p('queue'), 2000, async () => {
            inside++;
            most = Math.max(most, inside);
            order.push(i);
            await new Promise((r) => setTimeout(r, 5));
            inside--;
          }),
        ),
      );
      expect(most).toBe(1);
      expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(claims.filter((k) => k === `lock:${p('queue')}`)).toHaveLength(12);
      // Another process (another Store on the same backend) still waits for the store lease.
      let release!: () => void;
      const held = queued.withLock(p('shared'), 2000, () => new Promise<void>((r) => (release = r)));
      await new Promise((r) => setTimeout(r, 20));
      let otherRan = false;
      const other = own.withLock(p('shared'), 2000, async () => {
        otherRan = true;
      });
      await new Promise((r) => setTimeout(r, 60));
      expect(otherRan).toBe(false);
      release();
      await Promise.all([held, other]);
      expect(otherRan).toBe(true);
      // A caller ahead that never finishes: the next gives up after twice the lease time, as for a stuck store lease.
      void queued.withLock(p('stuck'), 50, () => new Promise<void>(() => undefined));
      await expect(queued.withLock(p('stuck'), 50, async () => undefined)).rejects.toThrow(/lock .*stuck is held too long \(more than 100 ms\)/);
    });

    it('changes its version when bumped and keeps one generated secret', async () => {
      const v1 = await store.getVersion();
      await store.bumpVersion();
      expect(await store.getVersion()).not.toBe(v1);
      const s1 = await store.secret();
      expect(s1.length).toBeGreaterThanOrEqual(32);
      expect(await store.secret()).toBe(s1);
      expect(await store.secret('configured-secret-value')).toBe('configured-secret-value');
    });
  });
}

describe('a store that has gone away', () => {
  it('rejects reads instead of answering "empty" (feeds must not turn empty in an outage)', async () => {
    const store = createStore(await openKeyValue(`sqlite://${path.join(tmp, 'gone.sqlite')}`));
    await store.putSourceState('s', { consecutiveErrors: 0, initialized: true });
    await store.close();
    await expect(store.getSourceState('s')).rejects.toThrow();
    await expect(store.getSourceIndex('s')).rejects.toThrow();
    await expect(store.ping()).rejects.toThrow();
  });
  it('a closed memory store fails its ping', async () => {
    const store = createStore(await openKeyValue('memory'));
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
  });
});

describe('sqlite store across two connections (two processes on one file)', () => {
  it('gives a seen mark to exactly one of two connections', async () => {
    const url = `sqlite://${path.join(tmp, 'shared.sqlite')}`;
    const a = createStore(await openKeyValue(url));
    const b = createStore(await openKeyValue(url));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).markSeen('shared-article', 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const batches = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).markSeenMany(['s1', 's2', 's3'], 60_000)));
    for (let k = 0; k < 3; k++) expect(batches.filter((r) => r[k]).length).toBe(1);
    await a.close();
    await b.close();
  });
});
