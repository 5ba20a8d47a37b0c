import { describe, expect, it } from 'vitest';
import { collapseRepeatedLines } from '../../src/normalize/collapse-repeated-lines.js';

describe('collapseRepeatedLines', () => {
  it('drops a caption printed twice (seed 000)', () => {
    const r = collapseRepeatedLines(['克拉瑪依市調研場景。', '克拉瑪依市調研場景。', '石河子市調研場景。', '石河子市調研場景。'].join('\n'));
    expect(r.text).toBe('克拉瑪依市調研場景。\n石河子市調研場景。');
    expect(r.removed.map((l) => l.text)).toEqual(['克拉瑪依市調研場景。', '石河子市調研場景。']);
  });

  it('compares in match form: script, width and spacing do not matter', () => {
    expect(collapseRepeatedLines('克拉瑪依市調研場景。\n克拉玛依市 调研场景。').text).toBe('克拉瑪依市調研場景。');
    expect(collapseRepeatedLines('ＡＩ创新\nai 创新').text).toBe('ＡＩ创新');
  });

  it('keeps repeats that are not neighbours', () => {
    const text = '会议指出。\n要加快发展。\n会议指出。';
    expect(collapseRepeatedLines(text).text).toBe(text);
  });
});
