import { describe, expect, it } from 'vitest';
import { FeedParseError, parseFeed } from '../../src/sources/feed.js';

const opts = { url: 'https://news.example.com/rss/feed.xml', timeZone: 'Asia/Shanghai', now: new Date('2025-05-15T04:00:00Z') };

describe('parseFeed: RSS 2.0', () => {
  const rss = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Example &amp; Co</title><link>/</link>
<item>
  <title>Ben &amp;amp; Jerry&#8217;s &lt;b&gt;new&lt;/b&gt;
     flavour</title>
  <link>/news/1.html?utm_source=rss&amp;id=1#top</link>
  <guid isPermaLink="false">news-1</guid>
  <pubDate>Sun, 13 Oct 2024 10:44:04 GMT</pubDate>
  <author>editor@example.com (Wang Fang)</author>
  <category>科技</category><category> 援疆 </category><category>科技</category>
  <source url="https://cctv.example.com/rss">央视新闻客户端</source>
  <enclosure url="/media/clip%201.mp3" length="1234" type="audio/mpeg"/>
  <description>Short &lt;i&gt;lead&lt;/i&gt;</description>
  <content:encoded><![CDATA[<p>Full <a href="/more.html">text</a>.</p><img src="img/1.png">]]></content:encoded>
</item>
<item>
  <title>Second</title>
  <guid>https://news.example.com/news/2.html</guid>
  <dc:date>2024-10-13 18:44</dc:date>
  <dc:creator>新华社</dc:creator>
  <description><![CDATA[<p>第一段</p><p>第二段 <img src="/t.gif"></p>]]></description>
</item>
</channel></rss>`;

  it('maps every field of an item', async () => {
    const parsed = await parseFeed(rss, opts);
    expect(parsed.format).toBe('rss');
    expect(parsed.title).toBe('Example & Co');
    expect(parsed.link).toBe('https://news.example.com/');
    expect(parsed.repairs).toBeUndefined();
    expect(parsed.items[0]).toEqual({
      guid: 'news-1',
      url: 'https://news.example.com/news/1.html?id=1',
      title: 'Ben & Jerry’s new flavour',
      published: '2024-10-13T18:44:04+08:00',
      author: 'Wang Fang',
      summary: 'Short <i>lead</i>',
      html: '<p>Full <a href="https://news.example.com/more.html">text</a>.</p><img src="https://news.example.com/rss/img/1.png">',
      categories: ['科技', '援疆'],
      origin: '央视新闻客户端',
      attachments: [{ title: 'clip 1.mp3', url: 'https://news.example.com/media/clip%201.mp3' }],
    });
  });

  it('uses a permalink GUID as the link, reads dates without a zone in the default zone, and takes HTML descriptions as content', async () => {
    const [, second] = (await parseFeed(rss, opts)).items;
    expect(second).toEqual({
      guid: 'https://news.example.com/news/2.html',
      url: 'https://news.example.com/news/2.html',
      title: 'Second',
      published: '2024-10-13T18:44:00+08:00',
      updated: '2024-10-13T18:44:00+08:00',
      author: '新华社',
      html: '<p>第一段</p><p>第二段 <img src="https://news.example.com/t.gif"></p>',
      summary: '第一段\n第二段',
    });
  });

  it('reads RSS 0.91 and an rss element without version', async () => {
    for (const root of ['<rss version="0.91">', '<rss>']) {
      const parsed = await parseFeed(`${root}<channel><title>T</title><item><title>I</title><link>http://a.example/1</link></item></channel></rss>`, opts);
      expect(parsed.format).toBe('rss');
      expect(parsed.items).toEqual([{ title: 'I', url: 'http://a.example/1' }]);
    }
  });
});

