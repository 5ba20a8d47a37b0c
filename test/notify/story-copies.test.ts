import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/domain/article.js';
import { urlKey } from '../../src/dedupe/article-id.js';
import { linkStory } from '../../src/dedupe/story-index.js';
import { matchForm } from '../../src/normalize/fold-width.js';
import { alsoReportedBy, storyKeyOf } from '../../src/notify/story-copies.js';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { createStore, type Store } from '../../src/store/store.js';
import { storedArticle } from '../helpers/articles.js';

// The mrxw report of the 7th national 科技援疆 meeting (corpus seed 004) and its republished copies.
const REPORT = [
  '第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期科技援疆的目标思路和任务举措,持续深化科技部、新疆维吾尔自治区、中国科学院、深圳市“四方合作”,推动新疆深入实施创新驱动发展战略,支撑新疆经济社会高质量发展。',
  '马兴瑞代表自治区党委、政府和兵团,对科技部等国家部委和各援疆省市对新疆科技事业的支持和帮助表示感谢。他指出,科技部等国家部委和各援疆省市坚持把科技援疆作为重大政治任务,大力支持新疆高能级创新平台、高水平产业园区等建设,部署实施一大批重点科技项目,有力推动了新疆科技事业发展进步。',
  '阴和俊指出,科技部坚决贯彻党中央决策部署,把科技援疆作为全国科技界落实新时代党的治疆方略的重大政治任务来谋划和推动,会同有关部门及地方,构建形成“19+4”常态化、制度化科技援疆工作机制。',
  '新疆维吾尔自治区科技厅、兵团科技局与援疆省市科技部门签署了新一轮科技对口援疆创新合作协议。',
].join('\n');
const TITLE = '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开';

const OTHER =
  '11月17日,市科技局召开“学习贯彻党的二十大精神,谋划科技工作新发展”务虚会议,局党组书记、局长谭文枫主持会议并讲话,机关全体干部职工参加。会议围绕深入贯彻落实党的二十大精神,集思广益,理清思路,振奋精神,谋划发展。';

function article(id: string, sourceId: string, url: string, published: string, storedAt: string, text: string, title = TITLE): Article {
  return storedArticle({ id, sourceId, url, title, published, text, summary: text.slice(0, 120), html: '', storedAt });
}

/** What pipeline/poll-source.ts does when it stores an article: claim the URL, link the story, relink. */
async function store(s: Store, a: Article): Promise<Article> {
  await s.claimUrl(urlKey(a.url), a.id);
  const story = await linkStory(s, a, matchForm(`${a.title}\n${a.text}`), 30 * 86_400_000);
  a.duplicateOf = story.duplicateOf;
  await s.putArticle(a);
  for (const copy of story.relink) {
    const earlier = await s.getArticle(copy.articleId);
    if (earlier && earlier.duplicateOf !== a.url) await s.putArticle({ ...earlier, duplicateOf: a.url });
  }
  return a;
}

const names = { mrxw: '每日新闻网', xjkjt: '新疆科技厅', xjrb: '新疆日报', qysti: '庆阳市科技局' };

describe('alsoReportedBy', () => {
  it('lists the earliest copy and later copies from other sources, earliest first, never the article itself', async () => {
    const s = createStore(await openKeyValue('memory'));
    const first = await store(s, article('m1', 'mrxw', 'https://mrxw.example/kjqy/2024-10-13/8832.html', '2024-10-13T18:44:04+08:00', '2024-10-13T11:00:00Z', REPORT));
    const copy = await store(
      s,
      article('x1', 'xjkjt', 'https://xjkjt.example/kjdt/2024/10/14/5521.shtml', '2024-10-14T10:00:00+08:00', '2024-10-14T02:10:00Z', `新疆日报记者 李明\n${REPORT.split('\n').slice(0, 3).join('\n')}`),
    );
    const later = await store(s, article('r1', 'xjrb', 'https://xjrb.example/2024/1015/77.html', '2024-10-15T08:00:00+08:00', '2024-10-15T00:05:00Z', `本报讯\n${REPORT}`));
    await store(s, article('q1', 'qysti', 'https://qysti.example/xwdt/202211/t20221118_1190211.html', '2024-10-14T09:00:00+08:00', '2024-10-14T01:00:00Z', OTHER, '庆阳市科技局召开务虚会'));

    expect(copy.duplicateOf).toBe(first.url);
    expect(later.duplicateOf).toBe(first.url);
    expect(storyKeyOf(first)).toBe(first.url);

    expect(await alsoReportedBy(s, copy, names)).toEqual([
      { sourceId: 'mrxw', sourceName: '每日新闻网', url: first.url },
      { sourceId: 'xjrb', sourceName: '新疆日报', url: later.url },
    ]);
    expect(await alsoReportedBy(s, first, names)).toEqual([
      { sourceId: 'xjkjt', sourceName: '新疆科技厅', url: copy.url },
      { sourceId: 'xjrb', sourceName: '新疆日报', url: later.url },
    ]);
    expect(await alsoReportedBy(s, (await s.getArticle('q1'))!, names)).toEqual([]);
    await s.close();
  });

  it('follows a relink: when an earlier copy arrives late, the others point at it and it sees them', async () => {
    const s = createStore(await openKeyValue('memory'));
    const a = await store(s, article('a', 'xjkjt', 'https://xjkjt.example/kjdt/5521.shtml', '2024-10-14T10:00:00+08:00', '2024-10-14T02:10:00Z', REPORT));
    const early = await store(s, article('e', 'mrxw', 'https://mrxw.example/kjqy/8832.html', '2024-10-13T18:44:04+08:00', '2024-10-14T03:00:00Z', REPORT));
    expect(early.duplicateOf).toBeNull();
    const relinked = (await s.getArticle(a.id))!;
    expect(relinked.duplicateOf).toBe(early.url);
    expect((await alsoReportedBy(s, early, names)).map((c) => c.sourceId)).toEqual(['xjkjt']);
    expect((await alsoReportedBy(s, relinked, names)).map((c) => c.sourceId)).toEqual(['mrxw']);
    await s.close();
  });

  it('names one copy per source, shows an unknown source by its id, and skips copies from the article’s own source', async () => {
    const s = createStore(await openKeyValue('memory'));
    const first = await store(s, article('m1', 'mrxw', 'https://mrxw.example/a.html', '2024-10-13T18:44:04+08:00', '2024-10-13T11:00:00Z', REPORT));
    await store(s, article('m2', 'mrxw', 'https://mrxw.example/mobile/a.html', '2024-10-13T19:00:00+08:00', '2024-10-13T11:05:00Z', `${REPORT}\n责任编辑：王五`));
    await store(s, article('n1', 'newsite', 'https://new.example/1.html', '2024-10-14T08:00:00+08:00', '2024-10-14T00:00:00Z', REPORT));
    await store(s, article('n2', 'newsite', 'https://new.example/2.html', '2024-10-14T09:00:00+08:00', '2024-10-14T01:00:00Z', `转载\n${REPORT}`));
    expect(await alsoReportedBy(s, first, names)).toEqual([{ sourceId: 'newsite', sourceName: 'newsite', url: 'https://new.example/1.html' }]);
    await s.close();
  });

  it('gives nothing for an article too short to fingerprint and with no earlier copy', async () => {
    const s = createStore(await openKeyValue('memory'));
    const short = await store(s, article('s', 'mrxw', 'https://mrxw.example/s.html', '2024-10-13T18:44:04+08:00', '2024-10-13T11:00:00Z', '科技援疆', '短讯'));
    expect(await alsoReportedBy(s, short, names)).toEqual([]);
    await s.close();
  });
});
