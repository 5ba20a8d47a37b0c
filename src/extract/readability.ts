/**
 * The general article extractor: Mozilla Readability over a linkedom DOM. Given a decoded
 * page and its URL it returns the headline, the main content HTML and the byline, or
 * undefined when the page has no article-like content. (Chinese government pages get their
 * own rules on top of this in a later stage; this is the fallback for any page.)
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

export interface ExtractedContent {
  title?: string;
  /** Main content HTML (not yet sanitized). */
  html: string;
  /** Plain text of the content. */
  text: string;
  byline?: string;
  siteName?: string;
  publishedTime?: string;
}

export function extractMainContent(html: string, url: string): ExtractedContent | undefined {
  const { document } = parseHTML(html);
  // Readability resolves relative links through the document's base URI.
  if (!document.querySelector('base')) {
    const head = document.querySelector('head');
    if (head) {
      const base = document.createElement('base');
      base.setAttribute('href', url);
      head.prepend(base);
    }
  }
  const reader = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 100, keepClasses: false });
  let article: ReturnType<Readability['parse']>;
  try {
    article = reader.parse();
  } catch {
    return undefined;
  }
  if (!article || !article.content) return undefined;
  return {
    title: article.title ?? undefined,
    html: article.content,
    text: article.textContent ?? '',
    byline: article.byline ?? undefined,
    siteName: article.siteName ?? undefined,
    publishedTime: article.publishedTime ?? undefined,
  };
}
