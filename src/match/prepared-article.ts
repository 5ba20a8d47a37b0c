/**
 * What a query is matched against, and its preparation.
 *
 * `MatchInput` is the part of an article queries look at (an `Article` is one as it is).
 * `prepareArticle` computes the search forms once (the Simplified conversion is the costly
 * part), so one article can be matched against many matchers, or one query against many
 * articles, without converting its text again.
 */
import type { Article } from '../domain/article.js';
import { SEGMENT_SEPARATOR, searchForm } from './search-form.js';

/** The fields of an article that queries look at. */
export interface MatchInput {
  title: string;
  text: string;
  sourceId: string;
  tags: readonly string[];
  attachments?: readonly { title: string }[];
}

/** An article in search form, ready for matching. */
export interface PreparedArticle {
  readonly prepared: true;
  /** The title. */
  readonly title: string;
  /** The text, then each attachment title, joined by SEGMENT_SEPARATOR (no term spans two). */
  readonly body: string;
  readonly sourceId: string;
  readonly tags: readonly string[];
}

/** The fields of an article that matching uses. */
export function matchInputOf(article: Pick<Article, 'title' | 'text' | 'sourceId' | 'tags' | 'attachments'>): MatchInput {
  return { title: article.title, text: article.text, sourceId: article.sourceId, tags: article.tags, attachments: article.attachments };
}

/** Search forms of an article's fields, computed once. */
export function prepareArticle(input: MatchInput): PreparedArticle {
  const segments = [searchForm(input.text)];
  for (const a of input.attachments ?? []) segments.push(searchForm(a.title));
  return {
    prepared: true,
    title: searchForm(input.title),
    body: segments.join(SEGMENT_SEPARATOR),
    sourceId: searchForm(input.sourceId),
    tags: input.tags.map(searchForm),
  };
}

/** The prepared form of either kind of input. */
export function prepared(article: MatchInput | PreparedArticle): PreparedArticle {
  return isPrepared(article) ? article : prepareArticle(article);
}

function isPrepared(article: MatchInput | PreparedArticle): article is PreparedArticle {
  return 'prepared' in article && article.prepared === true;
}
