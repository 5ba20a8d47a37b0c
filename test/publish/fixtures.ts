/**
 * Realistic Chinese articles and feed inputs for the publish tests, plus runners for the
 * outside validators (jing with the Atom RELAX NG schema, python3-feedparser, xmllint).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Article } from '../../src/domain/article.js';
import type { FeedInput } from '../../src/publish/render-feeds.js';
import { storedArticle } from '../helpers/articles.js';

export const PUBLIC_URL = 'http://127.0.0.1:8080';

export function article(over: Partial<Article> & { id: string }): Article {
  return storedArticle({
    sourceId: 'mrxw-kjqy',
    url: `https://www.mrxw.example.com/kjqy/2024-10-13/${over.id}.html`,
    title: '第七次全国科技援疆工作会议在乌鲁木齐召开',
    updated: '2024-10-13T18:44:04+08:00',
    origin: '央视新闻客户端',
    text: '10月12日至13日，第七次全国科技援疆工作会议在乌鲁木齐召开。\n会议总结了科技援疆工作成效，部署下一阶段重点任务。',
    summary: '10月12日至13日，第七次全国科技援疆工作会议在乌鲁木齐召开。会议总结了科技援疆工作成效。',
    html:
      '<p>10月12日至13日，第七次全国科技援疆工作会议在乌鲁木齐召开。</p>' +
      '<p><img src="/uploads/2024/1013/hy.jpg" alt="会议现场" width="600" height="400"></p>' +
      '<p>会议总结了科技援疆工作成效，部署下一阶段重点任务。<a href="../2024-10-12/8801.html">相关报道</a></p>',
    tags: ['科技援疆'],
    storedAt: '2024-10-13T10:50:00.000Z',
    ...over,
  });
}

/** Three articles, newest first; the middle one was corrected after the newest was published. */
export function chineseArticles(): Article[] {
  return [
    article({
      id: '8832',
      title: '第七次全国科技援疆工作会议在乌鲁木齐召开',
      published: '2024-10-13T18:44:04+08:00',
      updated: '2024-10-13T18:44:04+08:00',
    }),
    article({
      id: '8830',
      sourceId: 'xjkjt-api',
      url: 'https://kjt.xinjiang.example.gov.cn/xwdt/2024/8830.html',
      title: '国家风力发电技术创新中心落地新疆 助力能源转型',
      published: '2024-10-12T09:00:00+08:00',
      updated: '2024-10-14T08:30:00+08:00',
      author: '李明',
      origin: '新疆日报',
      tags: ['科技援疆', '能源'],
    }),
    article({
      id: '8801',
      title: '科技援疆：“两区”建设取得新进展',
      published: '2024-10-11T15:20:00+08:00',
      updated: '2024-10-11T15:20:00+08:00',
    }),
  ];
}

export function feedInput(over: Partial<FeedInput> = {}): FeedInput {
  return {
    key: 'tag/科技援疆',
    title: '科技援疆 · tidings',
    description: '标签「科技援疆」的新闻',
    selfUrl: `${PUBLIC_URL}/feeds/tag/%E7%A7%91%E6%8A%80%E6%8F%B4%E7%96%86.atom`,
    homeUrl: `${PUBLIC_URL}/`,
    publicUrl: PUBLIC_URL,
    articles: chineseArticles(),
    sourceNames: { 'mrxw-kjqy': '每日新闻网 科技前沿', 'xjkjt-api': '新疆维吾尔自治区科学技术厅' },
    alsoReportedBy: {
      'https://www.mrxw.example.com/kjqy/2024-10-13/8832.html': [
        { sourceId: 'xjkjt-api', sourceName: '新疆维吾尔自治区科学技术厅', url: 'https://kjt.xinjiang.example.gov.cn/xwdt/2024/8833.html?from=rss&id=8833' },
      ],
    },
    language: 'zh-CN',
    ...over,
  };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tidings-publish-'));
let fileCounter = 0;

/** Writes `body` to a fresh temp file and returns its path. */
export function tempFile(name: string, body: string): string {
  const file = path.join(tmp, `${++fileCounter}-${name}`);
  writeFileSync(file, body);
  return file;
}

export { atomSchema, hasJing, feedparserPython, jing, xmllint, feedparse, type ParsedByFeedparser } from '../helpers/validators.js';
