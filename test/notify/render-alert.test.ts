import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/domain/article.js';
import type { Subscription } from '../../src/domain/subscription.js';
import { decodeCallback } from '../../src/notify/telegram/callback-data.js';
import { renderAlert, renderFolded, titleRepeated, type AlertContext, type AlertItem, type RenderedAlert } from '../../src/notify/telegram/render-alert.js';
import { checkTelegramHtml, visibleText } from '../helpers/fake-bot-api.js';
import { storedArticle } from '../helpers/articles.js';

// Texts from the shared corpus seeds (000: Traditional with pinyin debris, 004: the mrxw report).
const HANT_TITLE = '自治區科技廳黨組書記孫永建赴克拉瑪依市、石河子市調研科技工作';
const HANT_TEXT =
  '5月8日和5月12日,自治區科技廳黨組書記、副廳長孫永建一行分別赴克拉瑪依市、石河子市調研科技工作。調研期間,孫永建一行先後前往克拉瑪依市白鹼灘區(克拉瑪依高新區)、克拉瑪依石化公司、新疆敦華石油公司等地,實地考察了推進科技創新和“兩區”建設等方面工作情況。\n在兩地召開的座談會上,調研組聽取了克拉瑪依市科技創新工作情況匯報。';
const REPORT_TITLE = '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开';
const REPORT =
  '第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期科技援疆的目标思路和任务举措。马兴瑞代表自治区党委、政府和兵团,对科技部等国家部委和各援疆省市对新疆科技事业的支持和帮助表示感谢。新疆维吾尔自治区科技厅、兵团科技局与援疆省市科技部门签署了新一轮科技对口援疆创新合作协议。';

function article(over: Partial<Article> = {}): Article {
  const text = over.text ?? REPORT;
  return storedArticle({
    id: 'mrxw-8832',
    url: 'https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&id=8832',
    title: '会议综述：科技援疆 <十年> & “四方合作”',
    updated: '2024-10-13T18:44:04+08:00',
    origin: '央视新闻客户端',
    text,
    summary: text.slice(0, 300),
    html: '',
    storedAt: '2024-10-13T11:00:00Z',
    ...over,
  });
}

function sub(id: string, query: string, over: Partial<Subscription> = {}): Subscription {
  return {
    id,
    subscriber: { kind: 'telegram', chatId: 4242 },
    subscriberKey: 'tg:4242',
    query,
    mode: 'instant',
    script: 'original',
    paused: false,
    createdBy: 'telegram:1',
    createdAt: '2024-10-01T00:00:00Z',
    feedToken: 'tok',
    ...over,
  };
}

const zh: AlertContext = { lang: 'zh', timeZone: 'Asia/Shanghai', script: 'original', now: new Date('2024-10-13T12:00:00Z') };
const en: AlertContext = { ...zh, lang: 'en' };

function item(a: Article, also: AlertItem['alsoReportedBy'] = []): AlertItem {
  return { article: a, sourceName: '每日新闻网', alsoReportedBy: also };
}

