import { describe, expect, it } from 'vitest';
import { checkPasses, expectLine, translateExpect } from './feedparser-expect.js';

describe('Expect translator', () => {
  it('finds the Expect line', () => {
    expect(expectLine("<!--\nDescription: x\nExpect:      not bozo and feed['title'] == u'Example'\n-->")).toBe("not bozo and feed['title'] == u'Example'");
  });

  it('translates the simple equalities and skips the rest', () => {
    const checks = translateExpect(
      "not bozo and feed['title'] == u'A \\'q\\' \\u00e9' and entries[1]['link'] == 'http://x/' and entries[0].id == \"i\" and " +
        "entries[0]['updated_parsed'] == (2003, 12, 31, 10, 14, 55, 2, 365, 0) and feed['tagline'] == 'x' and entries[0]['summary'] == 'y'",
    );
    expect(checks.map(({ target, field, expected }) => ({ target, field, expected }))).toEqual([
      { target: 'feed', field: 'title', expected: "A 'q' é" },
      { target: 1, field: 'link', expected: 'http://x/' },
      { target: 0, field: 'id', expected: 'i' },
      { target: 0, field: 'updated_parsed', expected: [2003, 12, 31, 10, 14, 55, 2, 365, 0] },
    ]);
    expect(translateExpect("entries[0]['title'] == 'a' + 'b'")).toEqual([]);
    expect(translateExpect('entries[0][\'title\'] == """x"""')).toEqual([]);
  });

  it('compares titles as text, links canonically and dates as UTC', () => {
    const parsed = {
      format: 'atom' as const,
      title: 'click here',
      items: [{ url: 'http://example.com/', published: '2003-12-31T18:14:55+08:00' }],
    };
    const [title, link, date] = translateExpect(
      "feed['title'] == '<div><a href=\"x\">click here</a></div>' and entries[0]['link'] == 'http://EXAMPLE.com' and entries[0]['published_parsed'] == (2003, 12, 31, 10, 14, 55, 2, 365, 0)",
    );
    for (const check of [title, link, date]) expect(check && checkPasses(parsed, check, 'http://base/')).toBe(true);
  });
});
