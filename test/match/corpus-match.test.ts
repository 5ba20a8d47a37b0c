/**
 * The corpus queries: every site of `../shared/corpus/sites/` served on loopback, the six
 * sources of `sources.yaml` polled with `poll --once --emit jsonl --dry-run`, and each
 * record's `matches` / `not_matches` queries of `expected.json` checked against that
 * record's article:
 *
 * - through the real `tidings match` CLI, for every record's articles at once with one
 *   query per run (a child process costs seconds on a loaded machine, so the CLI runs a
 *   representative set: the first `matches` and the first `not_matches` query of every
 *   record, which covers each record and each kind of query in the file);
 * - in-process, every query of every record, through the same reading (readArticleLine)
 *   and the same parsing and matching (parseQuery with QUERY_MAX_LENGTH, matchQuery).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/config/settings.js';
import { readArticleLine } from '../../src/cli/match.js';
import { matchQuery } from '../../src/match/matcher.js';
import { parseQuery } from '../../src/match/query.js';
import { runCli } from '../helpers/cli.js';
import { corpusDir, hasCorpus, pollCorpusSources, type RunningServer } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';

interface Expected {
  site: string;
  url: string;
  title: string;
  matches?: string[];
  not_matches?: string[];
}

describe.skipIf(!needs('the shared corpus (../shared/corpus)', hasCorpus))('the corpus queries match the corpus articles', () => {
  const servers = new Map<string, RunningServer>();
  const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-corpus-match-'));
  const articlesFile = path.join(tmp, 'articles.jsonl');
  const expected = hasCorpus ? (JSON.parse(readFileSync(path.join(corpusDir, 'expected.json'), 'utf8')) as Expected[]) : [];
  let lines: string[] = [];
  const urlOf = (e: Expected) => `${servers.get(e.site)!.origin}${e.url}`;

  beforeAll(async () => {
    const r = await pollCorpusSources(servers, tmp);
    expect(r.code, r.stderr).toBe(0);
    lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
    writeFileSync(articlesFile, `${lines.join('\n')}\n`);
  }, 120_000);

  afterAll(async () => {
    for (const s of servers.values()) await s.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('has every expected article among the emitted ones, and queries to check', () => {
    const urls = lines.map((l) => (JSON.parse(l) as { url: string }).url);
    for (const e of expected) expect(urls, `${e.site}${e.url}`).toContain(urlOf(e));
    const queries = expected.flatMap((e) => [...(e.matches ?? []), ...(e.not_matches ?? [])]);
    expect(queries.length).toBeGreaterThanOrEqual(20);
  });

  it('matches every `matches` query and no `not_matches` query, in-process through the CLI code', () => {
    const { QUERY_MAX_LENGTH } = loadSettings({});
    const byUrl = new Map<string, Exclude<ReturnType<typeof readArticleLine>, string>>();
    for (const line of lines) {
      const a = readArticleLine(line);
      if (typeof a === 'string') throw new Error(`emitted line is not an article: ${a}`);
      byUrl.set(a.url, a);
    }
    const wrong: string[] = [];
    let checked = 0;
    for (const e of expected) {
      const article = byUrl.get(urlOf(e))!;
      for (const [list, want] of [[e.matches ?? [], true], [e.not_matches ?? [], false]] as const) {
        for (const q of list) {
          checked++;
          if (matchQuery(parseQuery(q, { maxLength: QUERY_MAX_LENGTH }), article.input) !== want) {
            wrong.push(`${e.site}${e.url}: ${JSON.stringify(q)} should ${want ? '' : 'not '}match`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it('gives the same answers through the real `tidings match` CLI, for a query of each list of each record', async () => {
    const queries = [...new Set(expected.flatMap((e) => [e.matches?.[0], e.not_matches?.[0]]).filter((q): q is string => q !== undefined))];
    expect(queries.length).toBeGreaterThanOrEqual(8);
    // Two at a time: the machine's cores are shared.
    const results: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < queries.length; i += 2) {
      results.push(...(await Promise.all(queries.slice(i, i + 2).map((q) => runCli(['match', q, '--file', articlesFile], { cwd: tmp, timeoutMs: 90_000 })))));
    }
    const wrong: string[] = [];
    for (const [i, q] of queries.entries()) {
      const r = results[i]!;
      expect(r.code, `${q}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe('');
      const printed = new Set(r.stdout.split('\n').filter(Boolean));
      for (const e of expected) {
        if (e.matches?.includes(q) && !printed.has(urlOf(e))) wrong.push(`${JSON.stringify(q)} did not print ${e.site}${e.url}`);
        if (e.not_matches?.includes(q) && printed.has(urlOf(e))) wrong.push(`${JSON.stringify(q)} printed ${e.site}${e.url}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 180_000);

  it('refuses a malformed query with exit 2 and says what and where', async () => {
    const r = await runCli(['match', '科技援疆 AND (乌鲁木齐 OR', '--file', articlesFile], { cwd: tmp, timeoutMs: 90_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^tidings: match: invalid query: OR needs a term on both sides at 16\n/);
  }, 120_000);
});
