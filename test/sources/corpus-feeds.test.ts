import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../src/sources/feed.js';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';

const ORIGIN = 'http://127.0.0.1:8123';

async function parseSite(file: string) {
  const text = readFileSync(path.join(corpusDir, 'sites', file), 'utf8');
  return parseFeed(text, { url: `${ORIGIN}/${file.split('/').slice(1).join('/')}`, timeZone: 'Asia/Shanghai' });
}

if (!hasCorpus) console.warn(`corpus not found at ${corpusDir}: skipping the corpus feed tests`);

describe.skipIf(!hasCorpus)('corpus site feeds', () => {
  it('zgrm: Atom with summaries only', async () => {
    const parsed = await parseSite('zgrm/feed.atom');
    expect(parsed.format).toBe('atom');
    expect(parsed.title).toBe('自貢網 - 自貢新聞');
    expect(parsed.link).toBe(`${ORIGIN}/news/`);
    expect(parsed.items).toHaveLength(2);
    expect(parsed.items[0]).toMatchObject({
      guid: 'tag:zgrm.example,2025:news-88',
      url: `${ORIGIN}/news/2025/0515/88.html`,
      title: '曾洪揚(yáng)主持召開(kāi)十三屆市委科技委員會(huì)第一次會(huì)議',
      published: '2025-05-15T19:42:00+08:00',
      author: '卜一珊',
    });
    expect(parsed.items[0]?.summary).toMatch(/^5月15日,十三屆市委科技委員會/);
    expect(parsed.items[0]?.html).toBeUndefined();
    expect(parsed.items[1]).toMatchObject({ url: `${ORIGIN}/news/2025/0514/77.html`, title: '自貢高新區召開科技創新大會', published: '2025-05-14T10:00:00+08:00' });
  });

  it('mrxw: RSS with utm_ links and full HTML in the description', async () => {
    const parsed = await parseSite('mrxw/rss/kjqy.xml');
    expect(parsed.format).toBe('rss');
    expect(parsed.title).toBe('每日新闻网 - 科技前沿');
    expect(parsed.link).toBe(`${ORIGIN}/kjqy/`);
    expect(parsed.items.map((item) => item.url)).toEqual([`${ORIGIN}/kjqy/2025-12-21/9901.html`, `${ORIGIN}/kjqy/2024-10-13/8832.html`]);
    const story = parsed.items[1];
    expect(story).toMatchObject({
      guid: 'mrxw-8832',
      title: '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开',
      published: '2024-10-13T18:44:04+08:00',
      author: '央视新闻客户端',
    });
    expect(story?.html).toContain('<p>马兴瑞代表自治区党委、政府和兵团');
    expect(story?.html).toContain(`src="${ORIGIN}/uploads/track.gif?id=8832"`);
    expect(story?.summary).toMatch(/^第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开/);
    expect(story?.summary).not.toContain('<');
    expect(story?.summary).not.toContain('track(8832)');
    expect(parsed.items[0]?.published).toBe('2025-12-21T09:10:00+08:00');
  });

  it('spun: RSS with content:encoded', async () => {
    const parsed = await parseSite('spun/feed.xml');
    expect(parsed.title).toBe('三亿体育资讯');
    expect(parsed.items).toHaveLength(1);
    const [item] = parsed.items;
    expect(item).toMatchObject({
      guid: '/news/20220722/123.html',
      url: `${ORIGIN}/news/20220722/123.html`,
      title: '新疆维吾尔自治区、科学技术部、中国科学院、深圳市“四方合作”工作推进会召开三亿体育',
      published: '2022-07-22T12:00:00+08:00',
      summary: '三亿体育7月22日,新疆尔自治区、科学手艺部、中国科学院创新、深圳市“四方合营”就业推动会正在乌鲁木齐召开。崔志坚摄',
    });
    expect(item?.html).toMatch(/^<p>三亿体育7月22日/);
    expect(item?.html).toContain('王志刚指出');
  });
});
