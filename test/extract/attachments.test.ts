/**
 * Attachments: document links in and right after the body, and links after an `附件：` label,
 * with absolute URLs and titles.
 */
import { describe, expect, it } from 'vitest';
import { isAttachmentUrl } from '../../src/extract/attachments.js';
import { extractArticle } from '../../src/extract/extract-article.js';
import { FOOTER, page, prose } from './pages.js';

const opts = { timeZone: 'Asia/Shanghai' };
const URL = 'http://kjt.example.gov.cn/tzgg/202403/t20240305_123.html';

describe('attachments', () => {
  it('finds document links in the body and after it, resolved against the page', () => {
    const html = page(`
      <h1>关于组织申报2024年度科技计划项目的通知</h1>
      <div class="TRS_Editor"><p>${prose(200)}</p>
        <p>附件：<a href="./P020240305_1.pdf">1.申报指南.pdf</a></p>
        <p><a href="/uploads/申报书模板.DOCX">2.申报书模板</a></p>
        <p><a href="./P020240305_2.xls?v=1" title="汇总表">&nbsp;</a></p>
        <p><a href="http://www.example.gov.cn/">相关网站</a></p>
      </div>
      <div class="fj"><a href="/download/P020240305_3.zip">3.附件压缩包</a> <a href="/file.ofd">4.OFD版</a></div>
      ${FOOTER}`);
    const a = extractArticle(html, URL, opts);
    expect(a.attachments).toEqual([
      { title: '1.申报指南.pdf', url: 'http://kjt.example.gov.cn/tzgg/202403/P020240305_1.pdf' },
      { title: '2.申报书模板', url: 'http://kjt.example.gov.cn/uploads/%E7%94%B3%E6%8A%A5%E4%B9%A6%E6%A8%A1%E6%9D%BF.DOCX' },
      { title: '汇总表', url: 'http://kjt.example.gov.cn/tzgg/202403/P020240305_2.xls?v=1' },
      { title: '3.附件压缩包', url: 'http://kjt.example.gov.cn/download/P020240305_3.zip' },
      { title: '4.OFD版', url: 'http://kjt.example.gov.cn/file.ofd' },
    ]);
    expect(a.text).toContain('申报指南');
  });

  it('takes links without a file extension after an 附件 label, once each', () => {
    const html = page(`<h1>通知</h1><div class="zw"><p>${prose(200)}</p><p>附件：</p><p><a href="/download.jsp?id=88">申报汇总表</a></p><p><a href="/download.jsp?id=88">申报汇总表</a></p></div>`);
    expect(extractArticle(html, URL, opts).attachments).toEqual([{ title: '申报汇总表', url: 'http://kjt.example.gov.cn/download.jsp?id=88' }]);
  });

  it('ignores ordinary links, javascript links and far-away documents', () => {
    const html = page(`<h1>通知</h1><div class="zw"><p>${prose(200)} <a href="javascript:void(0)">打开.pdf</a> <a href="/news/1.html">链接</a></p></div>${'<div><p>其他内容</p></div>'.repeat(30)}<div class="footer"><a href="/guide.pdf">网站使用指南</a></div>`);
    expect(extractArticle(html, URL, opts).attachments).toEqual([]);
  });

  it.each([
    ['http://x/a/b.PDF', true],
    ['http://x/a/%E6%96%87%E4%BB%B6.wps', true],
    ['http://x/a/b.pdf.html', false],
    ['http://x/a/pdf', false],
  ])('isAttachmentUrl(%s) = %s', (url, yes) => {
    expect(isAttachmentUrl(url)).toBe(yes);
  });
});
