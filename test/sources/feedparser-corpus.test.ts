/**
 * The whole feedparser test corpus (wellformed/ and illformed/, read as UTF-8) through
 * parseFeed: nothing may throw but FeedParseError, most files must parse, and the simple
 * `Expect:` equalities that translate to our fields (see feedparser-expect.ts) must mostly
 * hold. Floors sit a little below what was measured, so a regression fails the run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ParsedSource } from '../../src/domain/article.js';
import { FeedParseError, parseFeed } from '../../src/sources/feed.js';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';
import { checkPasses, expectLine, translateExpect } from './feedparser-expect.js';

const root = path.join(corpusDir, 'feedparser');
// feedparser's harness serves the corpus from here; `base/http_*` cases expect links against it.
const SERVED_AT = 'http://127.0.0.1:8097/tests/';

// Measured: 1,734 of 1,749 wellformed files parse (the 15 that do not are CDF, which tidings
// does not read), 1,242 of them with a title or an entry; 18 of 19 illformed files parse
// (the 19th has no root element); 183 of 200 translated checks pass.
const FLOORS = { wellformedParsed: 1745, wellformedWithContent: 1250, illformedParsed: 17, checksPassing: 190 };

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .sort();
}

interface Outcome {
  file: string;
  text: string;
  url: string;
  parsed?: ParsedSource;
  /** Set when parseFeed threw something other than FeedParseError. */
  unexpected?: string;
}

async function parseAll(dir: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const file of filesUnder(path.join(root, dir))) {
    const text = readFileSync(file, 'utf8');
    const url = SERVED_AT + path.relative(root, file);
    try {
      outcomes.push({ file, text, url, parsed: await parseFeed(text, { url, timeZone: 'Asia/Shanghai' }) });
    } catch (error) {
      const unexpected = error instanceof FeedParseError ? undefined : `${file}: ${(error as Error).stack}`;
      outcomes.push({ file, text, url, unexpected });
    }
  }
  return outcomes;
}

const hasContent = (parsed: ParsedSource | undefined) => Boolean(parsed && (parsed.title || parsed.items.length > 0));

if (!hasCorpus) console.warn(`corpus not found at ${corpusDir}: skipping the feedparser corpus tests`);

describe.skipIf(!hasCorpus)('feedparser corpus', () => {
  let wellformed: Outcome[] = [];
  let illformed: Outcome[] = [];

  beforeAll(async () => {
    wellformed = await parseAll('wellformed');
    illformed = await parseAll('illformed');
  });

  it('parses the wellformed files without throwing anything but FeedParseError', () => {
    expect(wellformed.flatMap((o) => o.unexpected ?? [])).toEqual([]);
    const parsed = wellformed.filter((o) => o.parsed).length;
    const withContent = wellformed.filter((o) => hasContent(o.parsed)).length;
    console.info(`feedparser wellformed: ${parsed}/${wellformed.length} parsed, ${withContent} with a title or an entry`);
    expect(wellformed.length).toBeGreaterThan(1700);
    expect(parsed).toBeGreaterThanOrEqual(FLOORS.wellformedParsed);
    expect(parsed / wellformed.length).toBeGreaterThanOrEqual(0.97);
    expect(withContent).toBeGreaterThanOrEqual(FLOORS.wellformedWithContent);
  });

  it('parses the illformed files without throwing anything but FeedParseError', () => {
    expect(illformed.flatMap((o) => o.unexpected ?? [])).toEqual([]);
    const parsed = illformed.filter((o) => o.parsed).length;
    console.info(`feedparser illformed: ${parsed}/${illformed.length} parsed`);
    expect(parsed).toBeGreaterThanOrEqual(FLOORS.illformedParsed);
  });

  it('meets the translatable Expect: equalities', () => {
    let total = 0;
    let passing = 0;
    const failing: string[] = [];
    for (const outcome of [...wellformed, ...illformed]) {
      const parsed = outcome.parsed ?? { format: 'rss' as const, items: [] };
      for (const check of translateExpect(expectLine(outcome.text) ?? '')) {
        total++;
        if (checkPasses(parsed, check, outcome.url)) passing++;
        else failing.push(`${path.relative(root, outcome.file)}: ${check.clause}`);
      }
    }
    console.info(`feedparser Expect checks: ${passing}/${total} pass; failing:\n  ${failing.join('\n  ')}`);
    expect(total).toBeGreaterThanOrEqual(190);
    expect(passing).toBeGreaterThanOrEqual(FLOORS.checksPassing);
  });
});
