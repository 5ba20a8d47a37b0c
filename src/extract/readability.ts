/**
 * The general article extractor: Mozilla Readability over a linkedom DOM. Given a decoded
 * page and its URL it returns the headline, the main content HTML and the byline, or
 * undefined when the page has no article-like content. This is the fallback for any page;
 * extract-article.ts runs it (through `readDocument`, on a copy of its already parsed page,
 * since Readability rewrites the document it reads) when neither a per-source selector nor a
 * known CMS container nor the text-density rule finds the body.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { Doc } from './dom.js';

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

export interface ReadabilityOptions {
  /** Characters an article needs (Readability's default is 500; short government notices have fewer). */
  charThreshold?: number;
  /** Top candidates Readability compares (default 5). */
  nbTopCandidates?: number;
}

type ReadabilityDocument = ConstructorParameters<typeof Readability>[0];

/**
 * Readability over `doc`, which it rewrites: pass a copy when the document is still needed.
 * Relative links resolve against `url` when the page has no `<base>`.
 */
export function readDocument(doc: Doc, url: string, options: ReadabilityOptions = {}): ExtractedContent | undefined {
  // Readability resolves relative links through the document's base URI.
  if (!doc.querySelector('base[href]')) {
    const head = doc.querySelector('head');
    if (head) {
      const base = doc.createElement('base');
      base.setAttribute('href', url);
      head.prepend(base);
    }
  }
  const reader = new Readability(doc as unknown as ReadabilityDocument, {
    charThreshold: options.charThreshold ?? 100,
    nbTopCandidates: options.nbTopCandidates ?? 5,
    keepClasses: false,
  });
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

export function extractMainContent(html: string, url: string): ExtractedContent | undefined {
  const { document } = parseHTML(html);
  return readDocument(document as unknown as Doc, url, { charThreshold: 100 });
}
