/**
 * Headline choice: `<title>` cleaning, and the visible headline beating the site name, the
 * column name, breadcrumbs, sidebar headings and broken meta tags.
 */
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/extract/extract-article.js';
import { cleanTitleTag, commonTitleAffixes, splitTitleTag } from '../../src/extract/title.js';
import { CRUMB, FOOTER, NAV, page, prose } from './pages.js';

const opts = { timeZone: 'Asia/Shanghai' };

describe('splitTitleTag / cleanTitleTag', () => {
  it.each([
    ['外媒眼中的武汉长假：蓬勃发展，欢声笑语_首页武汉_新闻中心_长江网_cjn.cn', '外媒眼中的武汉长假：蓬勃发展，欢声笑语'],
    ['庆阳市科技局召开务虚会 - 庆阳市科学技术局', '庆阳市科技局召开务虚会'],
    ['曾洪揚主持召開十三屆市委科技委員會第一次會議-自貢網', '曾洪揚主持召開十三屆市委科技委員會第一次會議'],
    ['最强“中国芯”本月商用 华为抢跑5G芯片大战|中国芯|芯片_新浪新闻', '最强“中国芯”本月商用 华为抢跑5G芯片大战'],
    ['新闻动态--中国地理学会官网', '中国地理学会官网'],
    ['科技部 —— 关于开展2024年度国家重点研发计划申报工作的通知', '关于开展2024年度国家重点研发计划申报工作的通知'],
    ['中国政府网 | 国务院常务会议研究部署科技创新工作', '国务院常务会议研究部署科技创新工作'],
    ['新冠肺炎COVID-19疫情防控科研攻关进展', '新冠肺炎COVID-19疫情防控科研攻关进展'],
    ['2024-2025学年科技创新大赛获奖名单公布', '2024-2025学年科技创新大赛获奖名单公布'],
  ])('%s → %s', (raw, main) => {
    expect(cleanTitleTag(raw).main).toBe(main);
  });

  it('keeps the dropped parts as the site and column names', () => {
    expect(cleanTitleTag('标题正文内容很长很长_栏目_某某网').dropped).toEqual(['栏目', '某某网']);
    expect(splitTitleTag('标题 - 站点')).toEqual(['标题', '站点']);
  });

  it('cuts a trailing site name separated by a space when the page names it as its site', () => {
    expect(cleanTitleTag('我院举办2019年中药技能大赛 湖南省某某医院', ['湖南省某某医院']).main).toBe('我院举办2019年中药技能大赛');
  });
});

