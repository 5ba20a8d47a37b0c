/**
 * Known article-body containers of the content-management systems Chinese government,
 * university and news sites run on, most specific first. Data only: body.ts tries them in
 * this order and accepts one only if it holds the page's running text (see `acceptContainer`
 * there), so a generic name such as `.content` that happens to wrap a sidebar is passed over.
 *
 * `generic` marks class names many unrelated templates use for other things; those must also
 * agree with the text-density rule (contain its pick, or be contained in it) to be taken.
 */

export interface CmsContainer {
  /** CSS selector of the body element. */
  selector: string;
  /** The system (or template family) it comes from. */
  cms: string;
  /** Needs the density rule's agreement. */
  generic?: boolean;
}

export const CMS_CONTAINERS: readonly CmsContainer[] = [
  // TRS WCM (拓尔思): the editor's output is always wrapped in this class.
  { selector: '.TRS_Editor', cms: 'TRS WCM' },
  { selector: '.TRS_UEDITOR', cms: 'TRS WCM (UEditor-based editor)' },
  // UCAP (开普云) government templates, e.g. the State Council portal.
  { selector: '#UCAP-CONTENT', cms: 'UCAP' },
  { selector: '.pages_content', cms: 'UCAP / gov.cn templates' },
  // VSB / Webber (博达) site builder, common at universities and bureaus.
  { selector: '#vsb_content', cms: 'VSB (博达)' },
  { selector: '.v_news_content', cms: 'VSB (博达)' },
  // WebPlus (苏迪) university sites.
  { selector: '.wp_articlecontent', cms: 'WebPlus (苏迪)' },
  // The font-size switch (字号 大 中 小) of TRS and Hanweb article templates targets #zoom.
  { selector: '#zoom', cms: 'TRS / Hanweb JCMS (font-size target)' },
  { selector: '#Zoom', cms: 'TRS / Hanweb JCMS (font-size target)' },
  { selector: '#zoomcon', cms: 'Hanweb JCMS' },
  { selector: '.bt-article', cms: 'Hanweb JCMS article template' },
  { selector: '.bt_content', cms: 'Hanweb JCMS article template' },
  // 正文 (zw) abbreviations of provincial and city templates.
  { selector: '.zw', cms: 'government templates (正文)' },
  { selector: '#zw', cms: 'government templates (正文)' },
  { selector: '.zwnr', cms: 'government templates (正文内容)' },
  { selector: '.zw-con', cms: 'government templates (正文)' },
  { selector: '.art-con', cms: 'government and media templates (article content)' },
  { selector: '.art_con', cms: 'government and media templates (article content)' },
  { selector: '.article-content', cms: 'generic article templates', generic: true },
  { selector: '.article_content', cms: 'generic article templates', generic: true },
  { selector: '.articleContent', cms: 'generic article templates', generic: true },
  { selector: '#articleContent', cms: 'generic article templates', generic: true },
  { selector: '.article-body', cms: 'generic article templates', generic: true },
  { selector: '.article_body', cms: 'generic article templates', generic: true },
  { selector: '.news_content', cms: 'generic news templates', generic: true },
  { selector: '.news-content', cms: 'generic news templates', generic: true },
  { selector: '.detail-content', cms: 'generic news templates', generic: true },
  { selector: '.entry-content', cms: 'WordPress', generic: true },
  { selector: '.content', cms: 'generic templates (DedeCMS, PHPCMS and many hand-made ones)', generic: true },
  { selector: '#content', cms: 'generic templates', generic: true },
];