describe('parseFeed: a bare <channel> root (CDF, RSS without <rss>)', () => {
  it('reads CDF: HREF as the link, TITLE, ABSTRACT as the summary, LASTMOD as the date, nested channels', async () => {
    const cdf = `<?xml version="1.0"?>
<CHANNEL HREF="http://cdf.example/" LASTMOD="2004-04-06T23:05:43-05:00">
  <TITLE>CDF &amp; Co</TITLE>
  <ABSTRACT>The channel</ABSTRACT>
  <ITEM HREF="http://cdf.example/1.html" LASTMOD="2004-04-06T23:05:43-05:00">
    <TITLE>First</TITLE>
    <ABSTRACT>Lead &lt;b&gt;one&lt;/b&gt;</ABSTRACT>
  </ITEM>
  <CHANNEL HREF="http://cdf.example/sub/">
    <ITEM HREF="/2.html"><TITLE>Second</TITLE></ITEM>
  </CHANNEL>
</CHANNEL>`;
    const parsed = await parseFeed(cdf, { ...opts, url: 'http://cdf.example/feed.cdf' });
    expect(parsed).toMatchObject({ format: 'rss', title: 'CDF & Co', link: 'http://cdf.example/' });
    expect(parsed.items).toHaveLength(2);
    expect(parsed.items[0]).toMatchObject({ title: 'First', url: 'http://cdf.example/1.html', html: 'Lead <b>one</b>', updated: '2004-04-07T12:05:43+08:00' });
    expect(parsed.items[1]).toMatchObject({ title: 'Second', url: 'http://cdf.example/2.html' });
  });

  it('reads RSS whose <rss> wrapper is missing; a <channel> deeper in another document is still not a feed', async () => {
    const parsed = await parseFeed('<channel><title>T</title><item><title>I</title><link>http://a.example/1</link><pubDate>Sun, 13 Oct 2024 10:44:04 GMT</pubDate></item></channel>', opts);
    expect(parsed.items).toEqual([{ title: 'I', url: 'http://a.example/1', published: '2024-10-13T18:44:04+08:00' }]);
    const error = await parseFeed('<?xml version="1.0"?><catalog><channel><title>T</title></channel></catalog>', opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedParseError);
    expect((error as Error).message).toMatch(/got XML with root <catalog>/);
  });
});

describe('parseFeed: Atom', () => {
  const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh">
  <title type="html">A &lt;em&gt;feed&lt;/em&gt;</title>
  <link rel="self" href="/atom.xml"/><link rel="alternate" type="text/html" href="https://site.example.com/"/>
  <entry>
    <title type="text">1 &lt; 2 &amp; &lt;b&gt; stays text</title>
    <id>tag:site.example.com,2025:1</id>
    <link rel="edit" href="/edit/1"/>
    <link rel="alternate" type="application/json" href="/1.json"/>
    <link rel="alternate" type="text/html" href="https://site.example.com/1.html?spm=x"/>
    <link rel="enclosure" href="/files/a.pdf" title="Report"/>
    <published>2025-05-15T19:42:00+08:00</published>
    <updated>2025-05-16T08:00:00Z</updated>
    <author><name>卜一珊</name><email>b@example.com</email></author>
    <category term="tech" label="Technology"/><category term="news"/>
    <summary type="html">&lt;p&gt;Lead&lt;/p&gt;</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Para <b>one</b> and <i>more</i> text</p><p>Two</p></div></content>
  </entry>
  <entry>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Inline <b>bold</b> title</div></title>
    <id>tag:site.example.com,2025:2</id>
    <link href="https://site.example.com/2.html"/>
    <updated>2025-05-14T10:00:00+08:00</updated>
    <content type="text">Plain &amp; simple &lt;text&gt;</content>
  </entry>
</feed>`;

  it('maps entries, preferring the HTML alternate link and reading every content type', async () => {
    const parsed = await parseFeed(atom, opts);
    expect(parsed.format).toBe('atom');
    expect(parsed.title).toBe('A feed');
    expect(parsed.link).toBe('https://site.example.com/');
    expect(parsed.items[0]).toEqual({
      guid: 'tag:site.example.com,2025:1',
      url: 'https://site.example.com/1.html',
      title: '1 < 2 & <b> stays text',
      published: '2025-05-15T19:42:00+08:00',
      updated: '2025-05-16T16:00:00+08:00',
      author: '卜一珊',
      summary: '<p>Lead</p>',
      html: '<p>Para <b>one</b> and <i>more</i> text</p><p>Two</p>',
      categories: ['Technology', 'news'],
      attachments: [{ title: 'Report', url: 'https://news.example.com/files/a.pdf' }],
    });
    expect(parsed.items[1]).toEqual({
      guid: 'tag:site.example.com,2025:2',
      url: 'https://site.example.com/2.html',
      title: 'Inline bold title',
      updated: '2025-05-14T10:00:00+08:00',
      html: 'Plain &amp; simple &lt;text&gt;',
    });
  });

  it('reads base64 text of a non-text MIME type (RFC 4287 4.1.3.3) as text, refuses binary, and reads <item> for <entry>', async () => {
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const items = `<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="application/octet-stream">
    ${b64('Example <b>Atom</b> 科技')}
  </title>
  <item><title type="application/octet-stream">${b64('<p>History of the &lt;blink&gt; tag</p>')}</title><link href="https://site.example.com/b.html"/></item>
</feed>`;
    const parsed = await parseFeed(items, opts);
    expect(parsed.title).toBe('Example <b>Atom</b> 科技');
    expect(parsed.items.map((i) => [i.url, i.title])).toEqual([['https://site.example.com/b.html', '<p>History of the &lt;blink&gt; tag</p>']]);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x01]).toString('base64');
    const binary = await parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="image/png">${png}</title><link href="https://site.example.com/c.html"/></entry></feed>`, opts);
    expect(binary.items.map((i) => [i.url, i.title])).toEqual([['https://site.example.com/c.html', undefined]]);
  });

  it('reads Atom 0.3', async () => {
    const parsed = await parseFeed(
      `<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title mode="escaped" type="text/html">&lt;b&gt;Old&lt;/b&gt;</title>
       <entry><title>E</title><link rel="alternate" type="text/html" href="http://old.example/e"/><id>e1</id>
       <issued>2004-01-01T19:48:21Z</issued><modified>2004-01-02T19:48:21Z</modified>
       <content type="text/html" mode="escaped">&lt;p&gt;Body&lt;/p&gt;</content>
       <summary type="text/plain" mode="base64">U3VtbWFyeQ==</summary></entry></feed>`,
      opts,
    );
    expect(parsed.title).toBe('Old');
    expect(parsed.items).toEqual([
      {
        guid: 'e1',
        url: 'http://old.example/e',
        title: 'E',
        published: '2004-01-02T03:48:21+08:00',
        updated: '2004-01-03T03:48:21+08:00',
        html: '<p>Body</p>',
        summary: 'Summary',
      },
    ]);
  });
});

