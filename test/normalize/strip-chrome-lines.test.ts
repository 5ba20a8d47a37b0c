import { describe, expect, it } from 'vitest';
import { chromeRuleOf, stripChromeLines } from '../../src/normalize/strip-chrome-lines.js';
import { toLines } from '../../src/normalize/text-lines.js';
import { seedLines, seedsPresent } from './seed-corpus.js';

function ruleOf(line: string): string | undefined {
  const [parsed] = toLines(line);
  return parsed ? chromeRuleOf(parsed)?.name : undefined;
}

/** A long article paragraph (seed 004), so that position rules have an article to measure from. */
const PARAGRAPH =
  '马兴瑞代表自治区党委、政府和兵团,对科技部等国家部委和各援疆省市对新疆科技事业的支持和帮助表示感谢。他指出,科技部等国家部委和各援疆省市坚持把科技援疆作为重大政治任务。';
const PARAGRAPH_2 =
  '阴和俊指出,科技部坚决贯彻党中央决策部署,把科技援疆作为全国科技界落实新时代党的治疆方略的重大政治任务来谋划和推动,会同有关部门及地方,构建形成“19+4”常态化、制度化科技援疆工作机制。';

describe('chrome line rules: seed lines', () => {
  it.each([
    // seed 002: font-size picker and login box
    ['32px', 'font-size'],
    ['- 12px', 'font-size'],
    ['- 50px', 'font-size'],
    ['账号+密码登录', 'widget'],
    ['手机+密码登录', 'widget'],
    ['还没有账号?', 'widget'],
    ['立即注册', 'widget'],
    // seed 003: the comment counter left alone on the last line
    ['0', 'bare-number'],
    // seed 004: portal chrome
    ['网站首页 每日新闻杂志要闻快讯纪实现场专题报道社会热点就案说法海疆之声 成为会员', 'navigation'],
    ['每日新闻网 > 科技前沿 > 第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开', 'breadcrumb-path'],
    ['来源:央视新闻客户端 | 时间:2024-10-13 18:44:04 | 点击:1206', 'info-line'],
    ['【作者:】', 'empty-label'],
    ['文章评论', 'widget'],
    ['全部评论', 'widget'],
    ['更多推荐', 'block-heading'],
    ['今日热点', 'block-heading'],
    ['友情链接', 'block-heading'],
    ['2024', 'bare-number'],
    ['10/13', 'date-fragment'],
    ['18:44', 'date-fragment'],
    ['浏览量: 1206', 'counter'],
    ['大字号', 'widget'],
    ['分享', 'widget'],
    ['关于我们         联系我们         免责声明         人员查询', 'navigation'],
    ['• 扫码看全网内容', 'app-prompt'],
    ['地址:北京市海淀区定慧西里乙18号 联系电话:电话/传真010-88117470 010–52463177 18611141167(微信同号)邮箱1026329972@qq.com (每日新闻) 内线800转108', 'site-footer'],
    ['网站备案/许可证工信部:京ICP备2025111695号-2 京公网安备11010802046001号 信息网络传播视听节目许可证:0110537号', 'copyright'],
    // seed 000 (as it reads once strip-pinyin-notes ran)
    ['免責聲明:本網轉載自其它媒體的文章,目的在于弘揚科技創新精神,傳遞更多科技創新信息,并不代表本網贊同其觀點和對其真實性負責,在此我們謹向原作者和原媒體致以敬意。', 'disclaimer'],
    // seed 001
    ['黎民日报社概略闭于黎民网报社任用任用英才告白任职合营加盟供稿任职数据任职网站声明网站讼师消息掩护联络咱们', 'navigation-run'],
    ['人 民 网 股 份 有 限 公 司 版 权 所 有 ,未 经 书 面 授 权 禁 止 使 用三亿体育创新争持更始驱动兴盛强化科技更始协作 引颈新疆经济社会高质料兴盛迈出更大程序', 'copyright'],
  ])('%s → %s', (line, rule) => {
    expect(ruleOf(line)).toBe(rule);
  });
});

