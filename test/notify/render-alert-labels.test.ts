/**
 * Alerts for subscriptions with a display name (`/name`) and hashtags (`/tags`): the tag line
 * under the title, the name in the "matched" line, the stop buttons and the folded header,
 * and, without either, exactly the message renderAlert and renderFolded produced before they
 * existed (BEFORE below is their output at commit 1623079, captured with the same calls).
 */
import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/domain/article.js';
import type { Subscription } from '../../src/domain/subscription.js';
import { renderAlert, renderFolded, type AlertContext, type AlertItem, type RenderedAlert } from '../../src/notify/telegram/render-alert.js';
import { normalizeHashtags } from '../../src/subscriptions/subscription-store.js';
import { checkTelegramHtml, visibleText } from '../helpers/fake-bot-api.js';
import { storedArticle } from '../helpers/articles.js';

const REPORT_TITLE = '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开';
const REPORT =
  '第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期科技援疆的目标思路和任务举措。马兴瑞代表自治区党委、政府和兵团,对科技部等国家部委和各援疆省市对新疆科技事业的支持和帮助表示感谢。';

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
  return { id, subscriber: { kind: 'telegram', chatId: 4242 }, subscriberKey: 'tg:4242', query, mode: 'instant', script: 'original', paused: false, createdBy: 'telegram:1', createdAt: '2024-10-01T00:00:00Z', feedToken: 'tok', ...over };
}

const zh: AlertContext = { lang: 'zh', timeZone: 'Asia/Shanghai', script: 'original', now: new Date('2024-10-13T12:00:00Z') };
const en: AlertContext = { ...zh, lang: 'en' };
const also = [{ sourceName: '新疆日报', url: 'https://xjrb.example/kjdt/2024/10/14/5521.shtml' }];

/** The four messages of BEFORE, for the given subscriptions in place of the plain ones. */
const calls = {
  alertZh: (subs: Subscription[]) => renderAlert({ article: article({ author: '卜一珊' }), sourceName: '每日新闻网', alsoReportedBy: also }, subs, zh),
  alertEnHidden: (subs: Subscription[]) => renderAlert({ article: article({ title: REPORT_TITLE, summary: `${REPORT_TITLE}。${REPORT}` }), sourceName: '每日新闻网', alsoReportedBy: [] }, subs, en),
  foldedZh: (subs: Subscription[]) => renderFolded(items(3), subs, zh),
  foldedEn: (subs: Subscription[]) => renderFolded(items(3), subs, en),
};

function items(n: number, titleLength = 0): AlertItem[] {
  return Array.from({ length: n }, (_, i) => ({
    article: article({
      id: `a${i}`,
      url: `https://www.mrxw.example/kjqy/2024-10-13/${8800 + i}.html`,
      title: (i === 1 ? 'A <b> & "quoted" title' : `${REPORT_TITLE} ${i}`) + '长'.repeat(titleLength),
      published: new Date(Date.parse('2024-10-13T00:00:00Z') + i * 600_000).toISOString(),
    }),
    sourceName: i % 2 ? '新疆日报' : '每日新闻网',
    alsoReportedBy: [],
  }));
}

