import { describe, expect, it } from 'vitest';
import { cleanXmlText, collapseWhitespace, escapeHtmlText, escapeXml, stripControlChars, truncateTitle } from '../../src/publish/xml-text.js';

const graphemeLength = (s: string) => [...new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(s)].length;

describe('cleanXmlText', () => {
  it.each([
    ['C0 controls', 'a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg', 'abcdefg'],
    ['keeps tab, LF, CR', 'a\tb\nc\rd', 'a\tb\nc\rd'],
    ['U+FFFE and U+FFFF', 'a\uFFFEb\uFFFFc', 'abc'],
    ['lone high surrogate', 'a\uD800b', 'ab'],
    ['lone low surrogate', 'a\uDC00b', 'ab'],
    ['keeps surrogate pairs', '表情😀', '表情😀'],
    ['keeps C1 and DEL (legal XML)', 'a\u007Fb\u0085c', 'a\u007Fb\u0085c'],
    ['unchanged clean text', '第七次全国科技援疆工作会议', '第七次全国科技援疆工作会议'],
  ])('%s', (_name, input, expected) => {
    expect(cleanXmlText(input)).toBe(expected);
  });
});

describe('stripControlChars / collapseWhitespace', () => {
  it('also removes DEL and C1 controls', () => {
    expect(stripControlChars('a\u007Fb\u0085c\u009Fd\u0001e\uD800')).toBe('abcde');
  });
  it('collapses every kind of whitespace to one space', () => {
    expect(collapseWhitespace('  科技\n\n援疆\u3000工作\t\r\n会议  ')).toBe('科技 援疆 工作 会议');
  });
});

describe('truncateTitle', () => {
  it('leaves short titles alone but makes them one line', () => {
    expect(truncateTitle('第七次全国科技援疆工作会议\n在乌鲁木齐召开')).toBe('第七次全国科技援疆工作会议 在乌鲁木齐召开');
  });

  it('cuts Latin text between words and adds an ellipsis', () => {
    const t = truncateTitle('The quick brown fox jumps over the lazy dog '.repeat(10), 40);
    expect(t.endsWith('…')).toBe(true);
    expect(graphemeLength(t)).toBeLessThanOrEqual(40);
    expect(t).toMatch(/^The quick brown fox jumps over the lazy…$/);
  });

  it('cuts Chinese at a word boundary (never inside 乌鲁木齐)', () => {
    const t = truncateTitle('第七次全国科技援疆工作会议在乌鲁木齐召开', 17);
    expect(graphemeLength(t)).toBeLessThanOrEqual(17);
    expect(t).toBe('第七次全国科技援疆工作会议在…');
  });

  it('does not leave a separator or opening bracket before the ellipsis', () => {
    const t = truncateTitle('科技援疆工作会议，《新疆日报》报道称', 10);
    expect(t).not.toMatch(/[，《]…$/);
    expect(t.endsWith('…')).toBe(true);
  });

  it('cuts a 100 KB title without spaces to the limit, control characters gone', () => {
    const t = truncateTitle(`\u0001${'x'.repeat(100_000)}\u0002`, 300);
    expect(graphemeLength(t)).toBe(300);
    expect(t).toBe(`${'x'.repeat(299)}…`);
  });

  it('does not split a surrogate pair or an emoji sequence', () => {
    const t = truncateTitle('👨‍👩‍👧'.repeat(50), 10);
    expect(t).toBe(`${'👨‍👩‍👧'.repeat(9)}…`);
  });

  it('handles a 100 KB Chinese title quickly', () => {
    const started = performance.now();
    const t = truncateTitle('第七次全国科技援疆工作会议在乌鲁木齐召开'.repeat(5000));
    expect(graphemeLength(t)).toBeLessThanOrEqual(300);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('rejects a non-positive max', () => {
    expect(() => truncateTitle('x', 0)).toThrow(RangeError);
  });
});

describe('escaping', () => {
  it('escapeXml escapes markup and quotes', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('escapeHtmlText keeps quotes and escapes ]]>', () => {
    expect(escapeHtmlText('a "b" ]]> & <c>')).toBe('a "b" ]]&gt; &amp; &lt;c&gt;');
  });
});
