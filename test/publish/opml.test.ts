import { describe, expect, it } from 'vitest';
import type { Source } from '../../src/domain/source.js';
import { renderOpml } from '../../src/publish/opml.js';
import { hasCommand, needs } from '../helpers/services.js';
import { tempFile, xmllint } from './fixtures.js';

function source(over: Partial<Source> & { id: string }): Source {
  return {
    name: over.id,
    url: `https://example.com/${over.id}`,
    interval: { kind: 'every', ms: 900_000 },
    fulltext: 'auto',
    tags: [],
    origin: 'feeds/sources.yaml:1',
    ...over,
  };
}

const SOURCES: Source[] = [
  source({ id: 'mrxw-kjqy', name: '每日新闻网 科技前沿', url: 'https://www.mrxw.example.com/rss/kjqy.xml', kind: 'feed', tags: ['科技援疆'] }),
  source({ id: 'qysti-xwdt', name: '区科技局 新闻动态', url: 'https://www.qysti.example.gov.cn/xwdt/index.htm?a=1&b=2', kind: 'html', tags: ['科技援疆', '地方'] }),
  source({ id: 'xjkjt-api', name: 'A "quoted" <name> & \u0001 ctl', url: 'https://kjt.example.gov.cn/api/news/list.json', kind: 'json' }),
];

describe('renderOpml', () => {
  it('lists every source as an importable outline', () => {
    const opml = renderOpml(SOURCES, { title: 'tidings 的来源', publicUrl: 'http://127.0.0.1:8080/' });
    expect(opml).toBe(
      [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        '  <head>',
        '    <title>tidings 的来源</title>',
        '    <docs>http://opml.org/spec2.opml</docs>',
        '  </head>',
        '  <body>',
        '    <outline text="每日新闻网 科技前沿" title="每日新闻网 科技前沿" type="rss" xmlUrl="https://www.mrxw.example.com/rss/kjqy.xml" category="/科技援疆"/>',
        '    <outline text="区科技局 新闻动态" title="区科技局 新闻动态" type="rss" xmlUrl="http://127.0.0.1:8080/feeds/source/qysti-xwdt.atom" htmlUrl="https://www.qysti.example.gov.cn/xwdt/index.htm?a=1&amp;b=2" category="/科技援疆,/地方"/>',
        '    <outline text="A &quot;quoted&quot; &lt;name&gt; &amp; ctl" title="A &quot;quoted&quot; &lt;name&gt; &amp; ctl" type="rss" xmlUrl="http://127.0.0.1:8080/feeds/source/xjkjt-api.atom" htmlUrl="https://kjt.example.gov.cn/api/news/list.json"/>',
        '  </body>',
        '</opml>',
        '',
      ].join('\n'),
    );
  });

  it('is stable, and dated only when asked', () => {
    const a = renderOpml(SOURCES, { title: 't', publicUrl: 'http://127.0.0.1:8080' });
    expect(renderOpml(SOURCES, { title: 't', publicUrl: 'http://127.0.0.1:8080' })).toBe(a);
    expect(a).not.toContain('dateCreated');
    expect(renderOpml(SOURCES, { title: 't', publicUrl: 'http://127.0.0.1:8080', now: '2024-10-13T10:44:04Z' })).toContain(
      '<dateCreated>Sun, 13 Oct 2024 10:44:04 GMT</dateCreated>',
    );
  });

  it('rejects a bad public URL or date', () => {
    expect(() => renderOpml(SOURCES, { title: 't', publicUrl: 'nope' })).toThrow(TypeError);
    expect(() => renderOpml(SOURCES, { title: 't', publicUrl: 'http://x', now: 'yesterday' })).toThrow(TypeError);
  });

  it.skipIf(!needs('xmllint (libxml2-utils)', hasCommand('xmllint', ['--version'])))('is well-formed XML', () => {
    const r = xmllint(tempFile('sources.opml', renderOpml(SOURCES, { title: ']]> & <x>', publicUrl: 'http://127.0.0.1:8080' })));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });
});
