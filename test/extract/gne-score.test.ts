/**
 * extractArticle scored on the GeneralNewsExtractor test pages (../shared/corpus/gne): 15
 * real Chinese news and government pages with hand-made labels. Each page is decoded from
 * its bytes with decodeText (the label's `charset` is only checked against the result), its
 * URL is the one the capture recorded in a leading `<!-- http… -->` comment (else a
 * placeholder), and these checks are scored:
 *
 * - title: equal to the label after trimming;
 * - published: the same instant (a date-only label is midnight in Asia/Shanghai); a `null`
 *   label means the page shows no date and none may be extracted;
 * - source: equal to the label (`origin`); `null` means none may be extracted;
 * - body_first, body_last, each body_contains: present in the text, whitespace ignored;
 * - each must_not_contain: absent from the text, whitespace ignored;
 * - length: the body's length within ±20% of `body_chars`. The labels count non-whitespace
 *   characters: on pages where the extracted body is exactly the labelled one (toutiao-4,
 *   163-3, guancha-3, gsc-1, sxmu-1, zsnews-1, 163-8) that count equals `body_chars`, while a
 *   count with whitespace and line breaks never does (it is 1–3% higher). Both are printed;
 *   the check uses the non-whitespace count.
 *
 * score = passed checks / all checks, printed per page and per field; it must be ≥ 0.98.
 * The rules under test know nothing of these files or sites.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../../src/extract/extract-article.js';
import { normalizeCharset } from '../../src/fetch/charset-labels.js';
import { decodeText } from '../../src/fetch/decode.js';
import { parseDate } from '../../src/normalize/parse-date.js';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';

const dir = path.join(corpusDir, 'gne');
const present = hasCorpus && existsSync(path.join(dir, 'labels.json'));
const run = needs('the GNE pages of the shared corpus (../shared/corpus/gne)', present);
const TZ = 'Asia/Shanghai';

interface Label {
  file: string;
  charset: string;
  title: string;
  published: string | null;
  source: string | null;
  body_first: string;
  body_last: string;
  body_contains: string[];
  must_not_contain: string[];
  body_chars: number;
}

interface Check {
  field: string;
  ok: boolean;
  detail: string;
}

const squeeze = (s: string): string => s.replace(/\s+/g, '');

function pageUrl(html: string, file: string): string {
  return /^\s*<!--\s*(https?:\/\/[^\s>]+?)\s*-->/.exec(html)?.[1] ?? `https://gne.invalid/${file}`;
}

function scorePage(label: Label): { checks: Check[]; chars: number; charsWithSpaces: number; encoding: string } {
  const bytes = readFileSync(path.join(dir, 'pages', label.file));
  const decoded = decodeText(bytes, undefined);
  const article = extractArticle(decoded.text, pageUrl(decoded.text, label.file), { timeZone: TZ });
  const text = squeeze(article.text);
  const checks: Check[] = [];
  const add = (field: string, ok: boolean, detail: string): void => {
    checks.push({ field, ok, detail });
  };

  add('title', article.title.trim() === label.title, `${JSON.stringify(article.title)} vs ${JSON.stringify(label.title)}`);
  const want = label.published === null ? undefined : parseDate(label.published, TZ);
  const got = article.published;
  add('published', (want === undefined) === (got === undefined) && (!want || !got || Date.parse(want) === Date.parse(got)), `${got} vs ${label.published}`);
  add('source', (article.origin ?? null) === label.source, `${article.origin} vs ${label.source}`);
  add('body_first', text.includes(squeeze(label.body_first)), label.body_first);
  add('body_last', text.includes(squeeze(label.body_last)), label.body_last);
  for (const snippet of label.body_contains) add('body_contains', text.includes(squeeze(snippet)), snippet);
  for (const snippet of label.must_not_contain) add('must_not_contain', !text.includes(squeeze(snippet)), snippet);
  add('length', Math.abs(text.length / label.body_chars - 1) <= 0.2, `${text.length} vs ${label.body_chars}`);
  return { checks, chars: text.length, charsWithSpaces: article.text.length, encoding: decoded.encoding };
}

describe.skipIf(!run)('extractArticle on the GNE pages', () => {
  const labels = present ? (JSON.parse(readFileSync(path.join(dir, 'labels.json'), 'utf8')) as Label[]) : [];
  const results = labels.map((label) => ({ label, ...scorePage(label) }));

  it('decodes each page with the charset its label names', () => {
    for (const { label, encoding } of results) expect(encoding, label.file).toBe(normalizeCharset(label.charset));
  });

  it('scores at least 0.98 over all checks', () => {
    const rows = results.map(({ label, checks, chars, charsWithSpaces }) => ({
      page: label.file,
      passed: `${checks.filter((c) => c.ok).length}/${checks.length}`,
      'non-space chars': `${chars}/${label.body_chars}`,
      'chars incl. spaces': `${charsWithSpaces}/${label.body_chars}`,
      failed: checks
        .filter((c) => !c.ok)
        .map((c) => `${c.field}: ${c.detail}`)
        .join('; '),
    }));
    console.table(rows);
    const all = results.flatMap((r) => r.checks);
    const fields = [...new Set(all.map((c) => c.field))];
    const perField = Object.fromEntries(fields.map((f) => [f, `${all.filter((c) => c.field === f && c.ok).length}/${all.filter((c) => c.field === f).length}`]));
    const score = all.filter((c) => c.ok).length / all.length;
    console.log(`GNE score ${score.toFixed(4)} (${all.filter((c) => c.ok).length}/${all.length}) by field:`, perField);
    expect(labels).toHaveLength(15);
    expect(score).toBeGreaterThanOrEqual(0.98);
  });
});
