import { describe, expect, it } from 'vitest';
import { extractMetaLines, stripInlineByline } from '../../src/normalize/extract-meta-lines.js';
import { matchForm } from '../../src/normalize/fold-width.js';

type Field = 'originalTitle' | 'editors' | 'reporters' | 'origin' | 'author';

describe('extractMetaLines: lines moved to fields', () => {
  it.each<[string, Field, string | string[]]>([
    // seed 003 (as it reads once strip-pinyin-notes ran)
    ['自貢融媒記者 卜一珊', 'reporters', ['卜一珊']],
    [
      '【原標題】曾洪揚主持召開十三屆市委科技委員會第一次會議強調 推動科技創新和產業創新深度融合 塑造自貢高質量發展新動能新優勢 石鋼出席',
      'originalTitle',
      '曾洪揚主持召開十三屆市委科技委員會第一次會議強調 推動科技創新和產業創新深度融合 塑造自貢高質量發展新動能新優勢 石鋼出席',
    ],
    ['編輯:宋姿熠', 'editors', ['宋姿熠']],
    ['責任編輯:繆靜', 'editors', ['繆靜']],
    ['編審:張宏彥', 'editors', ['張宏彥']],
    // zgrm's page flattens its editors' footer into one line, counter included
    ['責任編輯:繆靜 編審:張宏彥 0', 'editors', ['繆靜', '張宏彥']],
    // the other credit forms
    ['（责任编辑：张三）', 'editors', ['张三']],
    ['(责任编辑:张三 李四)', 'editors', ['张三', '李四']],
    ['审核：王五 校对：赵六', 'editors', ['王五', '赵六']],
    ['本报记者 张三 李四', 'reporters', ['张三', '李四']],
    ['记者：张三', 'reporters', ['张三']],
    ['新华社记者 魏弘毅', 'reporters', ['魏弘毅']],
    ['记者 张三 通讯员 王五', 'reporters', ['张三', '王五']],
    ['通讯员 王五、刘六', 'reporters', ['王五', '刘六']],
    ['文/图 张三', 'reporters', ['张三']],
    ['文/李四', 'reporters', ['李四']],
    ['图/文 王五', 'reporters', ['王五']],
    ['(记者 艾尔肯·吐尼亚孜)', 'reporters', ['艾尔肯·吐尼亚孜']],
    ['来源：自贡日报', 'origin', '自贡日报'],
    ['【来源：新华社】', 'origin', '新华社'],
    ['來源:自貢日報', 'origin', '自貢日報'],
    ['作者：张三', 'author', '张三'],
    ['原标题：曾洪扬主持召开十三届市委科技委员会第一次会议', 'originalTitle', '曾洪扬主持召开十三届市委科技委员会第一次会议'],
    ['（原标题：单项奖金100万美元）', 'originalTitle', '单项奖金100万美元'],
  ])('%s → %s', (line, field, value) => {
    const r = extractMetaLines(line);
    expect(r.text).toBe('');
    expect(r[field]).toEqual(value);
    expect(r.removed).toHaveLength(1);
  });
});

describe('extractMetaLines: text stays', () => {
  it.each([
    '记者从会上获悉,今年全市将新建5个创新平台。',
    '记者从会上获悉',
    '会议审核通过了《实施方案》。',
    '审核通过了有关文件',
    '编辑部地址:北京市',
    '来源:国家统计局数据显示,一季度增长5%。',
    '【作者:】', // an empty field is chrome's (strip-chrome-lines: empty-label), not a credit
    '委員會副主任,有關市領導,高新區管委會、各區縣黨委以及市級有關部門主要負責同志參加會議。', // seed 003
    '中国科学院副院长汪克强,自治区和兵团率领陈伟俊、凯赛尔·阿不都克热木、哈增友;科学手艺部、中国科学院、深圳市相闭部分承担同道和闭连企业承担人,自治区相闭部分、地州市和兵团相闭师市承担同道及核心企业代表等插手集会。(王兴瑞)', // seed 001
  ])('%s', (line) => {
    const r = extractMetaLines(line);
    expect(r.text).toBe(line);
    expect(r.removed).toEqual([]);
  });
});

describe('inline bylines', () => {
  const lead = '新疆日报讯(记者 李明)第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开。';

  it('takes the names and keeps the paragraph by default', () => {
    const r = extractMetaLines(lead);
    expect(r.text).toBe(lead);
    expect(r.reporters).toEqual(['李明']);
  });

  it('cuts the byline out on request', () => {
    const r = extractMetaLines(lead, { stripInlineBylines: true });
    expect(r.text).toBe('新疆日报讯第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开。');
    expect(r.reporters).toEqual(['李明']);
  });

  it.each([
    ['新华社北京10月13日电（记者 魏弘毅）近日,南水北调东中线一期工程迎来全面通水。', '新华社北京10月13日电近日,南水北调东中线一期工程迎来全面通水。', ['魏弘毅']],
    ['(记者 张三 通讯员 王五)会议指出,要加快发展。', '会议指出,要加快发展。', ['张三', '王五']],
    ['各方代表参加会议。(记者 张三)', '各方代表参加会议。', ['张三']],
    ['今天上午(19日),沪渝蓉高铁全线重点控制性工程顺利合龙。', '今天上午(19日),沪渝蓉高铁全线重点控制性工程顺利合龙。', []],
  ])('%s', (line, text, reporters) => {
    expect(stripInlineByline(line, matchForm(line))).toEqual({ text, reporters });
  });
});

describe('extractMetaLines: a whole credit block', () => {
  it('collects every field and keeps the order of the rest', () => {
    const r = extractMetaLines(['自貢融媒記者 卜一珊', '会议指出,要加快发展。', '【原標題】原来的标题', '編輯:宋姿熠', '責任編輯:繆靜', '編審:張宏彥', '來源:自貢日報'].join('\n'));
    expect(r.text).toBe('会议指出,要加快发展。');
    expect(r).toMatchObject({
      originalTitle: '原来的标题',
      editors: ['宋姿熠', '繆靜', '張宏彥'],
      reporters: ['卜一珊'],
      origin: '自貢日報',
      author: null,
    });
    expect(r.removed.map((x) => x.rule)).toEqual(['reporters', 'original-title', 'editors', 'editors', 'editors', 'origin']);
  });
});
