import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { createStore } from '../../src/store/store.js';
import { fingerprint, sameStory, estimateJaccard, estimateContainment } from '../../src/dedupe/minhash.js';
import { linkStories, linkStory, type StoryArticle, type StoryLink } from '../../src/dedupe/story-index.js';
import { extractMainContent } from '../../src/extract/readability.js';
import { toSimplified } from '../../src/normalize/script.js';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';

const page = (rel: string) => {
  const html = readFileSync(path.join(corpusDir, 'sites', rel), 'utf8');
  return toSimplified(extractMainContent(html, 'http://example.gov.cn/')?.text ?? '');
};

describe('minhash fingerprints', () => {
  const report = '第七次全国科技援疆暨四方合作推进会议10月13日上午在乌鲁木齐召开，深入学习习近平新时代中国特色社会主义思想，认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署，共商新时期科技援疆的目标思路和任务举措。'.repeat(3);
  it('is stable and ignores punctuation and spacing', () => {
    const a = fingerprint(report)!;
    const b = fingerprint(report.replace(/，/g, ',').replace(/。/g, ' . '))!;
    expect(a.sig).toEqual(b.sig);
    expect(estimateJaccard(a, b)).toBe(1);
  });
  it('declines texts too short to judge', () => {
    expect(fingerprint('科技援疆')).toBeUndefined();
  });
  it('links a copy with a reporter line added and a paragraph dropped, not an unrelated report', () => {
    const copy = `新华社记者 李明\n${report.slice(0, report.length - 40)}`;
    expect(sameStory(fingerprint(report)!, fingerprint(copy)!)).toBe(true);
    const other = '自治区召开科技成果转化工作推进会，会议总结了近年来全区科技成果转化工作取得的成效，分析了当前面临的形势，安排部署了下一阶段重点任务，要求各地各部门进一步完善成果转化机制。'.repeat(3);
    expect(sameStory(fingerprint(report)!, fingerprint(other)!)).toBe(false);
  });
});

describe.skipIf(!needs('the shared corpus (../shared/corpus)', hasCorpus))('thresholds on the corpus', () => {
  it('separates the republished story from every other pair', () => {
    const original = fingerprint(page('mrxw/kjqy/2024-10-13/8832.html'))!;
    const copy = fingerprint(page('xjkjt/kjdt/2024/10/14/5521.shtml'))!;
    expect(estimateJaccard(original, copy)).toBeGreaterThan(0.8);
    expect(estimateContainment(original, copy)).toBeGreaterThan(0.9);
    expect(sameStory(original, copy)).toBe(true);
    const others = ['xjkjt/kjdt/2024/10/12/5519.shtml', 'mrxw/kjqy/2025-12-21/9901.html', 'kjxx/a/2021/0514/1001.html', 'kjxx/a/2021/0513/0998.html', 'zgrm/news/2025/0515/88.html'];
    const fps = others.map((p) => fingerprint(page(p))!);
    for (const fp of [original, copy, ...fps]) {
      for (const other of fps) if (other !== fp) expect(sameStory(fp, other)).toBe(false);
    }
  });
});

