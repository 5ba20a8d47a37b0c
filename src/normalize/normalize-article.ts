/**
 * Article normalization: the passes of this folder composed, for the title, the text (one
 * paragraph a line) and, when given, the HTML.
 *
 * Order, and why:
 * 1. Inline repairs, on the title, the text and the origin/author fields:
 *    strip-pinyin-notes (so words are whole again: 責任編(biān)輯 would hide an editor line),
 *    then fix-punctuation-debris, repeated until nothing changes (debris inside a note,
 *    `(，、dòng)`, hides the note until the debris goes). Lines are tidied (text-lines.ts).
 * 2. Line passes, on the text: extract-meta-lines (before chrome, so a lone `来源：X` becomes the
 *    origin rather than a removed line), then strip-chrome-lines (with the title, for
 *    `title-echo`). Both only remove whole lines (a bracketed inline byline gives its names to
 *    the reporters and stays in its paragraph).
 * 3. detect-spam, on the title, the kept lines and the removed lines (footers are evidence).
 *    When brands are found they are removed from the title and the lines, punctuation debris
 *    is fixed again, lines left empty go, and step 2 runs again with the cleaned title (a
 *    line may only now read as a credit, a widget or an echo of the title). Running it here
 *    rather than first keeps the evidence stable: a second normalization sees the same kept
 *    lines, so it cannot find a brand the first one missed.
 * 4. collapse-repeated-lines (after chrome: repeated menu entries are chrome's to judge).
 * 5. detect-spun: a flag only, the text is not rewritten.
 * 6. Fields: origin = the given origin, else a `来源` line, else the info line's 来源; author =
 *    the given author, else a `作者` line, else the info line's 作者, else the reporters
 *    (joined with 、). script = detectScript(title + the first SCRIPT_SAMPLE characters).
 * 7. HTML (normalize-html.ts): the inline passes of steps 1 and 3 on its text nodes (and the
 *    invisible characters tidying drops from text lines), and the lines removed in steps 2–4
 *    dropped, so HTML and text agree.
 *
 * Idempotent: normalizing the result again changes neither title, text nor HTML. (Flags are
 * evidence-based: once a brand is removed, a second run has nothing left to flag `spam`.)
 */
import type { ArticleFlag, Script } from '../domain/article.js';
import { htmlToText } from '../publish/sanitize-html.js';
import { collapseRepeatedLines } from './collapse-repeated-lines.js';
import { detectSpam, removeBrands } from './detect-spam.js';
import { detectSpunForm } from './detect-spun.js';
import { extractMetaLines, type MetaResult } from './extract-meta-lines.js';
import { fixPunctuationDebris } from './fix-punctuation-debris.js';
import { matchForm } from './fold-width.js';
import { normalizeHtml } from './normalize-html.js';
import { detectScript, toSimplified, toTraditional } from './script.js';
import { type ChromeResult, stripChromeLines } from './strip-chrome-lines.js';
import { stripPinyinNotes } from './strip-pinyin-notes.js';
import { type Line, joinLines, linesOf, stripInvisible, tidyLine, toLines } from './text-lines.js';

export interface NormalizeInput {
  title: string;
  /** Plain text, one paragraph a line. When empty and `html` is given, the HTML's text is used. */
  text: string;
  /** The article HTML (a fragment), kept in line with the text. */
  html?: string;
  origin?: string | null;
  author?: string | null;
}

export interface RemovedEntry {
  /** The pass that removed the line: extract-meta-lines, strip-chrome-lines, detect-spam, collapse-repeated-lines. */
  pass: string;
  /** The pass's rule, where it has named rules. */
  rule?: string;
  line: string;
}

/** A removed line with its match forms (internal: spam evidence and the HTML step use them). */
interface RemovedLine extends RemovedEntry {
  form: string;
  compact: string;
}

