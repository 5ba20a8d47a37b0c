import { describe, expect, it } from 'vitest';
import { canonicalUrl, stripTrackingParams } from '../../src/dedupe/canonical-url.js';
import { isTrackingParam, TRACKING_PARAMS } from '../../src/dedupe/tracking-params.js';

describe('canonicalUrl', () => {
  it.each([
    ['https://Example.COM/kjqy/2024-10-13/8832.html?utm_source=rss&utm_medium=feed', undefined, 'https://example.com/kjqy/2024-10-13/8832.html'],
    ['/kjqy/2024-10-13/8832.html?utm_source=rss&amp=1', 'http://127.0.0.1:8080/rss/kjqy.xml', 'http://127.0.0.1:8080/kjqy/2024-10-13/8832.html?amp=1'],
    ['../a/b.html', 'http://example.com/x/y/feed.xml', 'http://example.com/x/a/b.html'],
    ['//cdn.example.com/a', 'https://example.com/', 'https://cdn.example.com/a'],
    ['http://example.com:80/a', undefined, 'http://example.com/a'],
    ['https://example.com:443/a', undefined, 'https://example.com/a'],
    ['https://example.com:8443/a', undefined, 'https://example.com:8443/a'],
    ['https://example.com/a#comments', undefined, 'https://example.com/a'],
    ['https://example.com', undefined, 'https://example.com/'],
    ['https://example.com/Path/To/Page.HTML?ID=Abc', undefined, 'https://example.com/Path/To/Page.HTML?ID=Abc'],
    ['https://example.com/a?b=2&a=1&c=3', undefined, 'https://example.com/a?b=2&a=1&c=3'],
    ['https://example.com/a?id=1&spm=a2c4g.11186623&from=timeline&isappinstalled=0', undefined, 'https://example.com/a?id=1'],
    ['https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=abc&scene=21&clicktime=1700000000&enterid=1#wechat_redirect', undefined, 'https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=abc'],
    ['https://example.com/a?fbclid=x&gclid=y&mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&yclid=5&igshid=6', undefined, 'https://example.com/a'],
    ['https://example.com/a?share_token=t&sharer_sharetime=1&sharer_shareid=2&wfr=spider&q=1', undefined, 'https://example.com/a?q=1'],
    ['https://example.com/a?UTM_Source=x&q=%E4%B8%AD%E6%96%87', undefined, 'https://example.com/a?q=%E4%B8%AD%E6%96%87'],
    ['https://example.com/a?q=a+b&&x=', undefined, 'https://example.com/a?q=a+b&x='],
    ['https://example.com/a?', undefined, 'https://example.com/a'],
    ['https://例子.中国/新闻', undefined, 'https://xn--fsqu00a.xn--fiqs8s/%E6%96%B0%E9%97%BB'],
    ['  https://example.com/a  ', undefined, 'https://example.com/a'],
    ['HTTPS://EXAMPLE.com/A', undefined, 'https://example.com/A'],
  ])('%s (base %s)', (url, base, expected) => {
    expect(canonicalUrl(url, base)).toBe(expected);
  });

  it.each([
    ['javascript:alert(1)'],
    ['mailto:a@example.com'],
    ['ftp://example.com/a'],
    ['data:text/html,hi'],
    ['/relative/without/base'],
    [''],
    ['   '],
    ['http://'],
    ['not a url'],
  ])('refuses %j', (url) => {
    expect(canonicalUrl(url)).toBeUndefined();
  });

  it('refuses a relative URL against an invalid base', () => {
    expect(canonicalUrl('/a', 'not a base')).toBeUndefined();
  });
});

describe('tracking parameters', () => {
  it('is a data list with the required names', () => {
    for (const name of ['spm', 'from', 'fbclid', 'gclid', 'mc_cid', 'mc_eid', '_hsenc', '_hsmi', 'yclid', 'igshid', 'share_token', 'isappinstalled', 'scene', 'clicktime', 'wfr']) {
      expect(TRACKING_PARAMS.has(name), name).toBe(true);
    }
    expect(isTrackingParam('utm_campaign')).toBe(true);
    expect(isTrackingParam('sharer_shareinfo')).toBe(true);
    expect(isTrackingParam('id')).toBe(false);
    expect(isTrackingParam('page')).toBe(false);
  });

  it('keeps the order and spelling of the other parameters', () => {
    expect(stripTrackingParams('?z=1&utm_source=x&a=%20b&spm=1&m')).toBe('?z=1&a=%20b&m');
    expect(stripTrackingParams('?utm_source=x')).toBe('');
    expect(stripTrackingParams('')).toBe('');
  });
});
