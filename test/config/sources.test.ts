import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSources, parseSourcesYaml } from '../../src/config/sources.js';
import { ConfigError } from '../../src/config/config-error.js';
import { parseInterval } from '../../src/config/interval.js';

function problems(text: string) {
  try {
    parseSourcesYaml(text, 'feeds/test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('source YAML', () => {
  it('reads the interface.md example into typed sources with defaults', () => {
    const sources = parseSourcesYaml(
      `sources:
  - id: mrxw-kjqy                 # unique
    name: 每日新闻网 科技前沿
    url: https://example.com/rss/kjqy.xml
    kind: feed
    interval: 15m
    fulltext: auto
    tags: [科技援疆]
  - id: qysti-xwdt
    url: https://example.gov.cn/xwdt/index.htm
    kind: html
    list: { item: "table.list tr", link: "td.bt a", date: "td.rq" }
    encoding: gb18030
  - id: xjkjt-api
    url: https://example.gov.cn/api/news/list.json
    kind: json
    interval: "0 */2 * * *"
    json: { items: data.list, title: title, link: url, published: publishTime, origin: source }
`,
      'feeds/example.yaml',
    );
    expect(sources).toHaveLength(3);
    expect(sources[0]).toMatchObject({ id: 'mrxw-kjqy', name: '每日新闻网 科技前沿', kind: 'feed', interval: { kind: 'every', ms: 900_000 }, fulltext: 'auto', tags: ['科技援疆'], origin: 'feeds/example.yaml:2' });
    expect(sources[1]).toMatchObject({ name: 'qysti-xwdt', kind: 'html', list: { item: 'table.list tr' }, encoding: 'gb18030', fulltext: 'auto', interval: { kind: 'every', ms: 900_000 } });
    expect(sources[2]).toMatchObject({ kind: 'json', interval: { kind: 'cron', expression: '0 */2 * * *' }, json: { items: 'data.list' } });
  });

  it.each([
    ['an unknown key (typo)', 'sources:\n  - id: a\n    url: https://x.cn/\n    intervall: 15m\n', 4, 'sources[0].intervall', /unknown key "intervall"/],
    ['a bad id', 'sources:\n  - id: Bad_ID\n    url: https://x.cn/\n', 2, 'sources[0].id', /lower-case letters/],
    ['a non-http URL', 'sources:\n  - id: a\n    url: file:///etc/passwd\n', 3, 'sources[0].url', /http:\/\/ or https:\/\//],
    ['a bad kind', 'sources:\n  - id: a\n    url: https://x.cn/\n    kind: rss\n', 4, 'sources[0].kind', /expected one of "feed", "html", "json"; got "rss"/],
    ['an interval out of range', 'sources:\n  - id: a\n    url: https://x.cn/\n    interval: 1s\n', 4, 'sources[0].interval', /between 5s and 7d/],
    ['a wrong type', 'sources:\n  - id: a\n    url: https://x.cn/\n    tags: 科技\n', 4, 'sources[0].tags', /expected array/],
    ['a duplicate id', 'sources:\n  - id: a\n    url: https://x.cn/\n  - id: a\n    url: https://y.cn/\n', 4, 'sources[1].id', /duplicate source id "a" \(first defined at line 2\)/],
    ['json without paths', 'sources:\n  - id: a\n    url: https://x.cn/\n    kind: json\n', 2, 'sources[0].json', /needs json/],
  ])('rejects %s with file, line and field', (_name, text, line, field, message) => {
    const [p] = problems(text);
    expect(p).toMatchObject({ file: 'feeds/test.yaml', line, field });
    expect(p!.message).toMatch(message);
  });

  it('reports YAML syntax errors with line and column', () => {
    const [p] = problems('sources:\n  - id: a\n    url: "https://x.cn/\n');
    expect(p!.file).toBe('feeds/test.yaml');
    expect(p!.line).toBeGreaterThanOrEqual(3);
    expect(p!.message).toMatch(/YAML syntax/);
  });

  it('loads a folder in name order and rejects ids defined twice across files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tidings-feeds-'));
    writeFileSync(path.join(dir, 'b.yaml'), 'sources:\n  - id: two\n    url: https://b.cn/\n');
    writeFileSync(path.join(dir, 'a.yml'), 'sources:\n  - id: one\n    url: https://a.cn/\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    expect(loadSources(dir).map((s) => s.id)).toEqual(['one', 'two']);
    writeFileSync(path.join(dir, 'c.yaml'), '# more\nsources:\n  - id: one\n    url: https://c.cn/\n');
    expect(() => loadSources(dir)).toThrow(/c\.yaml:3: id: duplicate source id "one" \(also defined at .*a\.yml:2\)/);
  });

  it('names a missing sources location', () => {
    expect(() => loadSources('/nonexistent/feeds')).toThrow(/\/nonexistent\/feeds: no such file or folder/);
  });
});

describe('intervals', () => {
  it.each([
    ['30s', 30_000], ['15m', 900_000], ['2h', 7_200_000], ['1h30m', 5_400_000], ['7d', 604_800_000], ['5s', 5000],
  ])('%s is %d ms', (text, ms) => expect(parseInterval(text)).toEqual({ kind: 'every', ms }));
  it.each(['4s', '8d', '15 minutes', '', 'every day'])('%j is refused', (text) => expect(typeof parseInterval(text)).toBe('string'));
  it('accepts cron expressions with 5 or 6 fields', () => {
    expect(parseInterval('*/10 * * * *')).toEqual({ kind: 'cron', expression: '*/10 * * * *' });
    expect(parseInterval('0 0 8 * * *')).toEqual({ kind: 'cron', expression: '0 0 8 * * *' });
  });
});