export interface NormalizedArticle {
  title: string;
  text: string;
  html?: string;
  origin: string | null;
  author: string | null;
  originalTitle: string | null;
  flags: ArticleFlag[];
  script: Script;
  removed: RemovedEntry[];
  /** Everything else the passes found. */
  meta: {
    editors: string[];
    reporters: string[];
    /** The publication time an info line named, as written. */
    published: string | null;
    /** Injected brands removed (match form). */
    spamBrands: string[];
    /** Spun forms found (Simplified). */
    spunTerms: string[];
  };
}

/** Rounds of step 1 at most: debris inside a note (`(，、dòng)`) hides it until the debris goes. */
const INLINE_ROUNDS = 4;

/** Step 1 on one string: pinyin notes, (injected brands,) punctuation debris, until nothing changes. */
function repairInline(text: string, brands: readonly string[] = []): string {
  let current = text;
  for (let round = 0; round < INLINE_ROUNDS; round++) {
    let next = stripPinyinNotes(current);
    if (brands.length > 0) next = removeBrands(next, brands);
    next = fixPunctuationDebris(next);
    if (next === current) break;
    current = next;
  }
  return current;
}

const DANGLING_SEPARATORS = /^[\s\-_|–—:,，、·•]+|[\s\-_|–—:,，、·•]+$/g;

function cleanField(value: string | null | undefined, brands: readonly string[]): string | null {
  if (value === null || value === undefined) return null;
  let out = tidyLine(repairInline(value));
  if (brands.length > 0) out = tidyLine(repairInline(out, brands)).replace(DANGLING_SEPARATORS, '');
  return out === '' ? null : out;
}

interface LinePasses {
  meta: MetaResult;
  chrome: ChromeResult;
}

/** Step 2. */
function runLinePasses(lines: readonly Line[], title: string): LinePasses {
  const meta = extractMetaLines(lines);
  const chrome = stripChromeLines(meta.lines, { title });
  return { meta, chrome };
}

function removedOf(passes: LinePasses): RemovedLine[] {
  return [
    ...passes.meta.removed.map((r) => ({ pass: 'extract-meta-lines', ...r })),
    ...passes.chrome.removed.map((r) => ({ pass: 'strip-chrome-lines', ...r })),
  ];
}

/**
 * `lines` with `edit` applied; only edited lines get new match forms (one batch), empty ones go
 * to `dropped`, and each new line takes its old line's input index in `indexOf`.
 */
function editLines(lines: readonly Line[], edit: (text: string) => string, dropped: Line[], indexOf: Map<Line, number>): Line[] {
  const out: (Line | undefined)[] = [];
  const changed: string[] = [];
  const changedFrom: Line[] = [];
  const changedAt: number[] = [];
  for (const line of lines) {
    const text = edit(line.text);
    if (text === line.text) {
      out.push(line);
    } else if (text === '') {
      dropped.push(line);
    } else {
      changed.push(text);
      changedFrom.push(line);
      changedAt.push(out.length);
      out.push(undefined);
    }
  }
  linesOf(changed).forEach((line, i) => {
    const at = changedAt[i];
    const from = changedFrom[i];
    if (at === undefined || !from) return;
    out[at] = line;
    const index = indexOf.get(from);
    if (index !== undefined) indexOf.set(line, index);
  });
  return out.filter((l): l is Line => l !== undefined);
}

/** At most this many characters of the text go to script detection: plenty to tell hans from hant. */
const SCRIPT_SAMPLE = 2000;

