/**
 * The article as JSON, in the field order of docs/interface.md (what `poll --emit jsonl` and
 * `extract` print), with tidings' additional fields after the documented ones.
 */
import type { Article } from './article.js';

export function toArticleJson(a: Article): Record<string, unknown> {
  return {
    id: a.id,
    sourceId: a.sourceId,
    url: a.url,
    title: a.title,
    published: a.published,
    author: a.author,
    origin: a.origin,
    text: a.text,
    summary: a.summary,
    html: a.html,
    lang: a.lang,
    script: a.script,
    tags: a.tags,
    originalTitle: a.originalTitle,
    duplicateOf: a.duplicateOf,
    flags: a.flags,
    guid: a.guid,
    updated: a.updated,
    attachments: a.attachments,
    storedAt: a.storedAt,
  };
}
