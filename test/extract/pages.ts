/**
 * Small synthetic pages for the extraction unit tests: a document around given head and
 * body markup, in the shapes Chinese government and news sites use.
 */

export function page(body: string, head = ''): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;
}

/** A paragraph of running text of about `n` characters (sentences with punctuation). */
export function prose(n: number, seed = '科技创新'): string {
  const sentence = `${seed}工作取得新进展，各部门协同推进重点项目建设，成效明显。`;
  let out = '';
  while (out.length < n) out += sentence;
  return out.slice(0, n);
}

/** A navigation bar, a breadcrumb and a footer, as most pages have them. */
export const NAV = '<div class="nav"><a href="/">网站首页</a><a href="/zwgk/">政务公开</a><a href="/xwdt/">工作动态</a><a href="/hdjl/">互动交流</a></div>';
export const CRUMB = '<div class="position">您现在的位置：<a href="/">首页</a> &gt; <a href="/xwdt/">工作动态</a></div>';
export const FOOTER = '<div class="footer">主办单位：某某市科学技术局 地址：某某路1号<br>Copyright © 2024 某某市科学技术局 某ICP备12345678号</div>';
