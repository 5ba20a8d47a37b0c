/**
 * decodeText over feedparser's encoding corpus (../shared/corpus/feedparser/encoding): each
 * file's leading comment names the HTTP headers it is served with (`Header: Content-type: …`)
 * and whether feedparser calls it ill-formed (`bozo`). Well-formed files must decode without
 * a single U+FFFD; where the corpus expects a Unicode or CJK encoding, it must be that one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeCharset } from '../../src/fetch/charset-labels.js';
import { decodeText } from '../../src/fetch/decode.js';
import { corpusDir } from '../helpers/corpus.js';

const dir = path.join(corpusDir, 'feedparser', 'encoding');
const present = existsSync(dir);

interface CorpusFile {
  name: string;
  bytes: Buffer;
  contentType?: string;
  description: string;
  expect: string;
}

/** The comment's fields, read from an ASCII view of the bytes (NULs dropped for UTF-16/32). */
function load(name: string): CorpusFile {
  const bytes = readFileSync(path.join(dir, name));
  const ascii = Buffer.from(bytes.filter((b) => b !== 0)).toString('latin1');
  const field = (key: string): string | undefined => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(ascii)?.[1]?.trim();
  const header = field('Header');
  const contentType = header && /^content-type:\s*(.*)$/i.exec(header)?.[1];
  return { name, bytes, contentType: contentType || undefined, description: field('Description') ?? '', expect: field('Expect') ?? '' };
}

const files = present ? readdirSync(dir).filter((f) => f.endsWith('.xml')).sort().map(load) : [];
const illFormed = (f: CorpusFile): boolean => /bozo|invalid/i.test(`${f.name} ${f.description}`) || /^bozo\b/.test(f.expect);
const replacements = (text: string): number => [...text].filter((c) => c === '\ufffd').length;

describe.skipIf(!present)('decodeText on the feedparser encoding corpus', () => {
  it('decodes every well-formed file without U+FFFD', () => {
    const wellFormed = files.filter((f) => !illFormed(f));
    const failures = wellFormed
      .map((f) => ({ name: f.name, result: decodeText(f.bytes, f.contentType) }))
      .filter(({ result }) => replacements(result.text) > 0 || result.text.includes('\0'))
      .map(({ name, result }) => `${name}: ${replacements(result.text)} × U+FFFD as ${result.encoding} (${result.via})`);
    console.info(`feedparser encoding corpus: ${wellFormed.length - failures.length}/${wellFormed.length} well-formed files decode cleanly (${files.length - wellFormed.length} ill-formed skipped)`);
    expect(failures).toEqual([]);
    expect(wellFormed.length).toBeGreaterThan(50);
  });

  it('finds the expected Unicode and East Asian encodings', () => {
    const checked = files
      .map((f) => ({ f, expected: /encoding == '([^']+)'/.exec(f.expect)?.[1] }))
      .filter((x): x is { f: CorpusFile; expected: string } => x.expected !== undefined && /^(utf-1|utf-3|gb|big5|euc)/.test(x.expected));
    const mismatches = checked
      .map(({ f, expected }) => ({ name: f.name, expected: normalizeCharset(expected), got: decodeText(f.bytes, f.contentType).encoding }))
      .filter((m) => m.expected !== m.got);
    console.info(`feedparser encoding corpus: ${checked.length - mismatches.length}/${checked.length} files decoded with the expected encoding`);
    expect(mismatches).toEqual([]);
    expect(checked.length).toBeGreaterThan(15);
  });

  it('every file decodes to text starting with markup (BOM stripped)', () => {
    for (const f of files) {
      const { text } = decodeText(f.bytes, f.contentType);
      expect(text.trimStart().startsWith('<'), f.name).toBe(true);
    }
  });
});
