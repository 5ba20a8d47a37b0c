import { describe, expect, it } from 'vitest';
import { articleId, urlKey } from '../../src/dedupe/article-id.js';

describe('articleId', () => {
  it('is 16 hex digits and stable', () => {
    const id = articleId('mrxw-kjqy', 'mrxw-8832', 'https://example.com/a');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(articleId('mrxw-kjqy', 'mrxw-8832', 'https://example.com/a')).toBe(id);
  });

  it('depends on the GUID first, then the canonical URL, then title and date', () => {
    const byGuid = articleId('s', 'g1', 'https://example.com/a');
    expect(articleId('s', 'g1', 'https://example.com/other')).toBe(byGuid);
    expect(articleId('s', ' g1 ', undefined)).toBe(byGuid);
    expect(articleId('s', 'g2', 'https://example.com/a')).not.toBe(byGuid);

    const byUrl = articleId('s', undefined, 'https://example.com/a?utm_source=rss#top');
    expect(articleId('s', '', 'https://EXAMPLE.com/a')).toBe(byUrl);
    expect(articleId('s', undefined, 'https://example.com/b')).not.toBe(byUrl);

    const byTitle = articleId('s', undefined, undefined, '标题', '2024-10-13T18:44:04+08:00');
    expect(articleId('s', undefined, '', '标题', '2024-10-13T18:44:04+08:00')).toBe(byTitle);
    expect(articleId('s', undefined, undefined, '标题', '2024-10-14T18:44:04+08:00')).not.toBe(byTitle);
  });

  it('differs between sources for the same entry', () => {
    expect(articleId('a', 'g', undefined)).not.toBe(articleId('b', 'g', undefined));
  });

  it('cannot be forged by moving text between the source id and the key', () => {
    expect(articleId('ab', 'c', undefined)).not.toBe(articleId('a', 'bc', undefined));
  });
});

describe('urlKey', () => {
  it.each([
    ['https://www.example.com/a/', 'example.com/a'],
    ['http://example.com/a', 'example.com/a'],
    ['https://example.com/a?utm_source=x&id=1#c', 'example.com/a?id=1'],
    ['https://example.com/', 'example.com'],
    ['https://example.com:8080/A/b.html', 'example.com:8080/A/b.html'],
    ['not a url', 'not a url'],
  ])('%s → %s', (url, key) => {
    expect(urlKey(url)).toBe(key);
  });

  it('makes the same article meet across scheme and www', () => {
    expect(urlKey('http://www.example.com/kjqy/1.html?utm_medium=feed')).toBe(urlKey('https://example.com/kjqy/1.html'));
  });
});
