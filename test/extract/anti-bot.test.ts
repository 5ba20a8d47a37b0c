/**
 * Anti-bot detection: small synthetic challenge pages in the shapes the common WAFs serve,
 * and real pages of the corpus (GNE pages and the corpus sites) as negatives.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectAntiBot } from '../../src/extract/anti-bot.js';
import { decodeText } from '../../src/fetch/decode.js';
import { corpusDir, corpusSites, hasCorpus } from '../helpers/corpus.js';

const jiasuleFirst =
  '<html><body><script>document.cookie=(\'_\')+(\'_\')+(\'j\')+(\'s\')+(\'l\')+(\'_\')+(\'c\')+(\'l\')+(\'e\')+(\'a\')+(\'r\')+(\'a\')+(\'n\')+(\'c\')+(\'e\')+(\'_\')+(\'s\')+(\'=\')+(-~[]+[[]][0]+(-~[]<<-~[]));location.href=location.pathname+location.search</script></body></html>';
const jiasuleSecond =
  '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><script>var _0x1a2b=["__jsl_clearance_s","cookie"];function go(a){document[_0x1a2b[1]]=_0x1a2b[0]+"="+a;location.href=location.pathname}go({"bts":["1700000000.1|0|abc"],"chars":"xyz","ct":"sha1"})</script></body></html>';
const ruishu =
  '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta id="9DhefwqGPrzGxEp9hPaoag" content="7gv1m9H2d" r=\'m\'><script type="text/javascript" r=\'m\'>$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=84517;$_ts.cd="qnzqrrAlEaqqDqW";</script><script type="text/javascript" charset="utf-8" src="/5ZZAmtd4Gd8N/o3IV5KvMvKVO.b4c45da.js" r=\'m\'></script></head><body></body></html>';
const aliyun =
  '<html><script>var arg1=\'8F3E0FE9D3C6B7D0A2F8E0C7A1B2C3D4E5F6A7B8\';var _0x4818=[\'\\x63\\x6f\\x6f\\x6b\\x69\\x65\'];function setCookie(name,value){var expiredate=new Date();expiredate.setTime(expiredate.getTime()+3600000);document.cookie=name+\'=\'+value+\';expires=\'+expiredate.toGMTString()+\';max-age=3600;path=/\';}function reload(x){setCookie(\'acw_sc__v2\',x);document.location.reload();}</script></html>';
const verifyPage =
  '<!DOCTYPE html><html><head><title>安全验证</title></head><body><div id="app">请完成下方验证后继续访问</div><script src="/captcha/slider.js"></script></body></html>';
const genericChallenge =
  '<html><head></head><body><script>var t="a1b2c3";document.cookie="_waf_token="+t+"; path=/";window.location.reload();</script></body></html>';
const obfuscatedOnly =
  '<html><head><script>eval(function(p,a,c,k,e,d){e=function(c){return c};return p}("0 1=2",3,3,"var|x|y".split("|"),0,{}))</script></head><body></body></html>';

describe('detectAntiBot on challenge pages', () => {
  it.each([
    ['Jiasule first stage (521)', 521, jiasuleFirst, /JavaScript challenge/],
    ['Jiasule second stage (521)', 521, jiasuleSecond, /Jiasule/],
    ['Ruishu loader (412)', 412, ruishu, /Ruishu/],
    ['Ruishu loader served as 200', 200, ruishu, /Ruishu/],
    ['Alibaba Cloud acw_sc__v2 (200)', 200, aliyun, /acw_sc__v2/],
    ['verification page title (200)', 200, verifyPage, /verification page: 安全验证/],
    ['cookie-and-reload script (403)', 403, genericChallenge, /JavaScript challenge/],
    ['obfuscated loader with no content (200)', 200, obfuscatedOnly, /obfuscated loader/],
    ['empty 412 with only a script include', 412, '<html><head><script src="/x.js"></script></head><body></body></html>', /JavaScript-only HTTP 412/],
  ])('%s', (_name, status, html, reason) => {
    const found = detectAntiBot(status, html);
    expect(found).toMatch(/^blocked by anti-bot protection \(/);
    expect(found).toMatch(reason);
  });
});

describe('detectAntiBot on ordinary pages', () => {
  it.each([
    ['an nginx 403 page', 403, '<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>'],
    ['a 404 page', 404, '<html><body><p>页面不存在</p><script>document.cookie="a=1";location.href="/"</script></body></html>'],
    ['an empty 200 page', 200, '<html><body></body></html>'],
    ['an article that sets an analytics cookie', 200, `<html><body><script>document.cookie="uv=1";location.hash="#top"</script><p>${'科技创新工作取得新进展，'.repeat(30)}</p></body></html>`],
    ['an article mentioning a WAF', 200, `<html><head><title>网站防火墙升级通知</title></head><body><p>${'网站防火墙将于本周升级，届时访问可能中断。'.repeat(20)}</p></body></html>`],
  ])('%s', (_name, status, html) => {
    expect(detectAntiBot(status, html)).toBeUndefined();
  });

  const gne = path.join(corpusDir, 'gne', 'pages');
  it.skipIf(!hasCorpus || !existsSync(gne))('flags none of the GNE pages or the corpus site pages', () => {
    const pages: { name: string; html: string }[] = readdirSync(gne).map((f) => ({ name: f, html: decodeText(readFileSync(path.join(gne, f)), undefined).text }));
    for (const site of corpusSites) {
      const dir = path.join(corpusDir, 'sites', site);
      const headers = JSON.parse(readFileSync(path.join(dir, '_headers.json'), 'utf8')) as Record<string, string>;
      for (const [p, type] of Object.entries(headers)) {
        if (type.startsWith('text/html')) pages.push({ name: `${site}${p}`, html: decodeText(readFileSync(path.join(dir, p)), type).text });
      }
    }
    expect(pages.length).toBeGreaterThan(20);
    for (const { name, html } of pages) for (const status of [200, 403, 412, 521]) expect(detectAntiBot(status, html), `${name} (${status})`).toBeUndefined();
  });
});
