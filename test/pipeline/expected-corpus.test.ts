/**
 * The offline web of the corpus: every site of `../shared/corpus/sites/` served from its own
 * loopback origin, the six sources of `sources.yaml` polled once into an empty store with
 * `poll --once --emit jsonl --dry-run`, and every record of `expected.json` checked: title,
 * published, origin, author, must_contain, must_not_contain, duplicate_of, the spam flag,
 * and no tracking parameters in URLs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toSimplified } from '../../src/normalize/script.js';
import { corpusDir, hasCorpus, pollCorpusSources, type RunningServer } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';

interface Expected {
  site: string;
  url: string;
  title: string;
  published: string;
  source?: string;
  author?: string;
  must_contain?: string[];
  must_not_contain?: string[];
  duplicate_of?: { site: string; url: string };
  quality?: string;
}

interface Emitted {
  url: string;
  sourceId: string;
  title: string;
  published: string;
  origin: string | null;
  author: string | null;
  text: string;
  summary: string;
  html: string;
  duplicateOf: string | null;
  flags: string[];
}

const squash = (s: string) => s.replace(/\s+/g, '');

describe.skipIf(!needs('the shared corpus (../shared/corpus)', hasCorpus))('the corpus sources yield every expected article', () => {
  const servers = new Map<string, RunningServer>();
  const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-expected-'));
  const expected = hasCorpus ? (JSON.parse(readFileSync(path.join(corpusDir, 'expected.json'), 'utf8')) as Expected[]) : [];
  let emitted: Emitted[] = [];
  let stderr = '';

  beforeAll(async () => {
    const r = await pollCorpusSources(servers, tmp);
    stderr = r.stderr;
    expect(r.code, r.stderr).toBe(0);
    emitted = r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Emitted);
  }, 120_000);

  afterAll(async () => {
    for (const s of servers.values()) await s.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const find = (site: string, url: string) => emitted.find((a) => a.url === `${servers.get(site)!.origin}${url}`);

  it('polls all six sources without a failure', () => {
    expect(stderr).toMatch(/polled 6 sources: 6 ok, 0 failed/);
  });

  it('emits no URL with tracking parameters', () => {
    for (const a of emitted) expect(a.url).not.toMatch(/[?&](utm_[a-z]+|spm|from|share_token)=/);
  });

  for (const [i, e] of expected.entries()) {
    describe(`${e.site}${e.url}`, () => {
      it('is emitted, with its title, published, origin and author', () => {
        const a = find(e.site, e.url);
        expect(a, `expected record ${i} (${e.site}${e.url}) among ${emitted.map((x) => x.url).join(', ')}`).toBeDefined();
        expect(a!.title).toBe(e.title);
        expect(Date.parse(a!.published)).toBe(Date.parse(e.published));
        expect(a!.published).toMatch(/[+-]\d\d:\d\d$/);
        if (e.source !== undefined) expect(a!.origin).toBe(e.source);
        if (e.author !== undefined) expect(a!.author).toBe(e.author);
      });

      it('contains the article and none of the page debris', () => {
        const a = find(e.site, e.url)!;
        const simplified = squash(toSimplified(a.text));
        for (const snippet of e.must_contain ?? []) expect(simplified).toContain(squash(snippet));
        for (const debris of e.must_not_contain ?? []) {
          expect(a.text).not.toContain(debris);
          expect(toSimplified(a.text)).not.toContain(toSimplified(debris));
        }
      });

      it('is linked to the earliest copy of its story, and flagged as the corpus says', () => {
        const a = find(e.site, e.url)!;
        if (e.duplicate_of) expect(a.duplicateOf).toBe(`${servers.get(e.duplicate_of.site)!.origin}${e.duplicate_of.url}`);
        else expect(a.duplicateOf).toBeNull();
        if (e.quality?.startsWith('spam')) expect(a.flags).toContain('spam');
        if (e.quality && /spun/.test(e.quality)) expect(a.flags).toContain('spun');
        if (!e.quality) expect(a.flags).toEqual([]);
      });
    });
  }
});