describe('parseFeed: RSS 1.0 (RDF)', () => {
  it('reads items beside the channel, rdf:about and dc:date', async () => {
    const parsed = await parseFeed(
      `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://rdf.example/"><title>RDF</title><link>http://rdf.example/</link></channel>
  <item rdf:about="http://rdf.example/1"><title>One</title><dc:date>2002-09-28T20:01:19Z</dc:date></item>
  <item rdf:about="http://rdf.example/2"><title>Two</title><link>http://rdf.example/two</link></item>
</rdf:RDF>`,
      opts,
    );
    expect(parsed.format).toBe('rdf');
    expect(parsed.title).toBe('RDF');
    expect(parsed.items).toEqual([
      { guid: 'http://rdf.example/1', url: 'http://rdf.example/1', title: 'One', published: '2002-09-29T04:01:19+08:00', updated: '2002-09-29T04:01:19+08:00' },
      { guid: 'http://rdf.example/2', url: 'http://rdf.example/two', title: 'Two' },
    ]);
  });

  it('reads RSS 1.0 whose own elements carry a prefix, and modules under unusual prefixes', async () => {
    const parsed = await parseFeed(
      `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rss="http://purl.org/rss/1.0/" xmlns:d="http://purl.org/dc/elements/1.1/">
  <rss:channel><rss:title>Prefixed</rss:title></rss:channel>
  <rss:item rdf:about="http://rdf.example/1"><rss:title>One</rss:title><rss:link>http://rdf.example/1</rss:link><d:creator>Ann</d:creator></rss:item>
</rdf:RDF>`,
      opts,
    );
    expect(parsed.title).toBe('Prefixed');
    expect(parsed.items).toEqual([{ guid: 'http://rdf.example/1', url: 'http://rdf.example/1', title: 'One', author: 'Ann' }]);
  });
});