function mergeUnique(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** Normalize an article (see the file comment for the passes and their order). */
export function normalizeArticle(input: NormalizeInput): NormalizedArticle {
  const sourceText = input.text.trim() === '' && input.html ? htmlToText(input.html) : input.text;
  let title = tidyLine(repairInline(input.title));
  const inputLines = toLines(repairInline(sourceText));
  // Which input line each line came from: the HTML step gives each HTML line its text line's fate.
  const indexOf = new Map<Line, number>(inputLines.map((l, i) => [l, i]));
  let lines: readonly Line[] = inputLines;

  // Step 2.
  let passes = runLinePasses(lines, title);
  const removed = removedOf(passes);

  // Step 3.
  const spam = detectSpam({ title, text: passes.chrome.lines, removed });
  const brands = spam.brands.map((b) => b.brand);
  let metaFields = passes.meta;
  let found = passes.chrome.found;
  if (brands.length > 0) {
    title = cleanField(title, brands) ?? '';
    const emptied: Line[] = [];
    const cleaned = editLines(passes.chrome.lines, (text) => tidyLine(repairInline(text, brands)), emptied, indexOf);
    removed.push(...emptied.map((l) => ({ pass: 'detect-spam', line: l.text, form: l.form, compact: l.compact })));
    const again = runLinePasses(cleaned, title);
    removed.push(...removedOf(again));
    metaFields = {
      ...again.meta,
      originalTitle: passes.meta.originalTitle ?? again.meta.originalTitle,
      editors: mergeUnique(passes.meta.editors, again.meta.editors),
      reporters: mergeUnique(passes.meta.reporters, again.meta.reporters),
      origin: passes.meta.origin ?? again.meta.origin,
      author: passes.meta.author ?? again.meta.author,
    };
    found = {
      origin: found.origin ?? again.chrome.found.origin,
      author: found.author ?? again.chrome.found.author,
      published: found.published ?? again.chrome.found.published,
    };
    passes = again;
  }

  // Step 4.
  const repeats = collapseRepeatedLines(passes.chrome.lines);
  removed.push(...repeats.removed.map((l) => ({ pass: 'collapse-repeated-lines', line: l.text, form: l.form, compact: l.compact })));
  lines = repeats.lines;
  const text = joinLines(lines);

  // Step 5.
  const spun = detectSpunForm([matchForm(title), ...lines.map((l) => l.form)].join('\n'));
  const flags: ArticleFlag[] = [];
  if (spam.spam) flags.push('spam');
  if (spun.spun) flags.push('spun');

  // Step 6.
  const origin = cleanField(input.origin, brands) ?? cleanField(metaFields.origin, brands) ?? cleanField(found.origin, brands);
  const reporters = metaFields.reporters;
  const author =
    cleanField(input.author, brands) ??
    cleanField(metaFields.author, brands) ??
    cleanField(found.author, brands) ??
    (reporters.length > 0 ? reporters.join('、') : null);

  const result: NormalizedArticle = {
    title,
    text,
    origin,
    author,
    originalTitle: cleanField(metaFields.originalTitle, brands),
    flags,
    script: detectScript(`${title}\n${text.slice(0, SCRIPT_SAMPLE)}`),
    removed: removed.map(({ pass, rule, line }) => (rule === undefined ? { pass, line } : { pass, rule, line })),
    meta: {
      editors: metaFields.editors,
      reporters,
      published: found.published,
      spamBrands: brands,
      spunTerms: spun.terms.map((t) => t.spun),
    },
  };

  // Step 7.
  if (input.html !== undefined) {
    const inline = (line: string): string => repairInline(stripInvisible(line), brands);
    const kept = new Set(lines.map((l) => indexOf.get(l)));
    result.html = normalizeHtml(input.html, {
      inline,
      lines: inputLines.map((l, i) => ({ text: brands.length > 0 ? inline(l.text) : l.text, removed: !kept.has(i) })),
      removed: removed.map((r) => r.compact),
      kept: lines.map((l) => l.compact),
      // Lines removed before the brands were found still carry them; the HTML's text no longer does.
      key: brands.length > 0 ? (compact) => fixPunctuationDebris(removeBrands(compact, brands)) : undefined,
    });
  }
  return result;
}

/** The text in the script a reader chose: as published, Simplified, or Traditional. */
export function displayScript(text: string, choice: 'original' | 'hans' | 'hant'): string {
  if (choice === 'hans') return toSimplified(text);
  if (choice === 'hant') return toTraditional(text);
  return text;
}