/** Telegram would accept it: its HTML check, both texts within 4096, ≤ 100 entities counting the hashtags Telegram finds, buttons' data ≤ 64 bytes. */
function expectSendable(r: RenderedAlert): void {
  expect(checkTelegramHtml(r.html)).toBeUndefined();
  expect(visibleText(r.html).length).toBeLessThanOrEqual(4096);
  expect(r.plain.length).toBeLessThanOrEqual(4096);
  const hashtags = (visibleText(r.html).match(/(^|\s)#[\p{L}\p{M}\p{N}_]+/gu) ?? []).length;
  expect((r.html.match(/<[a-z]/g) ?? []).length + hashtags).toBeLessThanOrEqual(100);
  for (const row of r.buttons) for (const b of row) if (b.callback_data !== undefined) expect(Buffer.byteLength(b.callback_data, 'utf8')).toBeLessThanOrEqual(64);
}

/** What renderAlert and renderFolded returned for `calls` with sub('s1', '科技援疆') (and sub('s2', …)) before names and hashtags existed. */
const BEFORE: Record<keyof typeof calls, { html: string; plain: string; buttons: unknown; disablePreview: boolean }> = {
  "alertZh": {
    "html": "<b><a href=\"https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&amp;id=8832\">会议综述：<u>科技援疆</u> &lt;十年&gt; &amp; “四方合作”</a></b>\n每日新闻网 · 卜一珊 · 2024-10-13 18:44\n\n第七次全国<b>科技援疆</b>暨“四方合作”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期<b>科技援疆</b>的目标思路和任务举措。\n\n<i>其他报道</i>：<a href=\"https://xjrb.example/kjdt/2024/10/14/5521.shtml\">新疆日报</a>\n<i>订阅</i>：<code>科技援疆</code>",
    "plain": "会议综述：科技援疆 <十年> & “四方合作” https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&id=8832\n每日新闻网 · 卜一珊 · 2024-10-13 18:44\n\n第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期科技援疆的目标思路和任务举措。\n\n其他报道：新疆日报 https://xjrb.example/kjdt/2024/10/14/5521.shtml\n订阅：科技援疆",
    "buttons": [
      [
        {
          "text": "阅读原文",
          "url": "https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&id=8832"
        }
      ],
      [
        {
          "text": "退订：科技援疆",
          "callback_data": "stop:s1"
        }
      ]
    ],
    "disablePreview": true
  },
  "alertEnHidden": {
    "html": "<a href=\"https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&amp;id=8832\">每日新闻网</a> · 2024-10-13 18:44\n\n第七次全国<b>科技援疆</b>暨“<b>四方合作</b>”推进会议在乌鲁木齐召开。第七次全国<b>科技援疆</b>暨“<b>四方合作</b>”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期<b>科技援疆</b>的目标…\n\n<i>Subscription</i>: <code>科技援疆</code>, <code>四方合作 &lt;&amp;&gt;</code>",
    "plain": "每日新闻网 https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&id=8832 · 2024-10-13 18:44\n\n第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开。第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期科技援疆的目标…\n\nSubscription: 科技援疆, 四方合作 <&>",
    "buttons": [
      [
        {
          "text": "Open",
          "url": "https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&id=8832"
        }
      ],
      [
        {
          "text": "Stop: 科技援疆",
          "callback_data": "stop:s1"
        }
      ],
      [
        {
          "text": "Stop: 四方合作 <&>",
          "callback_data": "stop:s2"
        }
      ]
    ],
    "disablePreview": true
  },
  "foldedZh": {
    "html": "<b>「科技援疆」有 3 篇新文章</b>\n\n1. <a href=\"https://www.mrxw.example/kjqy/2024-10-13/8800.html\">第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开 0</a> — 每日新闻网 · 08:00\n2. <a href=\"https://www.mrxw.example/kjqy/2024-10-13/8801.html\">A &lt;b&gt; &amp; &quot;quoted&quot; title</a> — 新疆日报 · 08:10\n3. <a href=\"https://www.mrxw.example/kjqy/2024-10-13/8802.html\">第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开 2</a> — 每日新闻网 · 08:20",
    "plain": "「科技援疆」有 3 篇新文章\n\n1. 第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开 0 https://www.mrxw.example/kjqy/2024-10-13/8800.html — 每日新闻网 · 08:00\n2. A <b> & \"quoted\" title https://www.mrxw.example/kjqy/2024-10-13/8801.html — 新疆日报 · 08:10\n3. 第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开 2 https://www.mrxw.example/kjqy/2024-10-13/8802.html — 每日新闻网 · 08:20",
    "buttons": [
      [
        {
          "text": "退订：科技援疆",
          "callback_data": "stop:s1"
        }
      ]
    ],
    "disablePreview": true
  },
  "foldedEn": {
    "html": "<b>3 new articles</b>\n\n1. <a href=\"https://www.mrxw.example/kjqy/2024-10-13/8800.html\">第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开 0</a> — 每日新闻网 · 08:00\n2. <a href=\"https://www.mrxw.example/kjqy/2024-10-13/8801.html\">A &lt;b&gt; &amp; &quot;quoted&quot; title</a> — 新疆日报 · 08:10\n3. <a href=\"https://www.mrxw.example/kjqy/2024-10-13/8802.html\">第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开 2</a> — 每日新闻网 · 08:20\n\n<i>Subscription</i>: <code>科技援疆</code>, <code>四方合作</code>",
    "plain": "3 new articles\n\n1. 第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开 0 https://www.mrxw.example/kjqy/2024-10-13/8800.html — 每日新闻网 · 08:00\n2. A <b> & \"quoted\" title https://www.mrxw.example/kjqy/2024-10-13/8801.html — 新疆日报 · 08:10\n3. 第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开 2 https://www.mrxw.example/kjqy/2024-10-13/8802.html — 每日新闻网 · 08:20\n\nSubscription: 科技援疆, 四方合作",
    "buttons": [
      [
        {
          "text": "Stop: 科技援疆",
          "callback_data": "stop:s1"
        }
      ],
      [
        {
          "text": "Stop: 四方合作",
          "callback_data": "stop:s2"
        }
      ]
    ],
    "disablePreview": true
  }
};

/** The subscriptions each call of BEFORE was made with. */
const PLAIN: Record<keyof typeof calls, () => Subscription[]> = {
  alertZh: () => [sub('s1', '科技援疆')],
  alertEnHidden: () => [sub('s1', '科技援疆'), sub('s2', '四方合作 <&>')],
  foldedZh: () => [sub('s1', '科技援疆')],
  foldedEn: () => [sub('s1', '科技援疆'), sub('s2', '四方合作')],
};

const named = (over: Partial<Subscription> = {}) => sub('s1', '科技援疆', { name: '新疆科技 <动态> & 要闻', hashtags: ['科技援疆', 'Xinjiang_tech'], ...over });

describe('alerts without a name or hashtags', () => {
  it('are byte for byte what they were before: HTML, plain text, buttons', () => {
    for (const key of Object.keys(calls) as (keyof typeof calls)[]) {
      const r = calls[key](PLAIN[key]());
      expect(JSON.parse(JSON.stringify(r)), key).toEqual(BEFORE[key]);
      expectSendable(r);
    }
  });

  it('are unchanged too with an empty hashtag list or an empty name', () => {
    const r = calls.alertZh([sub('s1', '科技援疆', { hashtags: [] })]);
    expect(r.html).toBe(BEFORE.alertZh.html);
    expect(r.plain).toBe(BEFORE.alertZh.plain);
    expect(calls.foldedZh([sub('s1', '科技援疆', { hashtags: [] })]).html).toBe(BEFORE.foldedZh.html);
  });
});

describe('alerts for a named subscription with hashtags', () => {
  it('have the hashtag line right under the title, the name as text in the matched line and on the stop button', () => {
    const r = calls.alertZh([named()]);
    expectSendable(r);
    const lines = visibleText(r.html).split('\n');
    expect(lines[0]).toBe('会议综述：科技援疆 <十年> & “四方合作”');
    expect(lines[1]).toBe('#科技援疆 #Xinjiang_tech');
    expect(lines[2]).toBe('每日新闻网 · 卜一珊 · 2024-10-13 18:44');
    expect(lines.at(-1)).toBe('订阅：新疆科技 <动态> & 要闻');
    // Exactly the message before, with the tag line added and the name in place of the query.
    const [title, ...rest] = BEFORE.alertZh.html.split('\n');
    const expected = [title, '#科技援疆 #Xinjiang_tech', ...rest].join('\n').replace('<i>订阅</i>：<code>科技援疆</code>', '<i>订阅</i>：新疆科技 &lt;动态&gt; &amp; 要闻');
    expect(r.html).toBe(expected);
    expect(r.plain).toBe(BEFORE.alertZh.plain.replace('\n每日新闻网', '\n#科技援疆 #Xinjiang_tech\n每日新闻网').replace('订阅：科技援疆', '订阅：新疆科技 <动态> & 要闻'));
    // Terms are still marked from the query, never from the name.
    expect(r.html).toContain('<u>科技援疆</u>');
    expect(r.html).toContain('第七次全国<b>科技援疆</b>暨');
    expect(r.html).not.toContain('<b>动态</b>');
    expect(r.buttons).toEqual([
      [{ text: '阅读原文', url: article().url }],
      [{ text: '退订：新疆科技 <动态> & 要闻', callback_data: 'stop:s1' }],
    ]);
  });

  it('start with the hashtag line when the title is hidden (English)', () => {
    const r = calls.alertEnHidden([named({ name: 'Xinjiang S&T' }), sub('s2', '四方合作 <&>', { hashtags: ['xinjiang_TECH', '四方合作'] })]);
    expectSendable(r);
    const lines = visibleText(r.html).split('\n');
    // Tags once each (case does not make a new one), in the order of the subscriptions.
    expect(lines[0]).toBe('#科技援疆 #Xinjiang_tech #四方合作');
    expect(lines[1]).toBe('每日新闻网 · 2024-10-13 18:44');
    expect(r.html.startsWith('#科技援疆 #Xinjiang_tech #四方合作\n<a href="https://www.mrxw.example/kjqy/2024-10-13/8832.html?from=rss&amp;id=8832">每日新闻网</a>')).toBe(true);
    // A name as plain text, a query (no name) in <code> as before.
    expect(r.html).toContain('<i>Subscription</i>: Xinjiang S&amp;T, <code>四方合作 &lt;&amp;&gt;</code>');
    expect(r.buttons.slice(1).map((row) => row[0]!.text)).toEqual(['Stop: Xinjiang S&T', 'Stop: 四方合作 <&>']);
    expect(r.html.replace('#科技援疆 #Xinjiang_tech #四方合作\n', '').replace('Xinjiang S&amp;T', '<code>科技援疆</code>')).toBe(BEFORE.alertEnHidden.html);
  });

  it('only name: no tag line; only hashtags: the query stays in the matched line and on the button', () => {
    const onlyName = calls.alertZh([sub('s1', '科技援疆', { name: '援疆' })]);
    expect(onlyName.html).toBe(BEFORE.alertZh.html.replace('<code>科技援疆</code>', '援疆'));
    expect(onlyName.buttons[1]).toEqual([{ text: '退订：援疆', callback_data: 'stop:s1' }]);
    const onlyTags = calls.alertZh([sub('s1', '科技援疆', { hashtags: ['援疆'] })]);
    expect(onlyTags.html).toBe(BEFORE.alertZh.html.replace('</b>\n', '</b>\n#援疆\n'));
    expect(onlyTags.buttons).toEqual(BEFORE.alertZh.buttons);
  });

  it('a long name is cut on the stop button (Telegram shows short buttons), whole in the message', () => {
    const name = '新疆维吾尔自治区科技厅与各援疆省市科技部门的合作动态汇总';
    const r = calls.alertZh([sub('s1', '科技援疆', { name })]);
    expectSendable(r);
    expect(visibleText(r.html)).toContain(`订阅：${name}`);
    expect(r.buttons[1]![0]!.text).toBe('退订：新疆维吾尔自治区科技厅与各援疆省市科技部门的合…');
  });

  it('never let a stored tag break the markup or run into the next one', () => {
    const r = calls.alertZh([sub('s1', '科技援疆', { hashtags: ['a<b>&"c', '#x y', '', '  '] })]);
    expectSendable(r);
    expect(visibleText(r.html).split('\n')[1]).toBe('#abc #xy');
  });
});

describe('folded alerts with names and hashtags', () => {
  it('one subscription: its name in the header, its hashtags under it', () => {
    const r = calls.foldedZh([named()]);
    expectSendable(r);
    const lines = visibleText(r.html).split('\n');
    expect(lines[0]).toBe('「新疆科技 <动态> & 要闻」有 3 篇新文章');
    expect(lines[1]).toBe('#科技援疆 #Xinjiang_tech');
    expect(lines[2]).toBe('');
    expect(lines[3]).toMatch(/^1\. 第七次全国科技援疆/);
    expect(r.html).toBe(BEFORE.foldedZh.html.replace('<b>「科技援疆」有 3 篇新文章</b>\n', '<b>「新疆科技 &lt;动态&gt; &amp; 要闻」有 3 篇新文章</b>\n#科技援疆 #Xinjiang_tech\n'));
    expect(r.buttons).toEqual([[{ text: '退订：新疆科技 <动态> & 要闻', callback_data: 'stop:s1' }]]);
  });

  it('several subscriptions: a count header, every tag once, names as text and queries as code', () => {
    const r = calls.foldedEn([named({ name: 'Xinjiang S&T' }), sub('s2', '四方合作', { hashtags: ['科技援疆', 'cooperation'] })]);
    expectSendable(r);
    const text = visibleText(r.html);
    expect(text.split('\n').slice(0, 3)).toEqual(['3 new articles', '#科技援疆 #Xinjiang_tech #cooperation', '']);
    expect(r.html).toContain('<i>Subscription</i>: Xinjiang S&amp;T, <code>四方合作</code>');
    expect(r.buttons.map((row) => row[0]!.text)).toEqual(['Stop: Xinjiang S&T', 'Stop: 四方合作']);
  });
});

describe("Telegram's limits with hashtags", () => {
  it('a 20,000-character article matched by many subscriptions with full tag lines stays within 4096 characters and 100 entities', () => {
    const long = (REPORT + '\n').repeat(Math.ceil(20_000 / REPORT.length)).slice(0, 20_000);
    const a = article({ title: '超长标题<&>'.repeat(300), text: long, summary: long, author: '记者'.repeat(200) });
    const copies = Array.from({ length: 60 }, (_, i) => ({ sourceName: `转载网站${i}`.repeat(20), url: `https://s${i}.example/a.html` }));
    // Each subscription with as many short tags as its 255 characters hold (40 or so).
    const fullTags = (i: number): string[] => {
      const tags: string[] = [];
      while (`#${[...tags, `t${i}_${tags.length}`].join(' #')}`.length <= 255) tags.push(`t${i}_${tags.length}`);
      return normalizeHashtags(tags);
    };
    const subs = Array.from({ length: 30 }, (_, i) => sub(`s${i}`, `科技援疆 OR 乌鲁木齐 ${'x'.repeat(i)}`, { name: `名称${i}`.repeat(16).slice(0, 64), hashtags: fullTags(i) }));
    expect(subs[0]!.hashtags!.length).toBeGreaterThan(30);
    for (const s of subs) expect(`#${s.hashtags!.join(' #')}`.length).toBeLessThanOrEqual(255);
    const r = renderAlert({ article: a, sourceName: '每日新闻网'.repeat(50), alsoReportedBy: copies }, subs, zh);
    expectSendable(r);
    const tagLine = visibleText(r.html).split('\n')[1]!;
    expect(tagLine.startsWith('#t0_0 #t0_1 ')).toBe(true);
    expect(tagLine.length).toBeLessThanOrEqual(255);
    // Whole tags only, each a Telegram hashtag.
    for (const tag of tagLine.split(' ')) expect(tag).toMatch(/^#t\d+_\d+$/);
    expect(visibleText(r.html)).toContain('共商新时期科技援疆的目标思路和任务举措。');

    const folded = renderFolded(items(50, 90), subs, en);
    expectSendable(folded);
    expect(visibleText(folded.html).split('\n')[1]).toBe(tagLine);
    expect(visibleText(folded.html)).toMatch(/…and \d+ more/);
  });
});
