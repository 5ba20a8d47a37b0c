import { describe, expect, it } from 'vitest';
import { fixPunctuationDebris } from '../../src/normalize/fix-punctuation-debris.js';

describe('fixPunctuationDebris: debris from seed 003', () => {
  it.each([
    ['5月15日,十三屆市委科技委員會(huì)第一次會(huì)議召開(kāi),,市委書(shū)記,、委員會(huì)主任', '5月15日,十三屆市委科技委員會(huì)第一次會(huì)議召開(kāi),市委書(shū)記、委員會(huì)主任'],
    ['曾洪揚(yáng)主持會(huì)議並講話,。他強(qiáng)調(diào)', '曾洪揚(yáng)主持會(huì)議並講話。他強(qiáng)調(diào)'],
    ['市委副書(shū)記,、市長(zhǎng)、委員會(huì)主任石鋼出席,。', '市委副書(shū)記、市長(zhǎng)、委員會(huì)主任石鋼出席。'],
    ['會(huì)議指出,,黨的十八大以來(lái)', '會(huì)議指出,黨的十八大以來(lái)'],
    ['力爭(zhēng)更多國(guó)省創(chuàng)新資源布局自貢,;充分整合', '力爭(zhēng)更多國(guó)省創(chuàng)新資源布局自貢;充分整合'],
    ['培養(yǎng)一批技能人才,;強(qiáng)化金融助力', '培養(yǎng)一批技能人才;強(qiáng)化金融助力'],
  ])('%s', (input, expected) => {
    expect(fixPunctuationDebris(input)).toBe(expected);
  });
});

describe('fixPunctuationDebris: full-width and other forms', () => {
  it.each([
    ['会议召开，，市委书记，、委员会主任', '会议召开，市委书记、委员会主任'],
    ['主持会议并讲话，。', '主持会议并讲话。'],
    ['资源布局自贡，；充分整合', '资源布局自贡；充分整合'],
    ['召开,,,市委', '召开,市委'],
    ['召开，,市委', '召开，市委'],
    ['讲话。,他强调', '讲话。他强调'],
    ['书记、，市长', '书记、市长'],
    ['书记、、市长', '书记、市长'],
    ['讲话。。他强调', '讲话。他强调'],
    [',会议指出', '会议指出'],
    ['第一行\n，第二行', '第一行\n第二行'],
    ['“,两区”建设', '“两区”建设'],
    ['Hello,, world', 'Hello, world'],
  ])('%s', (input, expected) => {
    expect(fixPunctuationDebris(input)).toBe(expected);
  });
});

describe('fixPunctuationDebris: normal punctuation stays', () => {
  it.each([
    '会议围绕深入贯彻落实党的二十大精神,集思广益,理清思路,振奋精神,谋划发展。', // seed 002, ASCII commas kept as written
    '构建形成“19+4”常态化、制度化科技援疆工作机制,组织科技援疆省市充分发挥自身优势', // seed 004
    '调水超845亿立方米!南水北调11年效益显著', // seed 004
    '投入资金1,000万元',
    'a, b, and c',
    'e.g., this one',
    '……',
    '等等。。。',
    '第一，加强领导；第二，完善机制。',
  ])('%s', (input) => {
    expect(fixPunctuationDebris(input)).toBe(input);
  });

  it('keeps the start of a fragment (an HTML text node continues a line)', () => {
    expect(fixPunctuationDebris('，李四', { fragment: true })).toBe('，李四');
    expect(fixPunctuationDebris('，李四')).toBe('李四');
  });

  it('is idempotent', () => {
    const once = fixPunctuationDebris('召开,,、,。市委，，，、');
    expect(fixPunctuationDebris(once)).toBe(once);
  });
});
