import { describe, expect, it } from 'vitest';
import { repairXml } from '../../src/sources/xml-repair.js';

const RSS = (body: string) => `<rss version="2.0"><channel>${body}</channel></rss>`;

describe('repairXml', () => {
  it('leaves well-formed XML alone and reports nothing', () => {
    const text = `<?xml version="1.0"?>\n${RSS('<title>A &amp; B &#169; &#x4E2D; &lt;&gt;&quot;&apos;</title>')}`;
    expect(repairXml(text)).toEqual({ text, repairs: [] });
  });

  it('escapes bare ampersands and keeps valid references', () => {
    const { text, repairs } = repairXml(RSS('<title>AT&T & co &amp; &#38; &#x26; &unknown; &</title><link>http://x/?a=1&b=2</link>'));
    expect(text).toBe(RSS('<title>AT&amp;T &amp; co &amp; &#38; &#x26; &amp;unknown; &amp;</title><link>http://x/?a=1&amp;b=2</link>'));
    expect(repairs).toEqual(['escaped 5 bare &']);
  });

  it('escapes bare ampersands in attribute values', () => {
    expect(repairXml('<feed><link href="http://x/?a=1&b=2"/></feed>').text).toBe('<feed><link href="http://x/?a=1&amp;b=2"/></feed>');
  });

  it('turns HTML entities into numeric references', () => {
    const { text, repairs } = repairXml(RSS('<title>a&nbsp;b &copy; &mdash; &ldquo;x&rdquo; &hellip; &eacute;</title>'));
    expect(text).toBe(RSS('<title>a&#160;b &#169; &#8212; &#8220;x&#8221; &#8230; &#233;</title>'));
    expect(repairs).toEqual(['converted 7 HTML entities to character references']);
  });

  it('removes characters XML 1.0 forbids, and references to them', () => {
    const { text, repairs } = repairXml(RSS('<title>a\u0000b\u0008c\u001Fd\uFFFEe\uFFFFf\uD800g\tok\n😀</title><guid>&#0;&#x1;&#xD800;&#65;&#1114112;</guid>'));
    expect(text).toBe(RSS('<title>abcdefg\tok\n😀</title><guid>&#65;</guid>'));
    expect(repairs).toEqual(['removed 6 control characters', 'removed 4 references to characters XML forbids']);
  });

  it('does not touch CDATA sections or comments except for forbidden characters', () => {
    const cdata = '<![CDATA[<p>a & b &nbsp; </p>\u0001]]>';
    const { text, repairs } = repairXml(RSS(`<description>${cdata}</description><!-- & &nbsp; -->`));
    expect(text).toBe(RSS('<description><![CDATA[<p>a & b &nbsp; </p>]]></description><!-- & &nbsp; -->'));
    expect(repairs).toEqual(['removed 1 control character']);
  });

  it('cuts junk before the XML declaration (BOM leftovers, whitespace, PHP warnings)', () => {
    for (const junk of ['\uFEFF\n\n', 'ï»¿', '<br />\n<b>Warning</b>:  Cannot modify header information in <b>/var/www/feed.php</b> on line <b>3</b><br />\n']) {
      const { text, repairs } = repairXml(`${junk}<?xml version="1.0" encoding="utf-8"?>\n${RSS('<title>t</title>')}`);
      expect(text).toBe(`<?xml version="1.0" encoding="utf-8"?>\n${RSS('<title>t</title>')}`);
      expect(repairs.join()).toMatch(junk.trim() ? /of junk before the XML/ : /^$/);
    }
  });

  it('cuts junk before a root element when there is no declaration, and after the root', () => {
    const { text, repairs } = repairXml(`Notice: Undefined index x\n<rss version="2.0"><channel/></rss>\n<b>Warning</b>: trailing`);
    expect(text).toBe('<rss version="2.0"><channel/></rss>');
    expect(repairs).toEqual(['removed 26 characters of junk before the XML', 'removed 25 characters after the root element']);
  });

  it('removes the DOCTYPE with its internal subset, so entities stay literal', () => {
    const doc = `<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY odd "a ] b > c">
]>
${RSS('<title>&lol2; &xxe; &odd;</title>')}`;
    const { text, repairs } = repairXml(doc);
    expect(text).toBe(`<?xml version="1.0"?>\n${RSS('<title>&amp;lol2; &amp;xxe; &amp;odd;</title>')}`);
    expect(repairs).toEqual(['removed DOCTYPE', 'escaped 3 bare &']);
  });

  it('removes an HTML DOCTYPE before a feed', () => {
    const { text } = repairXml('<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://site.invalid/"><rss><channel><title>found</title></channel></rss>');
    expect(text).toBe('<?xml version="1.0"?>\n<rss><channel><title>found</title></channel></rss>');
  });

  it('skips a leading comment, even one that mentions a feed root', () => {
    const { text } = repairXml('<!-- <rss> in a comment --><?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>');
    expect(text).toBe('<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"/>');
  });

  it('leaves an unterminated CDATA section as it is', () => {
    const doc = '<rss><channel><item><title><![CD';
    expect(repairXml(doc).text).toBe(doc);
  });

  // A guard against quadratic scanning (which takes minutes on 5 MB), not a speed target: the
  // bound is loose so a loaded CI machine does not fail it (bench/ measures speed).
  it('is linear: 5 MB of ampersands and tags in seconds, not minutes', () => {
    const body = '<item><title>a & b &nbsp; c</title></item>'.repeat(120_000);
    const started = performance.now();
    const { text, repairs } = repairXml(RSS(body));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(text.length).toBeGreaterThan(body.length);
    expect(repairs).toEqual(['escaped 120000 bare &', 'converted 120000 HTML entities to character references']);
  });

  it('handles text with no root element', () => {
    expect(repairXml('')).toEqual({ text: '', repairs: [] });
    expect(repairXml('just & text').text).toBe('just &amp; text');
  });
});
