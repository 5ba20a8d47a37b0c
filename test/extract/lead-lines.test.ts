/**
 * The lines at the top of a body that are not article text: bylines, the repeated headline,
 * original-title lines, and the reporter credit at the start of the first paragraph.
 */
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/extract/dom.js';
import { extractArticle } from '../../src/extract/extract-article.js';
import { parseBylineLine, parseInlineByline, parseOriginalTitle, takeLeadLines } from '../../src/extract/lead-lines.js';
import { page, prose } from './pages.js';

describe('bylines', () => {
  it.each([
    ['澎湃新闻记者 段彦超 廖艳', ['段彦超', '廖艳']],
    ['自貢融媒記者 卜一珊', ['卜一珊']],
    ['本报记者 张三 李四', ['张三', '李四']],
    ['记者 王五 通讯员 赵六', ['王五', '赵六']],
    ['文/孙七', ['孙七']],
  ])('%s', (line, names) => {
    expect(parseBylineLine(line)).toEqual(names);
  });

  it.each(['记者手记', '文化传承', '科技创新推动高质量发展', '本报记者从会上获悉，全市科技工作成效明显。'])('%s is no byline', (line) => {
    expect(parseBylineLine(line)).toBeUndefined();
  });

  it.each([
    ['长江网10月4日讯（记者陈智 整合） 国庆中秋长假过半', ['陈智']],
    ['新华社巴黎12月9日电（记者唐霁）法国9日再次爆发全国跨行业大罢工', ['唐霁']],
    ['新京报快讯（记者 裴剑飞）今日有网友爆料', ['裴剑飞']],
    ['本站讯（职工通讯员 李琴雯 刘会）为深入推进党建与业务工作紧密结合', ['李琴雯', '刘会']],
  ])('inline: %s', (paragraph, names) => {
    expect(parseInlineByline(paragraph)).toEqual(names);
  });
});

describe('original titles', () => {
  it.each([
    ['（原标题：国务院联防联控机制印发通知）', '国务院联防联控机制印发通知'],
    ['原标题：最强“中国芯”本月商用 华为抢跑5G芯片大战', '最强“中国芯”本月商用 华为抢跑5G芯片大战'],
    ['【原標題】曾洪揚主持召開會議強調 推動科技創新', '曾洪揚主持召開會議強調 推動科技創新'],
    ['【原標(biāo)題】曾洪揚主持召開會議', '曾洪揚主持召開會議'],
  ])('%s', (line, title) => {
    expect(parseOriginalTitle(line)).toBe(title);
  });
});

describe('takeLeadLines', () => {
  it('removes the repeated headline, the byline and the original-title line and reports them', () => {
    const doc = parseDocument(
      page(`<div id="b"><p><strong>某某会议召开</strong></p><p>本报记者 张三</p><p>${prose(120)}</p><p>${prose(80)}</p><p>（原标题：某某会议在京召开）</p></div>`),
    );
    const root = doc.getElementById('b');
    if (!root) throw new Error('no body');
    const found = takeLeadLines(root, '某某会议召开');
    expect(found.authors).toEqual(['张三']);
    expect(found.originalTitle).toBe('某某会议在京召开');
    expect(root.textContent).not.toMatch(/某某会议召开|本报记者|原标题/);
    expect(root.querySelectorAll('p')).toHaveLength(2);
  });

  it('leaves a paragraph that only starts like a byline', () => {
    const html = page(`<h1>标题</h1><div class="zw"><p>新华社北京电（记者唐霁）${prose(200)}</p></div>`);
    const a = extractArticle(html, 'http://x.example/a.html', { timeZone: 'Asia/Shanghai' });
    expect(a.author).toBe('唐霁');
    expect(a.text.startsWith('新华社北京电（记者唐霁）')).toBe(true);
  });
});
