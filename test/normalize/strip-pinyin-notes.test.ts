import { describe, expect, it } from 'vitest';
import { stripPinyinNotes } from '../../src/normalize/strip-pinyin-notes.js';

describe('stripPinyinNotes: notes after Han characters go', () => {
  it.each([
    // seed 000
    [
      '5月8日和5月12日,自治區(qū)科技廳黨組書(shū)記、副廳長(zhǎng)孫永建一行分別赴克拉瑪依市、石河子市調(diào)研科技工作。',
      '5月8日和5月12日,自治區科技廳黨組書記、副廳長孫永建一行分別赴克拉瑪依市、石河子市調研科技工作。',
    ],
    ['克拉瑪依市調(diào)研場(chǎng)景。', '克拉瑪依市調研場景。'],
    ['白堿灘區(qū)(克拉瑪依高新區(qū))、克拉瑪依石化公司', '白堿灘區(克拉瑪依高新區)、克拉瑪依石化公司'],
    // seed 003
    ['自貢融媒記者 卜一珊', '自貢融媒記者 卜一珊'],
    ['爭(zhēng)創(chuàng)國(guó)家級(jí)無(wú)人機(jī)產(chǎn)業(yè)創(chuàng)新中心', '爭創國家級無人機產業創新中心'],
    ['提速建設(shè)川南渝西科技成果轉(zhuǎn)化中試基地(B區(qū));', '提速建設川南渝西科技成果轉化中試基地(B區);'],
    ['【原標(biāo)題】曾洪揚(yáng)主持召開(kāi)十三屆市委科技委員會(huì)第一次會(huì)議', '【原標題】曾洪揚主持召開十三屆市委科技委員會第一次會議'],
    // forms the seeds do not show
    ['會（huì）議', '會議'],
    ['無(wú rén jī)', '無'],
    ['女(nǚ)性綠(lǜ)色', '女性綠色'],
    ['區(qū)(qū)', '區'],
    ['區( qū )', '區'],
    ['區(qu\u0304)', '區'],
    ["西(xī'ān)安", '西安'],
  ])('%s', (input, expected) => {
    expect(stripPinyinNotes(input)).toBe(expected);
  });
});

describe('stripPinyinNotes: ordinary brackets stay', () => {
  it.each([
    '对照《甘肃省科技成果评价办法实施细则(试行)》,按照“评什么”“谁来评”“怎么评”“怎么用”的思路', // seed 002
    '今天上午(19日),沪渝蓉高铁全线重点控制性工程', // seed 004
    '中国石油大学(北京)克拉玛依校区',
    '发布时间(2024)',
    '（2024）',
    '人工智能(AI)',
    '区(qu)', // no tone mark
    '的(de)',
    'abc(qū)', // not after a Han character
    'see (qū) here',
    '北京(Běijīng)', // capitalized: an author's gloss, not converter debris
    '区(' + 'ā'.repeat(70) + ')', // longer than any note
  ])('%s', (input) => {
    expect(stripPinyinNotes(input)).toBe(input);
  });
});

describe('stripPinyinNotes: fragments', () => {
  it('removes a note at the start of a fragment when the text before ended in a Han character', () => {
    expect(stripPinyinNotes('(qū)科技廳', { precededBy: '區' })).toBe('科技廳');
    expect(stripPinyinNotes('(qū)科技廳', { precededBy: 'a' })).toBe('(qū)科技廳');
    expect(stripPinyinNotes('(qū)科技廳')).toBe('(qū)科技廳');
  });

  it('is idempotent and linear on hostile input', () => {
    const once = stripPinyinNotes('區(qū)(qū)書(shū)');
    expect(stripPinyinNotes(once)).toBe(once);
    const hostile = `區(${'ā '.repeat(20000)}`;
    expect(stripPinyinNotes(hostile)).toBe(hostile);
  });
});