describe('chooseTitle through extractArticle', () => {
  it('takes the h1 that agrees with <title>, not the site name in the logo heading', () => {
    const html = page(
      `<h1 class="logo"><a href="/">某某市科学技术局</a></h1>${NAV}${CRUMB}<div class="article"><h2>市科技局召开科技工作推进会</h2><div class="info">发布时间：2024-03-01 来源：市科技局</div><div class="TRS_Editor"><p>${prose(200)}</p></div></div>${FOOTER}`,
      '<title>市科技局召开科技工作推进会 - 某某市科学技术局</title>',
    );
    const a = extractArticle(html, 'http://kj.example.gov.cn/xwdt/202403/t20240301_1.html', opts);
    expect(a.title).toBe('市科技局召开科技工作推进会');
    expect(a.via.title).toBe('heading:h2');
  });

  it('finds the headline before the info line when <title> holds only the column and site', () => {
    const html = page(
      `${NAV}<div class="title_la"><h3>首页 - 新闻动态</h3></div><div class="news"><h5>2024年某某学术年会在西南大学成功举行</h5><div class="ly">发布时间：2024-05-18 来源：某某学会</div><div class="detailCon"><p>${prose(300)}</p></div></div><div class="side"><h4>联系我们</h4><h5>某某学会</h5></div>`,
      '<title>新闻动态--某某学会官网</title>',
    );
    expect(extractArticle(html, 'http://x.example/content.aspx?id=1', opts).title).toBe('2024年某某学术年会在西南大学成功举行');
  });

  it('joins a headline broken by <br> without spaces, as the page shows it', () => {
    const html = page(
      `<div id="UCAP-CONTENT"><p align="center"><strong>全国人民代表大会常务委员会<br>关于批准某项决议的决定</strong><br>（2007年6月29日通过）</p><p>${prose(150)}</p></div>`,
      '<title>全国人民代表大会常务委员会关于批准某项决议的决定__国务院公报_中国政府网</title>',
    );
    const a = extractArticle(html, 'http://www.example.gov.cn/gongbao/content.htm', opts);
    expect(a.title).toBe('全国人民代表大会常务委员会关于批准某项决议的决定');
    expect(a.text).not.toContain('全国人民代表大会常务委员会');
  });

  it('ignores a truncated og:title and a headline inside a related list', () => {
    const html = page(
      `<h1>奖金711万元！"中国诺贝尔奖"首位获奖女性啥来头?</h1><div class="post_time_source">2019-09-08 00:20:15\u3000来源: <a href="#">每日经济新闻</a></div><div class="post_text"><p>${prose(400)}</p></div><ul class="related"><li><h3><a href="/a.html">另一篇报道的标题在这里出现</a></h3></li></ul>`,
      '<title>奖金711万元！"中国诺贝尔奖"首位获奖女性啥来头?_网易新闻</title><meta property="og:title" content="奖金711万元！">',
    );
    expect(extractArticle(html, 'http://x.example/a.html', opts).title).toBe('奖金711万元！"中国诺贝尔奖"首位获奖女性啥来头?');
  });

  it('falls back to the ArticleTitle meta, then the cleaned <title>, then the feed title', () => {
    const body = `<div class="zw"><p>${prose(200)}</p></div>`;
    const meta = '<meta name="ArticleTitle" content="关于印发科技计划管理办法的通知"><title>关于印发科技计划管理办法的通知_某某省科技厅</title>';
    expect(extractArticle(page(body, meta), 'http://x.example/a.html', opts).title).toBe('关于印发科技计划管理办法的通知');
    expect(extractArticle(page(body, '<title>关于印发科技计划管理办法的通知_某某省科技厅</title>'), 'http://x.example/a.html', opts).title).toBe(
      '关于印发科技计划管理办法的通知',
    );
    expect(extractArticle(page(body), 'http://x.example/a.html', { ...opts, feed: { title: '来自订阅源的标题' } }).title).toBe('来自订阅源的标题');
  });

  it('never takes a breadcrumb as the headline', () => {
    const html = page(`<h2 class="crumb-title">首页 > 工作动态 > 正文</h2><div class="zw"><p>${prose(200)}</p></div>`, '<title>市科技局开展科技活动周活动_某某市科技局</title>');
    expect(extractArticle(html, 'http://x.example/a.html', opts).title).toBe('市科技局开展科技活动周活动');
  });
});

describe('site-name headings', () => {
  it('does not take a logo heading equal to a <title> that is only the site name', () => {
    const html = page(
      `<header><h1>某某市人民政府</h1></header>${NAV}${'<div class="banner"><a href="/x">专题</a></div>'.repeat(30)}${CRUMB}<div class="xl"><h2>市政府召开常务会议研究科技创新工作</h2><div class="xx">发布时间：2024-06-01 来源：市政府办公室</div><div class="zw"><p>${prose(300)}</p></div></div>${FOOTER}`,
      '<title>某某市人民政府</title><meta name="SiteName" content="某某市人民政府">',
    );
    expect(extractArticle(html, 'http://www.example.gov.cn/art/2024/6/1/art_1_2.html', opts).title).toBe('市政府召开常务会议研究科技创新工作');
  });
});

describe('commonTitleAffixes', () => {
  it('finds what the titles of one site share at a separator', () => {
    expect(commonTitleAffixes(['市科技局召开推进会_工作动态_某某市科技局', '关于申报项目的通知_通知公告_某某市科技局'])).toEqual({ prefix: '', suffix: '_某某市科技局' });
    expect(commonTitleAffixes(['某某网 - 新闻 - 标题一', '某某网 - 新闻 - 标题二号'])).toEqual({ prefix: '某某网 - 新闻 - ', suffix: '' });
    expect(commonTitleAffixes(['只有一个标题'])).toEqual({ prefix: '', suffix: '' });
  });

  it('cuts the shared part of the site titles from the page title', () => {
    const siteTitles = ['关于申报项目的通知 科技厅门户', '科技活动周启动 科技厅门户'];
    expect(cleanTitleTag('2024年科技工作会议召开 科技厅门户', [], siteTitles)).toEqual({ main: '2024年科技工作会议召开', dropped: ['科技厅门户'] });
    const html = page(`<div class="zw"><p>${prose(200)}</p></div>`, '<title>2024年科技工作会议召开 科技厅门户</title>');
    expect(extractArticle(html, 'http://x/a', { ...opts, siteTitles }).title).toBe('2024年科技工作会议召开');
  });
});