describe('parseFeed: repairs of broken feeds', () => {
  it('parses RSS with bare &, control characters, junk before the prolog and &nbsp;', async () => {
    const broken = `\n<br />\n<b>Deprecated</b>: mysql_connect() in <b>/var/www/rss.php</b> on line <b>4</b><br />\n<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Q&A\u0001 news</title>
<item><title>Tom & Jerry&nbsp;&mdash;&nbsp;part\u000B 2</title><link>http://a.example/?x=1&y=2</link>
<description>&copy; 2024 &amp; more</description></item></channel></rss>`;
    const parsed = await parseFeed(broken, opts);
    expect(parsed.title).toBe('Q&A news');
    expect(parsed.items).toEqual([{ url: 'http://a.example/?x=1&y=2', title: 'Tom & Jerry — part 2', summary: '© 2024 & more' }]);
    expect(parsed.repairs?.[0]).toMatch(/^removed \d+ characters of junk before the XML$/);
    expect(parsed.repairs?.slice(1)).toEqual([
      'escaped 3 bare &',
      'converted 4 HTML entities to character references',
      'removed 2 control characters',
    ]);
  });

  it('falls back to the tolerant reader when rss-parser throws (unclosed root, Atom link without href attribute)', async () => {
    const unclosed = await parseFeed('<rss version="2.0"><channel><title>T</title><item><title>Cut off</title><link>http://a.example/1</link></item>', opts);
    expect(unclosed.items).toEqual([{ title: 'Cut off', url: 'http://a.example/1' }]);
    const atom = await parseFeed('<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>x</title><link>http://a.example/text-link</link><published>garbage</published></entry></feed>', opts);
    expect(atom.items).toEqual([{ title: 'x', url: 'http://a.example/text-link' }]);
  });

  it('keeps unknown entity references and entity declarations literal', async () => {
    const parsed = await parseFeed(
      '<!DOCTYPE rss [<!ENTITY id "tag:example.com,">]><rss version="2.0"><channel><item><guid isPermaLink="false">&id;2006</guid></item></channel></rss>',
      opts,
    );
    expect(parsed.items[0]?.guid).toBe('&id;2006');
    expect(parsed.repairs).toEqual(['removed DOCTYPE', 'escaped 1 bare &']);
  });
});

