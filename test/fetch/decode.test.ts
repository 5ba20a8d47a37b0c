import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { normalizeCharset } from '../../src/fetch/charset-labels.js';
import { charsetFromContentType, decodeText, sniffDeclaredCharset, utf8Stats } from '../../src/fetch/decode.js';

const ZH = '国务院办公厅关于印发促进科技成果转化行动方案的通知。各省、自治区、直辖市人民政府，国务院各部委、各直属机构。';
const ZH_TRADITIONAL = '國務院辦公廳關於印發促進科技成果轉化行動方案的通知。各省、自治區、直轄市人民政府，國務院各部委。';

const html = (meta: string, body: string): string =>
  `<!DOCTYPE html><html><head>${meta}<title>通知</title></head><body><p>${body}</p></body></html>`;
const withBom = (bom: number[], bytes: Buffer): Buffer => Buffer.concat([Buffer.from(bom), bytes]);

describe('normalizeCharset', () => {
  it.each([
    ['GB2312', 'gb18030'],
    ['gbk', 'gb18030'],
    ['x-gbk', 'gb18030'],
    ['CP936', 'gb18030'],
    ['GB_2312-80', 'gb18030'],
    ['gb18030', 'gb18030'],
    ['big5', 'big5'],
    ['Big5-HKSCS', 'big5'],
    ['cp950', 'big5'],
    ['UTF8', 'utf-8'],
    ['"utf-8"', 'utf-8'],
    ["'us-ascii'", 'windows-1252'],
    ['ISO-8859-1', 'windows-1252'],
    ['utf_16', 'utf-16'],
    ['u16', 'utf-16'],
    ['UTF-16LE', 'utf-16le'],
    ['utf_32', 'utf-32'],
    ['UTF-32BE', 'utf-32be'],
    ['Shift_JIS', 'shift_jis'],
    ['ks_c_5601-1987', 'euc-kr'],
    ['windows-1251', 'windows-1251'],
    ['iso-8859-2', 'iso-8859-2'],
  ])('%s → %s', (label, charset) => {
    expect(normalizeCharset(label)).toBe(charset);
  });

  it.each(['bogus', '', 'utf-7', 'base64', 'hex', 'binary', 'x'.repeat(50)])('%j is unknown', (label) => {
    expect(normalizeCharset(label)).toBeUndefined();
  });
});

