/**
 * Stored articles for tests and benches: one builder with the fields an Article has when the
 * pipeline stores it, and the Xinjiang science-department source with three recent articles
 * that the bot and subscribe-page tests search.
 */
import type { Article } from '../../src/domain/article.js';
import type { Source } from '../../src/domain/source.js';

/**
 * A stored Article: a Chinese (simplified) article with no tags, author, origin, attachments or
 * flags; `updated` and `storedAt` are its `published` unless `over` says otherwise.
 */
export function storedArticle(over: Partial<Article> = {}): Article {
  const id = over.id ?? 'a1';
  const published = over.published ?? '2024-10-13T18:44:04+08:00';
  return {
    id,
    sourceId: 'mrxw',
    url: `https://www.mrxw.example/kjqy/2024-10-13/${id}.html`,
    guid: null,
    title: `标题 ${id}`,
    published,
    updated: published,
    author: null,
    origin: null,
    text: '正文',
    summary: '正文',
    html: '<p>正文</p>',
    lang: 'zh',
    script: 'hans',
    tags: [],
    originalTitle: null,
    duplicateOf: null,
    flags: [],
    attachments: [],
    storedAt: published,
    ...over,
  };
}

/** The Xinjiang science department's feed (source of `recentArticles`). */
export const xjkjtSource: Source = { id: 'xjkjt', name: '新疆科技厅', url: 'https://kjt.xinjiang.gov.cn/rss.xml', interval: { kind: 'every', ms: 900_000 }, fulltext: 'never', tags: ['科技'], origin: 'test' };

/** Article `n` of xjkjtSource, published `hoursAgo` hours before now. */
export function recentArticle(n: number, title: string, text: string, hoursAgo: number): Article {
  const published = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  return storedArticle({
    id: `a${n}`,
    sourceId: xjkjtSource.id,
    url: `https://kjt.xinjiang.gov.cn/a/${n}.html`,
    title,
    published,
    text,
    summary: text.slice(0, 100),
    html: `<p>${text}</p>`,
    tags: ['科技'],
  });
}

/** Three articles of xjkjtSource from the last three hours, newest first. */
export function recentArticles(): Article[] {
  return [
    recentArticle(1, '第七次全国科技援疆工作会议召开', '会议总结科技援疆工作成效。', 1),
    recentArticle(2, '庆阳市科技援疆项目 <签约> & 启动', '庆阳与新疆签署合作协议。', 2),
    recentArticle(3, '风力发电技术创新中心揭牌', '国家风力发电技术创新中心在乌鲁木齐揭牌。', 3),
  ];
}