describe('chrome line rules: site pages and common furniture', () => {
  it.each([
    // kjxx (Traditional)
    ['當前位置:首頁 > 科技援疆 > 正文', 'breadcrumb-label'],
    ['發布時間:2021-05-14 10:20   來源:新疆維吾爾自治區科學技術廳   瀏覽次數:386', 'info-line'],
    ['分享到:微信微博QQ空間', 'widget'],
    ['上一篇:自治區召開科技成果轉化工作推進會', 'prev-next'],
    ['下一篇:沒有了', 'prev-next'],
    ['熱點排行', 'block-heading'],
    ['關於我們 | 聯繫我們 | 網站地圖 | 版權聲明', 'navigation'],
    ['Copyright © 2008-2021 科技信息網 All Rights Reserved 新ICP備08000123號', 'copyright'],
    ['請輸入關鍵詞', 'input-prompt'],
    // qysti
    ['您现在的位置:首页 >> 工作动态', 'breadcrumb-label'],
    ['字号:', 'widget'],
    ['发布时间:2022-11-18 09:36 来源:庆阳市科技局 浏览次数:', 'info-line'],
    ['主办:庆阳市科学技术局 地址:庆阳市西峰区南大街 邮编:745000', 'site-footer'],
    ['陇ICP备05000345号', 'copyright'],
    // zgrm, xjkjt
    ['undefined 條評論 我要評論', 'widget'],
    ['相關閱讀', 'block-heading'],
    ['自貢網版權所有 未經授權禁止轉載 川ICP備12000345號', 'copyright'],
    ['2024-10-14 10:00 来源:新疆日报 【字体:大 中 小】 【打印】', 'info-line'],
    ['2024-10-14 10:00 来源:新疆日报', 'info-line-dated'],
    ['2025-05-15 19:42來源:自貢日報', 'info-line-dated'],
    ['首頁自貢新聞視頻下載客戶端', 'navigation'],
    ['首页机构概况科技动态政务公开互动交流', 'navigation'],
    // the furniture vocabulary of government pages
    ['字号：大 中 小', 'widget'],
    ['【字体：大 中 小】', 'widget'],
    ['字体：[大][中][小]', 'widget'],
    ['【打印本页】【关闭窗口】', 'widget'],
    ['【打印】【关闭】', 'widget'],
    ['分享到：', 'widget'],
    ['微信 微博 QQ空间', 'widget'],
    ['收藏', 'widget'],
    ['用户名', 'widget'],
    ['密码', 'widget'],
    ['登录 注册 忘记密码', 'widget'],
    ['评论(0)', 'widget'],
    ['已有0条评论', 'widget'],
    ['我要评论', 'widget'],
    ['网友评论', 'widget'],
    ['相关文章', 'block-heading'],
    ['【推荐阅读】', 'block-heading'],
    ['点击:1206', 'counter'],
    ['浏览次数：386', 'counter'],
    ['首页 / 新闻中心 / 正文', 'breadcrumb-home'],
    ['来源: 新华社 | 时间: 2024-10-13', 'info-line'],
    ['版权归原作者所有，如有侵权请联系删除', 'reprint-notice'],
    ['本网转载自其它媒体，旨在传递更多信息', 'reprint-notice'],
    ['网站标识码6500000001', 'copyright'],
    ['版权所有：新疆维吾尔自治区科学技术厅', 'copyright'],
    ['主办单位：新疆维吾尔自治区科学技术厅 技术支持：某某公司', 'site-footer'],
  ])('%s → %s', (line, rule) => {
    expect(ruleOf(line)).toBe(rule);
  });
});

describe('chrome line rules: article text stays', () => {
  it.each([
    PARAGRAPH,
    '会议强调，要推动科技成果共享，鼓励企业登录国家科技管理信息系统进行项目申报，并在线分享创新经验。',
    '市民可登录官方网站查询，或通过微信、微博分享。',
    '评论员文章：坚持创新驱动发展',
    '大中小企业融通发展',
    '分享经济',
    '附件：2024年度项目申报指南.pdf',
    '2024年10月13日',
    '新疆维吾尔自治区科学技术厅',
    '一、总体要求',
    '本次活动主办单位为自治区科技厅，承办单位为乌鲁木齐市科技局。',
    '上一篇报道中提到的项目已经落地。',
    'ICP备案管理办法修订',
    '版权所有人依法享有的权利受到保护',
    '联系人：张三 联系电话：0991-1234567',
    '活动时间：10月15日 活动地点：乌鲁木齐',
    '今天上午(19日),沪渝蓉高铁全线重点控制性工程——通泰扬特大桥跨京杭运河桥顺利合龙。',
    '克拉瑪依市調研場景。',
    '(王兴瑞)',
  ])('%s', (line) => {
    expect(ruleOf(line)).toBeUndefined();
  });
});