describe('charsetFromContentType', () => {
  it.each([
    ['text/html; charset=GB2312', 'gb2312'],
    ['text/xml;charset= "us-ascii"', 'us-ascii'],
    ["application/atom+xml;charset='us-ascii'", 'us-ascii'],
    ['application/xml;charset = us-ascii', 'us-ascii'],
    ['text/xml; qs=0.9', undefined],
    ['text/xml; charset:iso-8859-1', undefined],
    ['text/xml;', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, label) => {
    expect(charsetFromContentType(header)).toBe(label);
  });
});

describe('decodeText', () => {
  it('strips a UTF-8 BOM and reports it', () => {
    const result = decodeText(withBom([0xef, 0xbb, 0xbf], Buffer.from('<rss>中文</rss>')), 'text/xml; charset=gb2312');
    expect(result).toMatchObject({ text: '<rss>中文</rss>', encoding: 'utf-8', via: 'bom' });
  });

  it('decodes UTF-16LE and UTF-16BE with BOM', () => {
    const le = decodeText(withBom([0xff, 0xfe], iconv.encode('<rss>新闻</rss>', 'utf-16le')), undefined);
    expect(le).toMatchObject({ text: '<rss>新闻</rss>', encoding: 'utf-16le', via: 'bom' });
    const be = decodeText(withBom([0xfe, 0xff], iconv.encode('<rss>新闻</rss>', 'utf-16be')), 'text/xml');
    expect(be).toMatchObject({ text: '<rss>新闻</rss>', encoding: 'utf-16be', via: 'bom' });
  });

  it('decodes UTF-32 with BOM, and without BOM from the NUL pattern and the prolog', () => {
    const le = decodeText(withBom([0xff, 0xfe, 0, 0], iconv.encode('<feed>𠀀 新</feed>', 'utf-32le')), undefined);
    expect(le).toMatchObject({ text: '<feed>𠀀 新</feed>', encoding: 'utf-32le', via: 'bom' });
    const be = decodeText(withBom([0, 0, 0xfe, 0xff], iconv.encode('<feed>新</feed>', 'utf-32be')), undefined);
    expect(be).toMatchObject({ text: '<feed>新</feed>', encoding: 'utf-32be', via: 'bom' });
    const sniffed = decodeText(iconv.encode('<?xml version="1.0" encoding="utf-32"?><feed>新</feed>', 'utf-32be'), undefined);
    expect(sniffed).toMatchObject({ encoding: 'utf-32be', via: 'prolog', declared: 'utf-32' });
    expect(sniffed.text).toContain('<feed>新</feed>');
  });

  it('reads UTF-16 without BOM from the NUL pattern, whatever the prolog spelling', () => {
    const doc = '<?xml version="1.0" encoding="utf_16"?><rss>新闻</rss>';
    expect(decodeText(iconv.encode(doc, 'utf-16be'), undefined)).toMatchObject({ text: doc, encoding: 'utf-16be', via: 'prolog' });
    expect(decodeText(iconv.encode(doc, 'utf-16le'), undefined)).toMatchObject({ text: doc, encoding: 'utf-16le', via: 'prolog' });
    const noDecl = decodeText(iconv.encode('<rss>新闻</rss>', 'utf-16le'), undefined);
    expect(noDecl).toMatchObject({ text: '<rss>新闻</rss>', encoding: 'utf-16le', via: 'detected' });
  });

  it('prefers UTF-16 bytes over an ASCII-compatible header charset, with a note', () => {
    const result = decodeText(iconv.encode('<rss>新闻</rss>', 'utf-16le'), 'text/xml; charset=utf-8');
    expect(result).toMatchObject({ text: '<rss>新闻</rss>', encoding: 'utf-16le', via: 'fallback', declared: 'utf-8' });
    expect(result.note).toContain('declared utf-8');
  });

  it('decodes GBK bytes sent as charset=gb2312 as gb18030', () => {
    const result = decodeText(iconv.encode(html('', ZH), 'gbk'), 'text/html; charset=gb2312');
    expect(result).toMatchObject({ encoding: 'gb18030', declared: 'gb2312', via: 'header' });
    expect(result.text).toContain(ZH);
    expect(result.note).toBeUndefined();
  });

  it('decodes GBK bytes with no charset but <meta charset=gb2312>', () => {
    const result = decodeText(iconv.encode(html('<meta charset="gb2312">', ZH), 'gbk'), 'text/html');
    expect(result).toMatchObject({ encoding: 'gb18030', declared: 'gb2312', via: 'meta' });
    expect(result.text).toContain(ZH);
  });

  it('reads the http-equiv form of the meta declaration', () => {
    const meta = '<meta http-equiv="Content-Type" content="text/html; charset=GBK" />';
    const result = decodeText(iconv.encode(html(meta, ZH), 'gbk'), undefined);
    expect(result).toMatchObject({ encoding: 'gb18030', declared: 'gbk', via: 'meta' });
    expect(result.text).toContain(ZH);
  });

  it('decodes UTF-8 bytes whose meta still says gb2312 as UTF-8, with a note', () => {
    const result = decodeText(Buffer.from(html('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', ZH)), 'text/html');
    expect(result).toMatchObject({ encoding: 'utf-8', declared: 'gb2312', via: 'fallback' });
    expect(result.text).toContain(ZH);
    expect(result.note).toBe('declared gb2312 but the bytes are UTF-8; decoded as utf-8');
  });

  it('decodes GBK bytes labelled charset=utf-8 as gb18030, with a note', () => {
    const result = decodeText(iconv.encode(html('', ZH), 'gbk'), 'text/html; charset=utf-8');
    expect(result).toMatchObject({ encoding: 'gb18030', declared: 'utf-8', via: 'fallback' });
    expect(result.text).toContain(ZH);
    expect(result.note).toBe('declared utf-8 but the bytes are not UTF-8; decoded as gb18030');
  });

  it('detects Big5 bytes with no label', () => {
    const result = decodeText(iconv.encode(html('', ZH_TRADITIONAL), 'big5'), 'text/html');
    expect(result).toMatchObject({ encoding: 'big5', via: 'detected' });
    expect(result.text).toContain(ZH_TRADITIONAL);
  });

  it('detects GBK bytes with no label', () => {
    const result = decodeText(iconv.encode(html('', ZH), 'gbk'), undefined);
    expect(result).toMatchObject({ encoding: 'gb18030', via: 'detected' });
    expect(result.text).toContain(ZH);
  });

  it('uses the XML declaration when the header has no charset', () => {
    const doc = `<?xml version="1.0" encoding="GB2312"?><rss><title>${ZH}</title></rss>`;
    const result = decodeText(iconv.encode(doc, 'gbk'), 'application/rss+xml');
    expect(result).toMatchObject({ text: doc, encoding: 'gb18030', declared: 'gb2312', via: 'prolog' });
  });

  it('lets the header charset win over the XML declaration', () => {
    const doc = `<?xml version="1.0" encoding="iso-8859-1"?><rss><title>${ZH}</title></rss>`;
    expect(decodeText(Buffer.from(doc), 'text/xml; charset=utf-8')).toMatchObject({ text: doc, encoding: 'utf-8', via: 'header' });
  });

  it('falls through a bogus label to the next declaration, then to detection', () => {
    const doc = `<?xml version="1.0" encoding="big5"?><rss><title>${ZH_TRADITIONAL}</title></rss>`;
    const viaProlog = decodeText(iconv.encode(doc, 'big5'), 'text/xml; charset=bogus');
    expect(viaProlog).toMatchObject({ text: doc, encoding: 'big5', via: 'prolog', declared: 'big5' });
    expect(viaProlog.note).toContain('unknown charset "bogus"');

    const plain = decodeText(Buffer.from(`<rss><title>${ZH}</title></rss>`), 'text/xml; charset=bogus');
    expect(plain).toMatchObject({ encoding: 'utf-8', via: 'detected', declared: 'bogus' });
    expect(plain.text).toContain(ZH);
    const ascii = decodeText(Buffer.from('<?xml version="1.0" encoding="bogus"?><rss/>'), undefined);
    expect(ascii).toMatchObject({ encoding: 'utf-8', via: 'default', declared: 'bogus' });
  });

  it('decodes windows-1252 as declared, smart quotes included', () => {
    const bytes = Buffer.from([...Buffer.from('This is a '), 0xa3, 0x93, ...Buffer.from('test.'), 0x94]);
    expect(decodeText(bytes, 'text/xml; charset=windows-1252').text).toBe('This is a £“test.”');
    expect(decodeText(bytes, 'text/xml; charset=iso-8859-1').encoding).toBe('windows-1252');
  });

  it('keeps mostly-valid UTF-8 with one stray byte as UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from(`<p>${ZH}</p>`), Buffer.from([0xff]), Buffer.from('<p>end</p>')]);
    const result = decodeText(bytes, 'text/html; charset=utf-8');
    expect(result).toMatchObject({ encoding: 'utf-8', via: 'header' });
    expect(result.text).toContain(ZH);
  });

  it('uses an explicit override as is', () => {
    const gbk = iconv.encode(html('<meta charset="utf-8">', ZH), 'gbk');
    const result = decodeText(gbk, 'text/html; charset=utf-8', 'GBK');
    expect(result).toMatchObject({ encoding: 'gb18030', via: 'override', declared: 'utf-8' });
    expect(result.text).toContain(ZH);
  });

  it('ignores an unknown override, saying so', () => {
    const result = decodeText(Buffer.from(ZH), undefined, 'klingon');
    expect(result).toMatchObject({ encoding: 'utf-8', via: 'detected', text: ZH });
    expect(result.note).toContain('"klingon" is unknown');
  });

  it('treats plain ASCII as UTF-8 by default, and an empty body too', () => {
    expect(decodeText(Buffer.from('<rss></rss>'), undefined)).toMatchObject({ text: '<rss></rss>', encoding: 'utf-8', via: 'default' });
    expect(decodeText(Buffer.alloc(0), undefined)).toMatchObject({ text: '', encoding: 'utf-8', via: 'default' });
  });

  it('does not use a meta declaration inside an XML document', () => {
    const doc = `<rss><description><![CDATA[<meta charset="gb2312">${ZH}]]></description></rss>`;
    expect(decodeText(Buffer.from(doc), 'application/rss+xml')).toMatchObject({ encoding: 'utf-8', text: doc });
  });
});

