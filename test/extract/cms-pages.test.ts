/**
 * Whole pages in the shapes of common government CMS templates (condensed from real ones):
 * a Hanweb JCMS article of a provincial commission, a UCAP/gov.cn page whose header template
 * closes `</html>` before the content, and a VSB (博达) university page laid out in tables.
 */
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/extract/extract-article.js';
import { prose } from './pages.js';

const opts = { timeZone: 'Asia/Shanghai' };

const hanweb = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>1-10月某县固定资产投资结构趋稳趋优</title>
<meta name="SiteName" content="某某省发展和改革委员会"><meta name="ColumnName" content="投资运行">
<meta name="ArticleTitle" content="1-10月某县固定资产投资结构趋稳趋优"><meta name="PubDate" content="2016-11-22 09:53">
<meta name="author" content=""><meta name="contentSource" content="省发改委">
<meta name="url" content="http://fgw.example.gov.cn/art/2016/11/22/art_1621004_30332664.html"></head>
<body><div id="hiddenLocation" style="display:none;"><span>发展改革工作</span><span>/col/col1599522/index.html</span></div>
<div class="top_link"><p><span><a href="http://www.example.gov.cn/">国家发改委</a>|<a href="http://www.example.cn/">中国某省</a></span><span><a href="javascript:zh_tran('s');">简体</a>|<a href="javascript:zh_tran('t');">繁体</a>|<a>无障碍浏览</a></span></p></div>
<div class="nav_logo"><div class="logo"><a href="/"><img src="/logo.png"></a></div><div class="search"><form><input name="q" value="请输入关键字"></form></div>
<div class="nav"><div class="nav_item"><dl><dt><a href="/col/col1/index.html">发展改革工作</a></dt><dd><a href="/col/col2/index.html">战略规划和区域发展</a></dd><dd>|</dd><dd><a href="/col/col3/index.html">经济运行和社会发展</a></dd></dl></div></div></div>
<div class="position"><table><tr><td>当前位置：</td><td><a href="/index.html">首页</a></td><td> &gt;<a href="/col/col1/index.html">发展改革工作</a></td></tr></table></div>
<div class="wz-con bt-box-1200"><div class="con">
<p class="con-title"> <!--<$[标题]>begin-->1-10月某县固定资产投资结构趋稳趋优<!--<$[标题]>end--></p>
<div class="small-title clearfix"><span>发布日期：2016-11-22</span> <span>浏览次数： </span> <span>信息来源：<!--<$[信息来源]>begin-->省发改委<!--<$[信息来源]>end--></span></div>
<div class="main-txt" id="zoom"><meta name="ContentStart"><p>\u3000\u3000${prose(260, '固定资产投资')}（某县发改局）</p><p>&nbsp;</p><meta name="ContentEnd"></div>
<div class="main-word"><div class="main-word-left"><span><div class="bdsharebuttonbox"><a class="bds_qzone" title="分享到QQ好友" href="#"></a></div></span></div>
<div class="main-word-right"><span class="printer" onclick="window.print()">打印</span><span class="close" onclick="window.close()">关闭</span></div></div>
</div></div>
<div class="footer"><p><a href="/col/a/index.html">安全隐私</a> 丨 <a href="/col/b/index.html">联系我们</a></p><p>某某省发展和改革委员会 版权所有</p><p>技术支持：某某省经济信息中心 备案号：<a href="http://beian.miit.gov.cn/">某ICP备05018911号</a> 网站标识码：3300000020</p></div>
</body></html>`;

const govcn = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html><head><title>国务院关于某项工作的通知_2024年第5号国务院公报_中国政府网</title><meta name="manuscriptId" content="711039"></head>
<body><div class="header"><div class="header_logo"><a href="/"><img src="/logo.png"></a></div><ul class="header_toolbar"><li><a href="/">首页</a></li><li>|</li><li><a href="/big5/">繁</a></li></ul></div>
</body></html>
<div class="content"><div class="BreadcrumbNav"><a href="/">首页</a>&nbsp;&gt;&nbsp;<a href="/gongbao/">国务院公报</a>
<div class="pages_print"><span class="font index_switchsize">字号：<span>默认</span><span>大</span><span>超大</span></span><span>|</span><span class="printIco">打印</span></div></div>
<div class="article"><div class="pages_content" id="UCAP-CONTENT"><p align="center"><strong>国务院关于某项工作的通知</strong></p><p>\u3000\u3000${prose(180, '各省人民政府')}</p><div style="display:none"></div></div>
<div class="sweep_gb">扫一扫在手机打开当前页</div><div class="xg-list related"><div class="pannel-title">相关稿件</div><ul class="list01"></ul></div></div></div>
<div class="footer_wrap"><p>主办单位：国务院办公厅 运行维护单位：中国政府网运行中心</p><p>版权所有：中国政府网 中文域名：中国政府网.政务</p><p>网站标识码bm01000001 京ICP备05070218号 京公网安备11010202000001号</p></div>`;