describe('parseFeed: xml:base', () => {
  it('resolves links against the xml:base in force at feed, entry and element level', async () => {
    const parsed = await parseFeed(
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://base.example/blog/">
  <link href="./"/>
  <entry xml:base="2025/"><title>a</title><link href="05/post.html"/>
    <content type="html" xml:base="/img/">&lt;img src="x.png"&gt;&lt;a href="#n"&gt;n&lt;/a&gt;</content></entry>
  <entry><title>b</title><link xml:base="https://other.example/dir/" href="page.html"/></entry>
  <entry><title>c</title><link href="/abs.html"/></entry>
</feed>`,
      opts,
    );
    expect(parsed.link).toBe('https://base.example/blog/');
    expect(parsed.items.map((item) => item.url)).toEqual([
      'https://base.example/blog/2025/05/post.html',
      'https://other.example/dir/page.html',
      'https://base.example/abs.html',
    ]);
    expect(parsed.items[0]?.html).toBe('<img src="https://base.example/img/x.png"><a href="#n">n</a>');
  });

  it('applies xml:base on the rss root, the channel and the item', async () => {
    const parsed = await parseFeed(
      `<rss version="2.0" xml:base="http://root.example/a/"><channel xml:base="b/"><link>home</link>
  <item xml:base="c/"><link>d.html</link></item><item><link>e.html</link></item></channel></rss>`,
      opts,
    );
    expect(parsed.link).toBe('http://root.example/a/b/home');
    expect(parsed.items.map((item) => item.url)).toEqual(['http://root.example/a/b/c/d.html', 'http://root.example/a/b/e.html']);
  });

  it('resolves relative links against the feed URL when there is no xml:base', async () => {
    const parsed = await parseFeed('<rss version="2.0"><channel><item><link>../a.html</link></item></channel></rss>', opts);
    expect(parsed.items[0]?.url).toBe('https://news.example.com/a.html');
  });
});

describe('parseFeed: safety', () => {
  const laughs = `<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>`;

  const xxe = `<?xml version="1.0"?>
<!DOCTYPE foo [ <!ELEMENT foo ANY > <!ENTITY xxe SYSTEM "file:///etc/passwd" > <!ENTITY % remote SYSTEM "http://127.0.0.1:1/evil.dtd"> %remote; ]>
<rss version="2.0"><channel><title>x&xxe;</title><item><title>&xxe;</title><link>http://a.example/</link><description>&xxe;</description></item></channel></rss>`;

  it('does not expand a billion laughs', async () => {
    const started = performance.now();
    const parsed = await parseFeed(laughs, opts);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(parsed.title).toBe('&lol9;');
    expect(parsed.items[0]?.title).toBe('&lol9;');
    expect(JSON.stringify(parsed).length).toBeLessThan(1000);
  });

  it('does not read external entities (XXE)', async () => {
    const started = performance.now();
    const parsed = await parseFeed(xxe, opts);
    expect(performance.now() - started).toBeLessThan(3000);
    const json = JSON.stringify(parsed);
    expect(json).not.toContain('root:');
    expect(parsed.items[0]?.title).toBe('&xxe;');
  });

  it('does not expand entities on the fallback reader either', async () => {
    // Unclosed roots: rss-parser fails, linkedom reads them.
    for (const feed of [xxe.replace('</rss>', ''), laughs.replace('</rss>', '')]) {
      const parsed = await parseFeed(feed, opts);
      expect(parsed.items).toHaveLength(1);
      expect(JSON.stringify(parsed)).not.toContain('root:');
      expect(JSON.stringify(parsed)).not.toContain('lollol');
    }
  });

  const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
  const pollutingItems = `<item><title>p</title><__proto__><polluted>yes</polluted></__proto__>
  <constructor><prototype><polluted>yes</polluted></prototype></constructor>
  <toString>x</toString><hasOwnProperty>y</hasOwnProperty><__proto__ polluted="yes">z</__proto__></item>`;

  it.each([
    ['rss-parser', `<rss version="2.0"><channel><title>t</title><__proto__><polluted>yes</polluted></__proto__>${pollutingItems}</channel></rss>`],
    ['linkedom', `<rss version="2.0"><channel><title>t</title><__proto__><polluted>yes</polluted></__proto__>${pollutingItems}</channel>`],
    ['atom', `<feed xmlns="http://www.w3.org/2005/Atom" __proto__="x"><entry><title>p</title><__proto__><polluted>yes</polluted></__proto__><constructor><prototype><polluted>1</polluted></prototype></constructor></entry></feed>`],
  ])('element names like __proto__ do not pollute Object.prototype (%s)', async (_reader, feed) => {
    const parsed = await parseFeed(feed, opts);
    expect(parsed.items[0]?.title).toBe('p');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeNames);
    expect(Object.prototype.toString.call([])).toBe('[object Array]');
  });

  it('JSON Feed keys like __proto__ do not pollute Object.prototype', async () => {
    const json = '{"version":"https://jsonfeed.org/version/1.1","__proto__":{"polluted":"yes"},"items":[{"id":"1","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}]}';
    const parsed = await parseFeed(json, opts);
    expect(parsed.items).toEqual([{ guid: '1' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseFeed: documents that are not feeds', () => {
  it.each([
    ['<!DOCTYPE html>\n<html lang="zh-CN"><head><title>404</title></head><body>Not found</body></html>', /^expected RSS, Atom or JSON Feed; got an HTML page \(<html lang="zh-CN"><head>/],
    ['', /^expected RSS, Atom or JSON Feed; got an empty body$/],
    ['  \n\t', /got an empty body$/],
    ['{"data":{"list":[{"title":"x"}]}}', /got JSON that is not a JSON Feed \(\{"data":\{"list"/],
    ['[1,2,3]', /got JSON that is not a JSON Feed/],
    ['<?xml version="1.0"?><opml version="2.0"><body/></opml>', /got XML with root <opml> \(<opml version="2.0">/],
    ['Service Unavailable', /got text \(Service Unavailable\)/],
    ['<!-- nothing but a comment -->', /got no root element/],
    ['{"version":"https://jsonfeed.org/version/1.1", "items": [', /got invalid JSON/],
  ])('%j', async (text, message) => {
    const error = await parseFeed(text, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedParseError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).name).toBe('FeedParseError');
  });

  it('reads a feed served as text/html', async () => {
    const parsed = await parseFeed('<rss version="2.0"><channel><title>T</title></channel></rss>', opts);
    expect(parsed).toEqual({ format: 'rss', title: 'T', items: [] });
  });
});