describe('sniffDeclaredCharset and utf8Stats', () => {
  it('reports the first usable declaration', () => {
    expect(sniffDeclaredCharset(Buffer.from('<meta charset="gbk">'), 'text/html; charset=bogus')).toEqual({ charset: 'gb18030', label: 'gbk', via: 'meta' });
    expect(sniffDeclaredCharset(Buffer.from([0xef, 0xbb, 0xbf, 0x3c]), 'text/html; charset=gbk')).toEqual({ charset: 'utf-8', label: 'utf-8', via: 'bom' });
    expect(sniffDeclaredCharset(Buffer.from('<rss/>'), undefined)).toBeUndefined();
  });

  it('counts well-formed and ill-formed UTF-8 sequences', () => {
    expect(utf8Stats(Buffer.from('abc'))).toEqual({ multibyte: 0, invalid: 0, ascii: true });
    expect(utf8Stats(Buffer.from('中文é😀'))).toEqual({ multibyte: 4, invalid: 0, ascii: false });
    expect(utf8Stats(Buffer.from([0xc0, 0x80, 0xed, 0xa0, 0x80, 0xe4, 0xb8]))).toMatchObject({ multibyte: 0 });
    expect(utf8Stats(Buffer.from([0xc0, 0x80, 0xed, 0xa0, 0x80, 0xe4, 0xb8])).invalid).toBeGreaterThan(0);
  });
});