const vsb = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><title>学校召开科研工作推进会-科研处</title></head><body>
<table width="1004"><tr><td><img src="banner.jpg"></td></tr><tr><td class="menu"><a href="/">首页</a> <a href="/kyxm/">科研项目</a> <a href="/kycg/">科研成果</a></td></tr></table>
<table width="1004"><tr><td width="240" valign="top"><div class="left-list"><ul><li><a href="/1.htm">通知公告一</a></li><li><a href="/2.htm">通知公告二</a></li><li><a href="/3.htm">通知公告三</a></li></ul></div></td>
<td valign="top"><table width="98%"><tr><td align="center"><span class="titlestyle">学校召开科研工作推进会</span></td></tr>
<tr><td align="center">来源: | 发布时间: 2024-04-18 | 浏览次数: <span id="dynclicks">215</span></td></tr>
<tr><td><form name="_newscontent_fromname"><div id="vsb_content"><p>${prose(300, '科研工作')}</p><p>${prose(200, '项目申报')}</p></div>
<div id="div_vote_id"></div></form></td></tr></table></td></tr></table>
<table><tr><td align="center">主办单位：某某大学科研处 版权所有<br>地址：某市某路56号 邮编：030001</td></tr></table></body></html>`;

describe('government CMS templates', () => {
  it('Hanweb JCMS article page', () => {
    const a = extractArticle(hanweb, 'http://fgw.example.gov.cn/art/2016/11/22/art_1621004_30332664.html', opts);
    expect(a.title).toBe('1-10月某县固定资产投资结构趋稳趋优');
    expect(a.published).toBe('2016-11-22T09:53:00+08:00');
    expect(a.origin).toBe('省发改委');
    expect(a.via.body).toBe('cms:#zoom');
    expect(a.text).toMatch(/^固定资产投资/);
    expect(a.text).toContain('（某县发改局）');
    expect(a.text).not.toMatch(/打印|关闭|分享|版权所有|当前位置|发布日期/);
  });

  it('gov.cn page with content after a stray </html>', () => {
    const a = extractArticle(govcn, 'https://www.example.gov.cn/gongbao/2024/content_711039.htm', opts);
    expect(a.title).toBe('国务院关于某项工作的通知');
    expect(a.via.body).toBe('cms:#UCAP-CONTENT');
    expect(a.text).toMatch(/^各省人民政府/);
    expect(a.published).toBeUndefined();
    expect(a.origin).toBeUndefined();
    expect(a.text).not.toMatch(/扫一扫|字号|国务院公报|京ICP备/);
  });

  it('VSB university page laid out in tables', () => {
    const a = extractArticle(vsb, 'http://kyc.example.edu.cn/info/1081/978.htm', opts);
    expect(a.title).toBe('学校召开科研工作推进会');
    expect(a.published).toBe('2024-04-18T00:00:00+08:00');
    expect(a.origin).toBeUndefined();
    expect(a.via.body).toBe('cms:#vsb_content');
    expect(a.text).toContain('科研工作');
    expect(a.text).toContain('项目申报');
    expect(a.text).not.toMatch(/通知公告|主办单位|浏览次数/);
  });
});