describe('story index in the store', () => {
  const text = '国家风力发电技术创新中心揭牌仪式在乌鲁木齐举行，科技部与新疆维吾尔自治区共同推动风电装备技术攻关和成果转化，中心将围绕大型风电机组、智能运维和新型储能开展研究。'.repeat(4);
  it('points later copies at the earliest-published one, and re-points when an earlier copy arrives late', async () => {
    const store = createStore(await openKeyValue('memory'));
    const a = { id: 'a', url: 'https://b.example/2.html', published: '2024-10-13T12:00:00+08:00', storedAt: '2024-10-13T05:00:00Z', sourceId: 'b' };
    expect((await linkStory(store, a, text, 86_400_000)).duplicateOf).toBeNull();
    const b = { id: 'b', url: 'https://c.example/3.html', published: '2024-10-14T09:00:00+08:00', storedAt: '2024-10-14T02:00:00Z', sourceId: 'c' };
    const lb = await linkStory(store, b, `本报记者 王五\n${text}`, 86_400_000);
    expect(lb.duplicateOf).toBe(a.url);
    const early = { id: 'e', url: 'https://a.example/1.html', published: '2024-10-13T08:00:00+08:00', storedAt: '2024-10-14T03:00:00Z', sourceId: 'a' };
    const le = await linkStory(store, early, text, 86_400_000);
    expect(le.duplicateOf).toBeNull();
    expect(le.relink.map((c) => c.articleId).sort()).toEqual(['a', 'b']);
    const unrelated = { id: 'u', url: 'https://d.example/4.html', published: '2024-10-15T08:00:00+08:00', storedAt: '2024-10-15T03:00:00Z', sourceId: 'd' };
    expect((await linkStory(store, unrelated, '庆阳市科技局召开学习贯彻党的二十大精神谋划科技工作新发展务虚会议，局党组书记主持会议并讲话，机关全体干部职工参加。'.repeat(3), 86_400_000)).copies).toEqual([]);
    await store.close();
  });

  it('links a batch exactly as linking its articles one by one would, and files them for later batches', async () => {
    const other = '自治区召开科技成果转化工作推进会，会议总结了近年来全区科技成果转化工作取得的成效，分析了当前面临的形势，安排部署了下一阶段重点任务，要求各地各部门进一步完善成果转化机制。'.repeat(3);
    const at = (h: number) => `2024-10-13T${String(h).padStart(2, '0')}:00:00+08:00`;
    const mk = (id: string, h: number, stored: number): StoryArticle => ({ id, url: `https://${id}.example/x.html`, published: at(h), storedAt: `2024-10-14T0${stored}:00:00Z`, sourceId: id });
    const inputs = [
      { article: mk('p', 12, 1), matchText: text },
      { article: mk('q', 10, 1), matchText: `本报记者 王五\n${text}` },
      { article: mk('r', 9, 2), matchText: other },
      { article: mk('s', 8, 2), matchText: `${text}\n（责任编辑：李四）` },
      { article: mk('t', 11, 3), matchText: '短' },
      { article: mk('u', 7, 3), matchText: `${other}\n来源：新华社` },
    ];
    const earlierOnes = [{ article: mk('o', 13, 0), matchText: text }];
    const one = createStore(await openKeyValue('memory'));
    const batch = createStore(await openKeyValue('memory'));
    for (const i of earlierOnes) await linkStory(one, i.article, i.matchText, 86_400_000);
    await linkStories(batch, earlierOnes, 86_400_000);
    const sequential = [];
    for (const i of inputs) sequential.push(await linkStory(one, i.article, i.matchText, 86_400_000));
    let seen: unknown;
    const batched = await linkStories(batch, inputs, 86_400_000, async (links) => {
      seen = links;
    });
    expect(batched).toEqual(sequential);
    expect(seen).toBe(batched);
    expect(batched[3]!.relink.map((c) => c.articleId)).toEqual(['q', 'p', 'o']);
    expect(batched[5]!.relink.map((c) => c.articleId)).toEqual(['r']);
    // Both stores now hold the same index: a later copy finds the same story.
    const late = { article: mk('v', 6, 4), matchText: text };
    expect(await linkStories(batch, [late], 86_400_000)).toEqual([await linkStory(one, late.article, late.matchText, 86_400_000)]);
    await one.close();
    await batch.close();
  });

  it('links polls asking at once together (group commit): fewer leases, each poll its own links, as one after another would give', async () => {
    const other = '自治区召开科技成果转化工作推进会，会议总结了近年来全区科技成果转化工作取得的成效，分析了当前面临的形势，安排部署了下一阶段重点任务，要求各地各部门进一步完善成果转化机制。'.repeat(3);
    const mk = (id: string, h: number): StoryArticle => ({ id, url: `https://${id}.example/x.html`, published: `2024-10-13T${String(h).padStart(2, '0')}:00:00+08:00`, storedAt: '2024-10-14T01:00:00Z', sourceId: id });
    const polls = [
      [{ article: mk('a1', 12), matchText: text }],
      [{ article: mk('b1', 10), matchText: `本报记者 王五\n${text}` }, { article: mk('b2', 9), matchText: other }],
      [{ article: mk('c1', 8), matchText: `${other}\n来源：新华社` }],
      [{ article: mk('d1', 11), matchText: '短' }],
      [{ article: mk('e1', 7), matchText: `${text}\n（责任编辑：李四）` }],
    ];
    const one = createStore(await openKeyValue('memory'));
    const sequential: StoryLink[][] = [];
    for (const p of polls) sequential.push(await linkStories(one, p, 86_400_000));

    const kv = await openKeyValue('memory');
    const store = createStore(kv);
    let leases = 0;
    const withLock = store.withLock.bind(store);
    store.withLock = (name, ttl, fn) => {
      if (name === 'story-index') leases++;
      return withLock(name, ttl, fn);
    };
    const written: string[][] = [];
    const failing = new Error('disk full');
    const results = await Promise.allSettled(
      polls.map((p, i) =>
        linkStories(store, p, 86_400_000, async (links) => {
          written.push(p.map((x) => x.article.id));
          expect(links).toHaveLength(p.length);
          if (i === 3) throw failing;
        }),
      ),
    );
    // The first poll goes alone, the four that asked meanwhile together.
    expect(leases).toBe(2);
    expect(written.flat().sort()).toEqual(polls.flat().map((x) => x.article.id).sort());
    results.forEach((r, i) => {
      if (i === 3) expect(r).toEqual({ status: 'rejected', reason: failing });
      else expect(r).toEqual({ status: 'fulfilled', value: sequential[i] });
    });
    expect((results[4] as PromiseFulfilledResult<unknown[]>).value).toEqual(sequential[4]);
    await one.close();
    await store.close();
  });

  it('links two copies stored at the same moment (two sources polled at once)', async () => {
    const store = createStore(await openKeyValue('memory'));
    const a = { id: 'a', url: 'https://b.example/2.html', published: '2024-10-13T12:00:00+08:00', storedAt: '2024-10-13T05:00:00Z', sourceId: 'b' };
    const b = { id: 'b', url: 'https://c.example/3.html', published: '2024-10-14T09:00:00+08:00', storedAt: '2024-10-13T05:00:00Z', sourceId: 'c' };
    const [la, lb] = await Promise.all([linkStory(store, a, text, 86_400_000), linkStory(store, b, `本报记者 王五\n${text}`, 86_400_000)]);
    // Whichever filed first, the later-published copy points at the earlier one.
    const bPointsAtA = lb.duplicateOf === a.url || la.relink.some((c) => c.articleId === 'b');
    expect(bPointsAtA).toBe(true);
    await store.close();
  });
});