describe('stripChromeLines: structure and position', () => {
  it('removes the title echo', () => {
    const r = stripChromeLines(`庆阳市科技局召开务虚会\n${PARAGRAPH}`, { title: '庆阳市科技局召开务虚会' });
    expect(r.text).toBe(PARAGRAPH);
    expect(r.removed).toEqual([expect.objectContaining({ rule: 'title-echo', line: '庆阳市科技局召开务虚会' })]);
  });

  it('removes a block heading with its link titles and teasers, and stops at the next paragraph', () => {
    const text = [
      PARAGRAPH,
      '更多推荐',
      '调水超845亿立方米!南水北调11年效益显著',
      '新华社北京12月21日电 题:调水超845亿立方米!南水北调11年效益显著 新华社记者魏弘毅 近日,南水北调东中线一期工程迎来全面通水11周年。记者从中国南水北调集团有限公司获悉,工程已累计向北方调水超84...',
      '2024',
      '世界在建最长高铁桥梁进度刷新 跨京杭运河斜拉桥顺利合龙',
      PARAGRAPH_2,
    ].join('\n');
    const r = stripChromeLines(text);
    expect(r.lines.map((l) => l.text)).toEqual([PARAGRAPH, PARAGRAPH_2]);
    expect(r.removed.map((x) => x.rule)).toEqual(['block-heading', 'block-item', 'block-item', 'bare-number', 'block-item']);
  });

  it('cuts the page footer after the copyright line, and the contact lines just above it', () => {
    const text = [
      PARAGRAPH,
      '地址:北京市海淀区定慧西里乙18号 联系电话:010-88117470',
      '网站备案/许可证工信部:京ICP备2025111695号-2',
      '每日新闻网秉承“新闻视野、文化视角、思想深度、理论高度、脚踏实地”的理念,运用互联网的快速传播技术和丰富的移动链接平台,传播优秀文化。',
    ].join('\n');
    const r = stripChromeLines(text);
    expect(r.text).toBe(PARAGRAPH);
    expect(r.removed.map((x) => x.rule)).toEqual(['site-footer', 'copyright', 'page-footer']);
  });

  it('does not cut at a copyright line before the article', () => {
    const r = stripChromeLines(['Copyright © 2024 某某网', PARAGRAPH, PARAGRAPH_2].join('\n'));
    expect(r.lines.map((l) => l.text)).toEqual([PARAGRAPH, PARAGRAPH_2]);
  });

  it('removes menu runs and the site header around the article, never inside it', () => {
    const provinces = ['• 浙江', '• 新疆', '• 内蒙古', '• 吉林', '• 重庆'];
    const text = ['每日新闻网 权威新闻门户', ...provinces, '首页 > 科技前沿 > 正文', PARAGRAPH, '一、总体要求', '二、主要任务', '三、保障措施', '四、组织实施', PARAGRAPH_2].join('\n');
    const r = stripChromeLines(text);
    expect(r.lines.map((l) => l.text)).toEqual([PARAGRAPH, '一、总体要求', '二、主要任务', '三、保障措施', '四、组织实施', PARAGRAPH_2]);
    expect(r.removed.map((x) => x.rule)).toEqual(['site-header', ...provinces.map(() => 'menu-run'), 'breadcrumb-path']);
  });

  it('keeps short lines when there is no article paragraph to measure from', () => {
    const text = ['浙江', '新疆', '吉林', '重庆', '辽宁'].join('\n');
    expect(stripChromeLines(text).text).toBe(text);
  });

  it('returns what the info lines named', () => {
    const r = stripChromeLines(['發布時間:2021-05-14 10:20   來源:新疆維吾爾自治區科學技術廳   瀏覽次數:386', PARAGRAPH].join('\n'));
    expect(r.found).toEqual({ origin: '新疆維吾爾自治區科學技術廳', author: null, published: '2021-05-14 10:20' });
    const dated = stripChromeLines(['2024-10-14 10:00 来源:新疆日报 作者:李明 【字体:大 中 小】 【打印】', PARAGRAPH].join('\n'));
    expect(dated.found).toEqual({ origin: '新疆日报', author: '李明', published: '2024-10-14 10:00' });
  });

  it('is idempotent on the seeds', () => {
    if (!seedsPresent) return;
    for (const file of ['002_6de3c3d354a35f81.txt', '004_dbd5d3fc1f982505.txt']) {
      const once = stripChromeLines(seedLines(file).join('\n'), { title: '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开' });
      const twice = stripChromeLines(once.text, { title: '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开' });
      expect(twice.text).toBe(once.text);
      expect(twice.removed).toEqual([]);
    }
  });
});

describe.skipIf(!seedsPresent)('stripChromeLines: seed 004, the national portal', () => {
  it('keeps exactly the six article paragraphs', () => {
    const r = stripChromeLines(seedLines('004_dbd5d3fc1f982505.txt').join('\n'), { title: '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开' });
    expect(r.lines).toHaveLength(6);
    expect(r.lines[0]?.text).toMatch(/^第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开/);
    expect(r.lines[5]?.text).toMatch(/重点企业代表等参加会议。$/);
    expect(r.found.origin).toBe('央视新闻客户端');
  });
});