/** Telegram would accept it: its own HTML check, both texts within 4096 UTF-16 units, ≤ 100 entities, buttons' data ≤ 64 bytes. */
function expectSendable(r: RenderedAlert): void {
  expect(checkTelegramHtml(r.html)).toBeUndefined();
  expect(visibleText(r.html).length).toBeLessThanOrEqual(4096);
  expect(r.plain.length).toBeLessThanOrEqual(4096);
  // Entities decoded (the fixtures' own texts hold none).
  expect(r.plain).not.toMatch(/&(amp|lt|gt|quot|#\d+);/);
  expect((r.html.match(/<[a-z]/g) ?? []).length).toBeLessThanOrEqual(100);
  for (const row of r.buttons) {
    for (const b of row) {
      expect(b.url !== undefined || b.callback_data !== undefined).toBe(true);
      if (b.callback_data !== undefined) expect(Buffer.byteLength(b.callback_data, 'utf8')).toBeLessThanOrEqual(64);
    }
  }
}

/** Bold runs of the HTML (the marks), as shown. */
function bold(html: string): string[] {
  return [...html.matchAll(/<b>([^<]*)<\/b>/g)].map((m) => visibleText(m[1]!));
}

describe('renderAlert', () => {
  it('lays out a bold linked title, source and local time, the lead, the matched query', () => {
    const r = renderAlert(item(article()), [sub('s1', '科技援疆')], zh);
    expectSendable(r);
    const lines = visibleText(r.html).split('\n');
    expect(lines[0]).toBe('会议综述：科技援疆 <十年> & “四方合作”');
    expect(lines[1]).toBe('每日新闻网 · 2024-10-13 18:44');
    expect(r.html.startsWith('<b><a href="https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&amp;id=8832">')).toBe(true);
    expect(r.html).toContain('&lt;十年&gt; &amp; “四方合作”');
    expect(visibleText(r.html)).toContain('第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开');
    expect(lines[lines.length - 1]).toBe('订阅：科技援疆');
    expect(r.html).toContain('<code>科技援疆</code>');
    expect(r.disablePreview).toBe(true);
    // The plain fallback is the same message, with the link's URL written out.
    expect(r.plain.split('\n')[0]).toBe('会议综述：科技援疆 <十年> & “四方合作” https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&id=8832');
    expect(r.plain).toContain('订阅：科技援疆');
  });

  it('cuts the lead to about 140 characters at a sentence end', () => {
    const r = renderAlert(item(article()), [sub('s1', '科技援疆')], zh);
    const lead = visibleText(r.html).split('\n\n')[1]!;
    expect(Array.from(lead).length).toBeLessThanOrEqual(140);
    expect(lead).toMatch(/[。！？]$/);
    expect(lead).toBe('第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期科技援疆的目标思路和任务举措。');
  });

  it('marks the matched terms in the lead (bold) and title (underline), not terms under NOT or source:', () => {
    const r = renderAlert(item(article()), [sub('s1', '科技援疆 乌鲁木齐 -庆阳 source:mrxw')], zh);
    expectSendable(r);
    expect(bold(r.html)).toEqual(expect.arrayContaining(['科技援疆', '乌鲁木齐']));
    expect(r.html).toContain('<u>科技援疆</u>');
    expect(r.html).not.toMatch(/<b>mrxw<\/b>/);
  });

  it('marks Traditional article text matched by a Simplified query, in the original script', () => {
    const a = article({ title: HANT_TITLE, text: HANT_TEXT, summary: HANT_TEXT.slice(0, 200), script: 'hant' });
    const r = renderAlert(item(a), [sub('s1', '克拉玛依 AND 科技创新')], zh);
    expectSendable(r);
    expect(bold(r.html)).toEqual(expect.arrayContaining(['克拉瑪依', '科技創新']));
    expect(visibleText(r.html)).toContain('自治區科技廳黨組書記');
  });

  it('shows the text in the subscription’s script: Simplified or Traditional, marks kept', () => {
    const a = article({ title: HANT_TITLE, text: HANT_TEXT, summary: HANT_TEXT.slice(0, 200), script: 'hant' });
    const hans = renderAlert(item(a), [sub('s1', '克拉玛依', { script: 'hans' })], { ...zh, script: 'hans' });
    expectSendable(hans);
    expect(visibleText(hans.html)).toContain('自治区科技厅党组书记孙永建赴克拉玛依市');
    expect(visibleText(hans.html)).not.toContain('廳');
    expect(bold(hans.html)).toContain('克拉玛依');

    const hant = renderAlert(item(article()), [sub('s1', '科技援疆', { script: 'hant' })], { ...zh, script: 'hant' });
    expectSendable(hant);
    expect(visibleText(hant.html)).toContain('推進會議');
    expect(visibleText(hant.html)).toContain('烏魯木齊');
    expect(bold(hant.html)).toContain('科技援疆');
    // The query is the user's own text: shown as typed.
    expect(hant.html).toContain('<code>科技援疆</code>');
  });

  it('hides the title when the lead starts with it (≥ 90 % similar)', () => {
    const lead = `${REPORT_TITLE}。${REPORT}`;
    const r = renderAlert(item(article({ title: REPORT_TITLE, summary: lead })), [sub('s1', '四方合作')], zh);
    expectSendable(r);
    const lines = visibleText(r.html).split('\n');
    expect(lines[0]).toBe('每日新闻网 · 2024-10-13 18:44');
    // The source name then carries the link to the article.
    expect(r.html.startsWith('<a href="https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&amp;id=8832">每日新闻网</a>')).toBe(true);
    // Slightly different punctuation and one changed character still count as repeated.
    expect(titleRepeated('第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开', '第七次全国科技援疆暨四方合作推进会在乌鲁木齐召开，会议……')).toBe(true);
    expect(titleRepeated('自治區召開科技成果轉化工作推進會', '自治区召开科技成果转化工作推进会。会议总结了近年来全区科技成果转化工作')).toBe(true);
    expect(titleRepeated(REPORT_TITLE, REPORT)).toBe(false);
    expect(titleRepeated('会议综述：科技援疆', REPORT)).toBe(false);
  });

  it('lists the other sources that carried the story, escaped and linked', () => {
    const also = [
      { sourceName: '新疆日报', url: 'https://xjrb.example/kjdt/2024/10/14/5521.shtml' },
      { sourceName: 'Xinjiang "Daily" <EN> & co', url: 'https://en.example/a?b=1&c=2' },
      { sourceName: '新疆日报', url: 'https://xjrb.example/dup.shtml' },
    ];
    const r = renderAlert(item(article(), also), [sub('s1', '科技援疆')], zh);
    expectSendable(r);
    expect(visibleText(r.html)).toContain('其他报道：新疆日报、Xinjiang "Daily" <EN> & co');
    expect(r.html).toContain('<a href="https://en.example/a?b=1&amp;c=2">Xinjiang &quot;Daily&quot; &lt;EN&gt; &amp; co</a>');
    expect(r.plain).toContain('新疆日报 https://xjrb.example/kjdt/2024/10/14/5521.shtml');

    const many = Array.from({ length: 20 }, (_, i) => ({ sourceName: `来源${i}`, url: `https://s${i}.example/a.html` }));
    const r2 = renderAlert(item(article(), many), [sub('s1', '科技援疆')], en);
    expectSendable(r2);
    expect(visibleText(r2.html)).toMatch(/Also reported by: 来源0, 来源1, .*来源7, \+12/);
    const none = renderAlert(item(article()), [sub('s1', '科技援疆')], zh);
    expect(visibleText(none.html)).not.toContain('其他报道');
  });

  it('speaks English for en chats', () => {
    const r = renderAlert(item(article(), [{ sourceName: '新疆日报', url: 'https://xjrb.example/a' }]), [sub('s1', '科技援疆'), sub('s2', '"国家风力发电技术创新中心" OR "风电装备技术攻关"')], en);
    expectSendable(r);
    expect(visibleText(r.html)).toContain('Also reported by: 新疆日报');
    expect(visibleText(r.html)).toContain('Subscription: 科技援疆, "国家风力发电技术创新中心" OR "风电装备技术攻关"');
    expect(r.buttons[0]).toEqual([{ text: 'Open', url: article().url }]);
    expect(r.buttons[1]).toEqual([{ text: 'Stop: 科技援疆', callback_data: 'stop:s1' }]);
    expect(r.buttons[2]![0]!.text).toBe('Stop: "国家风力发电技术创新中心" OR "风电装备…');
  });

  it('has an open button and a stop button per subscription (at most 3, data ≤ 64 bytes, decodable)', () => {
    const subs = [sub('a'.repeat(32), '科技援疆'), sub('s2', '乌鲁木齐'), sub('s3', '四方合作'), sub('s4', '马兴瑞'), sub('bad id!', '兵团')];
    const r = renderAlert(item(article()), subs, zh);
    expectSendable(r);
    expect(r.buttons[0]).toEqual([{ text: '阅读原文', url: article().url }]);
    const stops = r.buttons.slice(1).map((row) => row[0]!);
    expect(stops).toHaveLength(3);
    expect(stops.map((b) => decodeCallback(b.callback_data))).toEqual([
      { kind: 'stop', subscriptionId: 'a'.repeat(32) },
      { kind: 'stop', subscriptionId: 's2' },
      { kind: 'stop', subscriptionId: 's3' },
    ]);
    expect(stops[0]!.text).toBe('退订：科技援疆');
  });

  it('stays within 4096 for a 20,000-character article with a huge title, lead and names', () => {
    const long = (REPORT + '\n').repeat(Math.ceil(20_000 / REPORT.length)).slice(0, 20_000);
    const a = article({ title: `${'超长标题<&>'.repeat(300)}`, text: long, summary: long, author: '记者'.repeat(200) });
    const also = Array.from({ length: 60 }, (_, i) => ({ sourceName: `转载网站${i}`.repeat(20), url: `https://s${i}.example/a.html` }));
    const subs = Array.from({ length: 30 }, (_, i) => sub(`s${i}`, `科技援疆 OR 乌鲁木齐 OR "新疆维吾尔自治区" ${'x'.repeat(i * 10)}`));
    const r = renderAlert({ article: a, sourceName: '每日新闻网'.repeat(50), alsoReportedBy: also }, subs, zh);
    expectSendable(r);
    expect(visibleText(r.html).length).toBeLessThan(2000);
    // A bounded lead, cut at a sentence end.
    expect(visibleText(r.html)).toContain('共商新时期科技援疆的目标思路和任务举措。');
    // Only a few marks (Telegram allows 100 entities).
    expect(bold(r.html).length).toBeLessThanOrEqual(20);
  });

  it('keeps a lead without sentence ends within bounds, with an ellipsis, and handles pinyin and Latin text', () => {
    const pinyin = 'Kējì yuán Jiāng (科技援疆) <b>wǔ</b> & “sìfāng hézuò” ' + 'pinyin zhùyīn '.repeat(40);
    const r = renderAlert(item(article({ title: 'Kējì yuán Jiāng: “sìfāng hézuò”', summary: pinyin, text: pinyin })), [sub('s1', '科技援疆')], en);
    expectSendable(r);
    const lead = visibleText(r.html).split('\n\n')[1]!;
    expect(lead.endsWith('…')).toBe(true);
    expect(Array.from(lead).length).toBeLessThanOrEqual(141);
    expect(lead).toContain('(科技援疆) <b>wǔ</b> & “sìfāng hézuò”');
    expect(bold(r.html)).toContain('科技援疆');
  });

  it('without a lead sends a link-only alert with the preview on; a non-web URL is not linked', () => {
    const r = renderAlert(item(article({ summary: '', text: '' })), [sub('s1', '科技援疆')], zh);
    expectSendable(r);
    expect(r.disablePreview).toBe(false);
    expect(visibleText(r.html).split('\n')[0]).toBe('会议综述：科技援疆 <十年> & “四方合作”');

    const bad = renderAlert(item(article({ url: 'javascript:alert(1)' })), [sub('s1', '科技援疆')], zh);
    expectSendable(bad);
    expect(bad.html).not.toContain('href');
    expect(bad.buttons.flat().some((b) => b.url !== undefined)).toBe(false);
  });

  it('shows the author unless the source name already contains it', () => {
    const r = renderAlert(item(article({ author: '卜一珊' })), [sub('s1', '科技援疆')], zh);
    expect(visibleText(r.html).split('\n')[1]).toBe('每日新闻网 · 卜一珊 · 2024-10-13 18:44');
    const same = renderAlert(item(article({ author: '每日新闻' })), [sub('s1', '科技援疆')], zh);
    expect(visibleText(same.html).split('\n')[1]).toBe('每日新闻网 · 2024-10-13 18:44');
  });

  it('shows the time in the subscriber’s zone', () => {
    const r = renderAlert(item(article()), [sub('s1', '科技援疆')], { ...en, timeZone: 'Europe/Berlin' });
    expect(visibleText(r.html).split('\n')[1]).toBe('每日新闻网 · 2024-10-13 12:44');
  });
});

describe('renderFolded', () => {
  const titles = [REPORT_TITLE, HANT_TITLE, '庆阳市科技局召开“学习贯彻党的二十大精神,谋划科技工作新发展”务虚会', '曾洪揚主持召開十三屆市委科技委員會第一次會議', 'A <b> & "quoted" title'];
  const items = (n: number, titleLength = 0): AlertItem[] =>
    Array.from({ length: n }, (_, i) => ({
      article: article({
        id: `a${i}`,
        url: `https://www.mrxw.example/kjqy/2024-10-13/${8800 + i}.html?utm=x&i=${i}`,
        title: titleLength > 0 ? `${titles[i % titles.length]!}${'长'.repeat(titleLength)}` : titles[i % titles.length]!,
        published: new Date(Date.parse('2024-10-13T00:00:00Z') + i * 600_000).toISOString(),
      }),
      sourceName: i % 2 ? '新疆日报' : '每日新闻网',
      alsoReportedBy: [],
    }));

  it('lists each article as a linked title with source and time under a count for the query', () => {
    const r = renderFolded(items(5), [sub('s1', '科技援疆')], zh);
    expectSendable(r);
    const lines = visibleText(r.html).split('\n');
    expect(lines[0]).toBe('「科技援疆」有 5 篇新文章');
    expect(lines[2]).toBe(`1. ${REPORT_TITLE} — 每日新闻网 · 08:00`);
    expect(lines[6]).toBe('5. A <b> & "quoted" title — 每日新闻网 · 08:40');
    expect(r.html).toContain('<a href="https://www.mrxw.example/kjqy/2024-10-13/8804.html?utm=x&amp;i=4">A &lt;b&gt; &amp; &quot;quoted&quot; title</a>');
    expect(r.plain).toContain('5. A <b> & "quoted" title https://www.mrxw.example/kjqy/2024-10-13/8804.html?utm=x&i=4 — 每日新闻网 · 08:40');
    expect(r.buttons).toEqual([[{ text: '退订：科技援疆', callback_data: 'stop:s1' }]]);
    expect(r.disablePreview).toBe(true);
  });

  it('in English, with several subscriptions: a count, the queries, a stop button for each (at most 3)', () => {
    const subs = [sub('s1', '科技援疆'), sub('s2', '四方合作'), sub('s3', '克拉玛依'), sub('s4', '无人机')];
    const r = renderFolded(items(3), subs, { ...en, script: 'hans' });
    expectSendable(r);
    const text = visibleText(r.html);
    expect(text.split('\n')[0]).toBe('3 new articles');
    expect(text).toContain('Subscription: 科技援疆, 四方合作, 克拉玛依, 无人机');
    expect(text).toContain('2. 自治区科技厅党组书记孙永建赴克拉玛依市、石河子市调研科技工作 — 新疆日报');
    expect(r.buttons.map((row) => row[0]!.callback_data)).toEqual(['stop:s1', 'stop:s2', 'stop:s3']);
  });

  it('with 50 long items lists as many as fit within 4096 and says how many more', () => {
    const all = items(50, 90);
    const r = renderFolded(all, [sub('s1', '科技援疆')], zh);
    expectSendable(r);
    const text = visibleText(r.html);
    expect(text.split('\n')[0]).toBe('「科技援疆」有 50 篇新文章');
    const listed = text.split('\n').filter((l) => /^\d+\. /.test(l)).length;
    expect(listed).toBeGreaterThan(5);
    expect(listed).toBeLessThan(50);
    expect(text).toContain(`……另有 ${50 - listed} 篇`);
    // The plain fallback writes each URL out, so it may list fewer, and says so too.
    const plainListed = r.plain.split('\n').filter((l) => /^\d+\. /.test(l)).length;
    expect(plainListed).toBeGreaterThan(5);
    expect(plainListed).toBeLessThanOrEqual(listed);
    expect(r.plain).toContain(`……另有 ${50 - plainListed} 篇`);
    // As many as fit: one more would not.
    expect(text.length).toBeGreaterThan(4096 - 250);
  });

  it('with 50 short items stays within 100 entities', () => {
    const r = renderFolded(items(50), [sub('s1', '科技援疆')], en);
    expectSendable(r);
    const listed = visibleText(r.html).split('\n').filter((l) => /^\d+\. /.test(l)).length;
    expect(listed).toBe(50);
    expect(visibleText(r.html)).not.toContain('more');
  });

  it('shows dates for articles from an earlier day', () => {
    const r = renderFolded(items(1), [sub('s1', '科技援疆')], { ...zh, now: new Date('2024-10-20T12:00:00Z') });
    expect(visibleText(r.html).split('\n')[2]).toBe(`1. ${REPORT_TITLE} — 每日新闻网 · 10-13 08:00`);
  });
});

describe('templates', () => {
  it('escape every value (no raw interpolation) and quote every href', () => {
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/telegram');
    for (const name of ['alert.eta', 'folded.eta']) {
      const source = readFileSync(path.join(dir, name), 'utf8');
      expect(source).not.toContain('<%~');
      for (const m of source.matchAll(/href=(.)/g)) expect(m[1]).toBe('"');
    }
  });
});
