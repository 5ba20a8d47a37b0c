/**
 * The error of a document that is not a feed. Its message says what was expected and
 * what came instead, with the start of the document, so a log line or `sources check`
 * tells an HTML error page, an empty body and a JSON API apart at a glance:
 * `expected RSS, Atom or JSON Feed; got an HTML page (<html lang="zh-CN"><head>…)`.
 */
import { type DocumentKind, firstContentIndex } from './detect-kind.js';
import { scanProlog } from './xml-prolog.js';

const EXPECTED = 'expected RSS, Atom or JSON Feed';
const SNIPPET_CHARS = 60;

export class FeedParseError extends Error {
  override readonly name = 'FeedParseError';
}

/** The first characters of the document (from `from`), whitespace collapsed, for an error message. */
export function snippet(text: string, from?: number): string {
  const start = from ?? Math.max(0, firstContentIndex(text));
  const head = text.slice(start, start + SNIPPET_CHARS * 2).replace(/\s+/g, ' ');
  return head.length > SNIPPET_CHARS ? `${head.slice(0, SNIPPET_CHARS)}…` : head;
}

function described(text: string, kind: DocumentKind): string {
  if (firstContentIndex(text) === -1) return 'an empty body';
  switch (kind) {
    case 'html':
      return `an HTML page (${snippet(text, scanProlog(text).root?.start)})`;
    case 'json':
      return `JSON that is not a JSON Feed (${snippet(text)})`;
    case 'json-feed':
      return `a JSON Feed it could not read (${snippet(text)})`;
    case 'feed':
      return `a feed it could not read (${snippet(text)})`;
    default: {
      const root = scanProlog(text).root;
      if (root) return `XML with root <${root.name}> (${snippet(text, root.start)})`;
      return text[firstContentIndex(text)] === '<' ? `no root element (${snippet(text)})` : `text (${snippet(text)})`;
    }
  }
}

/** The error for a feed that turned out to be `got` ("an empty body", "JSON that is …"). */
export function expectedFeedError(got: string): FeedParseError {
  return new FeedParseError(`${EXPECTED}; got ${got}`);
}

/** The error for `text`, detected as `kind`, when a feed was expected. */
export function notAFeedError(text: string, kind: DocumentKind): FeedParseError {
  return expectedFeedError(described(text, kind));
}
