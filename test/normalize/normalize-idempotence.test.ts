/**
 * Property: normalizing twice changes nothing. Inputs are generated with a seeded PRNG by
 * mixing seed lines, debris lines (chrome, credits, footers, an injected brand) and random
 * pinyin notes, punctuation debris, width changes and repeats, then laid out as HTML in
 * several ways; the text is either made from that HTML (the pipeline's way) or given apart.
 */
import { describe, expect, it } from 'vitest';
import { normalizeArticle } from '../../src/normalize/normalize-article.js';
import { htmlToText } from '../../src/publish/sanitize-html.js';
import { loadSeeds, seedsPresent } from './seed-corpus.js';
import { seededRandom as prng } from '../../src/demo/stories.js';

const DEBRIS = [
  '32px', '- 14px', '- 50px', '字号：大 中 小', '【字体：大 中 小】', '【打印本页】【关闭窗口】', '分享到：微信 微博 QQ空间', '收藏',
  '账号+密码登录', '还没有账号?', '立即注册', '忘记密码', '评论(0)', '已有0条评论', '我要评论', 'undefined 條評論 我要評論', '0', '2024',
  '10/13', '18:44', '上一篇：自治区召开科技成果转化工作推进会', '下一篇：没有了', '相关阅读', '热点排行', '更多推荐', '友情链接',
  '当前位置：首页 > 科技援疆 > 正文', '每日新闻网 > 科技前沿 > 正文', '来源:央视新闻客户端 | 时间:2024-10-13 18:44:04 | 点击:1206',
  '发布时间：2021-05-14 10:20 来源：新疆维吾尔自治区科学技术厅 浏览次数：386', '点击:1206', '浏览次数：386', '【作者:】',
  '免责声明：本网转载自其它媒体的文章，不代表本网赞同其观点。', '版权归原作者所有，如有侵权请联系删除', '关于我们 | 联系我们 | 网站地图 | 版权声明',
  'Copyright © 2008-2021 科技信息网 All Rights Reserved 新ICP备08000123号', '京公网安备11010802046001号', '主办：庆阳市科学技术局 地址：庆阳市西峰区南大街 邮编：745000',
  '• 浙江', '• 新疆', '• 内蒙古', '扫码看全网内容', '自贡融媒记者 卜一珊', '编辑：宋姿熠', '责任编辑：缪静 编审：张宏彦', '（责任编辑：张三）',
  '【原标题】曾洪扬主持召开十三届市委科技委员会第一次会议', '来源：自贡日报', '作者：张三', '新疆日报讯(记者 李明)第七次全国科技援疆推进会议召开。',
  '三亿体育', '深化合作三亿体育,推动发展。', '首页机构概况科技动态政务公开互动交流', '新疆维吾尔自治区科学技术厅',
];
const NOTES = ['(qū)', '(shū)', '(huì)', '（yáng）', '(wú rén jī)', '(lǜ)', '(kāi)'];
const PUNCT = [',,', ',、', ',。', '，，', '，、', '，。', ',;', '，；', '、、', '。,'];
const FULLWIDTH = (s: string) => s.replace(/[A-Za-z0-9:,()]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

function mutate(line: string, rnd: () => number): string {
  let out = line;
  const chars = Array.from(out);
  if (chars.length > 0 && rnd() < 0.35) {
    const at = Math.floor(rnd() * chars.length);
    chars.splice(at + 1, 0, NOTES[Math.floor(rnd() * NOTES.length)] ?? '');
    out = chars.join('');
  }
  if (rnd() < 0.3) {
    const at = Math.floor(rnd() * (out.length + 1));
    out = out.slice(0, at) + (PUNCT[Math.floor(rnd() * PUNCT.length)] ?? '') + out.slice(at);
  }
  if (rnd() < 0.1) out = FULLWIDTH(out);
  if (rnd() < 0.1) out = `\u3000\u3000${out}`;
  return out;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Lay lines out as HTML in one of several shapes. */
function toHtml(lines: readonly string[], rnd: () => number): string {
  return lines
    .map((line) => {
      const text = escapeHtml(line);
      const mid = Math.floor(text.length / 2);
      const split = text.slice(0, mid).endsWith('&') || /&[a-z]*$/.test(text.slice(0, mid)) ? text : `${text.slice(0, mid)}<b>${text.slice(mid)}</b>`;
      switch (Math.floor(rnd() * 6)) {
        case 0:
          return `<p>${text}</p>`;
        case 1:
          return `<div>${split}</div>`;
        case 2:
          return `<ul><li>${text}</li></ul>`;
        case 3:
          return `<span>${text}</span><br>`;
        case 4:
          return `<table><tr><td>${text}</td></tr></table>`;
        default:
          return `<p>${split}</p><p></p>`;
      }
    })
    .join('\n');
}

describe.skipIf(!seedsPresent)('normalizeArticle is idempotent', () => {
  const seeds = seedsPresent ? loadSeeds() : [];
  const seedLines = seeds.flatMap((s) => s.text.split('\n')).filter((l) => l.trim() !== '');
  const titles = seeds.map((s) => s.title);
  const rnd = prng(20241013);

  const cases = Array.from({ length: 200 }, (_, n) => {
    const count = 3 + Math.floor(rnd() * 12);
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const pool = rnd() < 0.55 ? seedLines : DEBRIS;
      let line = mutate(pool[Math.floor(rnd() * pool.length)] ?? '', rnd);
      if (rnd() < 0.08) line = `三亿体育${line}`;
      lines.push(line);
      if (rnd() < 0.1) lines.push(line);
    }
    let title = titles[Math.floor(rnd() * titles.length)] ?? '';
    if (rnd() < 0.3) title = mutate(title, rnd);
    if (rnd() < 0.15) lines.unshift(title);
    const html = toHtml(lines, rnd);
    const fromHtml = rnd() < 0.6;
    return { n, title, html, text: fromHtml ? htmlToText(html) : lines.join('\n'), fromHtml };
  });

  it.each(cases.map((c) => [c.n, c] as const))('case %i', (_n, input) => {
    const once = normalizeArticle({ title: input.title, text: input.text, html: input.html });
    const twice = normalizeArticle({ title: once.title, text: once.text, html: once.html, origin: once.origin, author: once.author });
    expect(twice.title).toBe(once.title);
    expect(twice.text).toBe(once.text);
    expect(twice.html).toBe(once.html);
    expect(twice.removed).toEqual([]);
    if (input.fromHtml) expect(htmlToText(once.html ?? '')).toBe(once.text);
  });
});
