import { describe, expect, it } from 'vitest';
import { detectSpam, removeBrands } from '../../src/normalize/detect-spam.js';
import { stripChromeLines } from '../../src/normalize/strip-chrome-lines.js';
import { SPAM_BRAND, loadSeeds, seedsPresent } from './seed-corpus.js';

/** The lines of seed 001 where the brand was injected. */
const SEED_001 = {
  title: '新疆维吾尔自治区、科学技术部、中国科学院、深圳市“四方合作”工作推进会召开三亿体育',
  lines: [
    '三亿体育7月22日,新疆尔自治区、科学手艺部、中国科学院创新、深圳市“四方合营”就业推动会正在乌鲁木齐召开。崔志坚摄',
    '自治区党委书记马兴瑞,科学手艺部党组书记、部长王志刚,中国科学院院长、党组书记侯开国,深圳市委副书记、市长覃伟中出席集会并谈话。',
    '深度融入“一带一块”维护创新,深化同周边国度科技合营三亿体育,维护面向中亚五国的丝绸之道经济带区域科技立异中央。',
    '“四方合营”就业机造是贯彻落实践闭于新疆就业系列紧张指示指示心灵的紧张设施,欲望各方充塞阐述各自上风,同向而行三亿体育、协同立异,向导更多立异资源向新疆集聚。',
  ],
  footer: '人 民 网 股 份 有 限 公 司 版 权 所 有 ,未 经 书 面 授 权 禁 止 使 用三亿体育创新争持更始驱动兴盛强化科技更始协作 引颈新疆经济社会高质料兴盛迈出更大程序',
};

describe('detectSpam: the injected brand of seed 001', () => {
  it('finds 三亿体育 in title, paragraphs and footer', () => {
    const r = detectSpam({ title: SEED_001.title, text: SEED_001.lines.join('\n'), removed: [SEED_001.footer] });
    expect(r.spam).toBe(true);
    expect(r.brands).toEqual([expect.objectContaining({ brand: SPAM_BRAND, occurrences: 5, places: 5, anchored: true })]);
    expect(r.brands[0]?.reasons).toEqual(['suffix:体育', 'title', 'lines:3', 'footer', 'detached']);
  });

  it('finds it without the title, from paragraphs and footer', () => {
    const r = detectSpam({ title: '', text: SEED_001.lines.join('\n'), removed: [SEED_001.footer] });
    expect(r.brands.map((b) => b.brand)).toEqual([SPAM_BRAND]);
  });

  it('finds it in Traditional script too', () => {
    const r = detectSpam({ title: '推進會召開三億體育', text: ['三億體育7月22日,會議召開。', '深化合作三億體育,推動發展。', '同向而行三億體育、協同創新。'].join('\n') });
    expect(r.brands.map((b) => b.brand)).toEqual([SPAM_BRAND]);
  });

  it('removes the brand in any script or width', () => {
    expect(removeBrands(SEED_001.lines[0] ?? '', [SPAM_BRAND])).toBe(
      '7月22日,新疆尔自治区、科学手艺部、中国科学院创新、深圳市“四方合营”就业推动会正在乌鲁木齐召开。崔志坚摄',
    );
    expect(removeBrands('深化合作三億體育,推動發展', [SPAM_BRAND])).toBe('深化合作,推動發展');
  });

  it('is found on the whole seed once chrome lines are set aside as evidence', () => {
    if (!seedsPresent) return;
    const seed = loadSeeds().find((s) => s.file.startsWith('001'));
    if (!seed) throw new Error('seed 001 missing');
    const chrome = stripChromeLines(seed.text);
    expect(detectSpam({ title: seed.title, text: chrome.lines, removed: chrome.removed }).brands.map((b) => b.brand)).toEqual([SPAM_BRAND]);
  });
});

describe('detectSpam: genuine text is not spam', () => {
  it.each([
    [
      'sports news about the General Administration of Sport',
      '国家体育总局召开全国体育工作会议',
      ['国家体育总局局长出席会议并讲话。', '会议由国家体育总局主办,各地体育中心负责人参加。', '国家体育总局表示,将推进全民体育和竞技体育协调发展。', '体育中心建设加快。'],
      ['国家体育总局版权所有'],
    ],
    [
      'a sports outlet named throughout a sports report',
      '腾讯体育独家：中国队夺冠',
      ['腾讯体育讯 中国队在决赛中夺冠。', '腾讯体育记者在现场看到,运动员们十分激动。', '比赛结束后,教练接受了腾讯体育采访。'],
      ['腾讯体育版权所有'],
    ],
    [
      'an unknown sports outlet in a sports report',
      '星海体育：联赛决赛今晚开打',
      ['星海体育消息,联赛决赛今晚开打,两支球队的运动员已抵达。', '星海体育记者获悉,冠军奖杯已运抵赛场。', '比赛将由星海体育全程直播,教练组表示有信心。'],
      ['星海体育版权所有'],
    ],
    [
      'culture and entertainment',
      '丰富群众文化娱乐生活',
      ['各地丰富群众文化娱乐。', '文化娱乐活动精彩纷呈,文化娱乐场所有序开放。', '加强文化娱乐市场监管。'],
      [],
    ],
    [
      'a ministry website cited as the source',
      '科技部官网发布申报指南',
      ['科技部官网近日发布2024年度申报指南。', '申报单位可登录科技部官网查询。', '详情见科技部官网。'],
      [],
    ],
    [
      'a prize website credited for photos',
      '未来科学大奖揭晓',
      ['（图片来源：未来科学大奖官网）', '2019未来科学大奖获奖名单公布。(来源:未来科学大奖官网)', '据未来科学大奖官网消息,颁奖典礼将于11月举行。'],
      [],
    ],
    [
      'the state lottery',
      '中国体育彩票公益金助力全民健身',
      ['中国体育彩票公益金支持建设社区健身设施。', '中国体育彩票销售额稳步增长。', '中国体育彩票始终坚持公益属性。'],
      ['中国体育彩票版权所有'],
    ],
  ])('%s', (_what, title, lines, removed) => {
    const r = detectSpam({ title, text: lines.join('\n'), removed });
    expect(r.spam).toBe(false);
    expect(r.brands).toEqual([]);
  });

  it('flags nothing in the four genuine seeds', () => {
    if (!seedsPresent) return;
    for (const seed of loadSeeds().filter((s) => !s.file.startsWith('001'))) {
      const chrome = stripChromeLines(seed.text);
      expect(detectSpam({ title: seed.title, text: chrome.lines, removed: chrome.removed }).spam, seed.file).toBe(false);
    }
  });

  it('needs a gambling word, not just repetition', () => {
    const r = detectSpam({ title: '科技创新平台建设加快', text: ['加快建设科技创新平台。', '科技创新平台,成效显著。', '依托科技创新平台、推动转化。'].join('\n') });
    expect(r.candidates).toEqual([]);
  });
});
