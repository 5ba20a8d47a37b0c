import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeMixedUtf8, decodeText } from '../../src/fetch/decode.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const gbk = (s: string) => iconv.encode(s, 'gbk');

describe('UTF-8 documents with GBK runs', () => {
  it('reads the runs that are not UTF-8 as GB18030 and leaves UTF-8 and ASCII alone', () => {
    const body = Buffer.concat([utf8('<title>正常标题</title><t>'), gbk('编码混乱的标题'), utf8('</t><p>第三段 ok</p>')]);
    expect(decodeMixedUtf8(body)).toEqual({ text: '<title>正常标题</title><t>编码混乱的标题</t><p>第三段 ok</p>', repaired: 1 });
  });

  it('keeps a replacement character where a run is neither UTF-8 nor GB18030', () => {
    const body = Buffer.concat([utf8('正常正常正常'), Buffer.from([0x20, 0xff, 0x20])]);
    expect(decodeMixedUtf8(body)).toEqual({ text: '正常正常正常 \uFFFD ', repaired: 0 });
  });

  it('is what decodeText does for a mostly-UTF-8 feed, with a note', () => {
    const body = Buffer.concat([utf8('<?xml version="1.0" encoding="utf-8"?><rss><item><title>第一条新闻标题</title></item><item><title>'), gbk('编码混乱的标题'), utf8('</title></item><item><title>第三条新闻标题</title></item></rss>')]);
    const r = decodeText(body, 'application/rss+xml; charset=utf-8');
    expect(r.encoding).toBe('utf-8');
    expect(r.text).toContain('<title>编码混乱的标题</title>');
    expect(r.text).not.toContain('\uFFFD');
    expect(r.note).toMatch(/mixed encodings: 1 run/);
  });
});
