import { describe, expect, it } from 'vitest';
import { foldCase, foldWidth, formPattern, matchForm, sameShape, sliceOriginal } from '../../src/normalize/fold-width.js';

describe('foldWidth', () => {
  it.each([
    ['ＩＣＰ备２０２４', 'ICP备2024'],
    ['来源：新华社（记者）', '来源:新华社(记者)'],
    ['点击，，。', '点击,,。'],
    ['第一\u3000段', '第一 段'],
    ['ａｂｃ！？～', 'abc!?~'],
    ['“两区”【原标题】《规划》', '“两区”【原标题】《规划》'],
  ])('%s', (input, expected) => {
    expect(foldWidth(input)).toBe(expected);
    expect(foldWidth(input).length).toBe(input.length);
  });
});

describe('matchForm', () => {
  it.each([
    ['兩區', '两区'],
    ['自治區科技廳黨組書記', '自治区科技厅党组书记'],
    ['ＡＩ創新', 'ai创新'],
    ['Copyright © 2008', 'copyright © 2008'],
    ['瀏覽次數：386', '浏览次数:386'],
  ])('%s', (input, expected) => {
    expect(matchForm(input)).toBe(expected);
  });

  it('folds case on its own', () => {
    expect(foldCase('QQ空间 AI')).toBe('qq空间 ai');
  });

  it('keeps the length of the seeds, so spans carry over', () => {
    const line = '發布時間:2021-05-14 10:20 來源:新疆維吾爾自治區科學技術廳';
    const form = matchForm(line);
    expect(sameShape(line, form)).toBe(true);
    const at = form.indexOf('新疆');
    expect(sliceOriginal(line, form, at, form.length)).toBe('新疆維吾爾自治區科學技術廳');
  });
});

describe('formPattern', () => {
  it('finds a match-form word in either script, width and case', () => {
    const re = formPattern('三亿体育');
    expect('召开三亿体育，三億體育'.replace(re, '')).toBe('召开，');
    expect('ＢＥＴ３６５ and bet365'.replace(formPattern('bet365'), '')).toBe(' and ');
  });

  it('escapes RegExp syntax', () => {
    expect('a.b(c)'.replace(formPattern('.b('), '')).toBe('ac)');
  });
});
