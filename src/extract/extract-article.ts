/**
 * Article extraction for one fetched page: headline, publication time, origin (来源), author,
 * body (HTML and text), attachments and original title.
 *
 * The page is parsed once (linkedom) and indexed once (page-index.ts); every rule reads that
 * shared DOM and index. Order: meta tags and candidate info lines; the body container
 * (body.ts); the headline (title.ts, which uses where the info lines and body are); the info
 * lines that belong to that headline (info-line.ts); then a copy of the body without its
 * furniture (chrome.ts), the headline and info lines inside it, and its lead lines
 * (lead-lines.ts); and the date, origin and author from all of that. Only when nothing else
 * finds the body does Readability run, on a copy of the document.
 */
import { chooseAuthor } from './author.js';
import { findAttachments } from './attachments.js';
import { chooseBody } from './body.js';
import { cloneWithout, findChrome } from './chrome.js';
import { type El, blockText, joinHeadlineLines, parseDocument } from './dom.js';
import { type InfoLine, findInfoLines, rankInfoLines } from './info-line.js';
import { takeLeadLines } from './lead-lines.js';
import { readMeta } from './meta.js';
import { chooseOrigin } from './origin.js';
import { type PageIndex, contains, indexPage } from './page-index.js';
import { choosePublished } from './published.js';
import { type TitleChoice, chooseTitle } from './title.js';
import type { ExtractOptions, ExtractedArticle } from './types.js';

export type { ExtractOptions, ExtractedArticle } from './types.js';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function selectorText(index: PageIndex, selector: string | undefined): { el: El; text: string } | undefined {
  if (!selector) return undefined;
  let el: El | null;
  try {
    el = index.doc.querySelector(selector);
  } catch {
    return undefined;
  }
  if (!el) return undefined;
  const text = el.tagName === 'META' ? (el.getAttribute('content') ?? '') : el.getAttribute('datetime') || blockText(el);
  return text.trim() ? { el, text: text.trim() } : undefined;
}

/** Info lines strictly inside the body container: they leave the body copy. */
function infoInside(index: PageIndex, body: El, lines: readonly InfoLine[]): El[] {
  return lines.map((l) => l.element).filter((el) => el !== body && contains(index, body, el) && !el.contains(body));
}

export function extractArticle(html: string, url: string, opts: ExtractOptions): ExtractedArticle {
  const doc = parseDocument(html);
  const meta = readMeta(doc);
  const index = indexPage(doc);
  const candidates = findInfoLines(index);
  const selectors = opts.selectors ?? {};

  const body = chooseBody({ index, url, selector: selectors.body });
  const pageBody = body.index === index ? body.element : undefined;

  const titleTag = doc.querySelector('title')?.textContent ?? '';
  const fromSelector = selectorText(index, selectors.title);
  const titleChoice: TitleChoice = fromSelector
    ? { title: joinHeadlineLines(fromSelector.text), element: fromSelector.el, via: 'selector', siteNames: [] }
    : chooseTitle({ index, meta, infoLines: candidates, body: pageBody, feedTitle: opts.feed?.title, siteTitles: opts.siteTitles }, titleTag);
  const title = titleChoice.title || opts.feed?.title?.trim() || '';
  const infoLines = rankInfoLines(index, candidates, titleChoice.element, pageBody);

  let bodyHtml = '';
  let text = '';
  let lead: ReturnType<typeof takeLeadLines> = { authors: [], info: [] };
  if (body.element) {
    const drop = findChrome(body.index, body.element);
    if (pageBody) {
      drop.push(...infoInside(index, pageBody, infoLines));
      const headline = titleChoice.element;
      if (headline && headline !== pageBody && contains(index, pageBody, headline)) drop.push(headline);
    }
    const copy = cloneWithout(body.element, drop);
    lead = takeLeadLines(copy, title);
    bodyHtml = copy.innerHTML.trim();
    text = blockText(copy).replace(CONTROL_CHARS, '');
  }

  const info = infoLines.find((l) => l.fields.date)?.fields.date ?? lead.info.find((f) => f.date)?.date;
  const published = choosePublished({
    timeZone: opts.timeZone,
    now: opts.now,
    meta,
    info,
    url,
    feedPublished: opts.feed?.published,
    selectorText: selectorText(index, selectors.date)?.text,
  });
  const leadInfo: InfoLine[] = pageBody ? lead.info.map((fields) => ({ element: pageBody, text: '', fields })) : [];
  const origin = chooseOrigin({
    index,
    meta,
    infoLines: [...infoLines, ...leadInfo],
    headline: titleChoice.element,
    title,
    selectorText: selectorText(index, selectors.origin)?.text,
  });
  const author = chooseAuthor({
    meta,
    infoLines: [...infoLines, ...leadInfo],
    bylineNames: lead.authors,
    origin: origin.origin,
    siteNames: titleChoice.siteNames,
    selectorText: selectorText(index, selectors.author)?.text,
  });

  const article: ExtractedArticle = {
    title,
    html: bodyHtml,
    text,
    attachments: findAttachments(body.index, body.element, url),
    via: { title: titleChoice.via, published: published.via, body: body.via, origin: origin.via, author: author.via },
  };
  if (published.published) article.published = published.published;
  if (origin.origin) article.origin = origin.origin;
  if (author.author) article.author = author.author;
  if (lead.originalTitle) article.originalTitle = lead.originalTitle;
  return article;
}
