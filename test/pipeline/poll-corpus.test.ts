/**
 * The real stack against loopback servers: the corpus feed sites (mrxw, zgrm, spun) are
 * polled into a store, polled again (304s, nothing new), published, and the Atom output is
 * checked with jing (RFC 4287 schema) and read by Debian's python3-feedparser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/config/settings.js';
import { parseSourcesYaml } from '../../src/config/sources.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { pollSource, type PollResult } from '../../src/pipeline/poll-source.js';
import { FeedService } from '../../src/pipeline/feed-service.js';
import type { Source } from '../../src/domain/source.js';
import { corpusDir, hasCorpus, serveSite, type RunningServer } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';
import { feedparse, feedparserPython, hasJing, jing } from '../helpers/validators.js';

const feedSites = ['mrxw', 'zgrm', 'spun'] as const;

describe.skipIf(!needs('the shared corpus (../shared/corpus)', hasCorpus))('polling the corpus feeds', () => {
  const servers = new Map<string, RunningServer & { hits: Map<string, number> }>();
  let app: App;
  let sources: Source[];
  const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-poll-'));
  let first: PollResult[];

  beforeAll(async () => {
    for (const site of feedSites) servers.set(site, await serveSite(site));
    let yaml = readFileSync(path.join(corpusDir, 'sources.yaml'), 'utf8');
    for (const [site, s] of servers) yaml = yaml.replaceAll(`{${site}}`, s.origin);
    yaml = yaml.replace(/\{[a-z]+\}/g, 'http://127.0.0.1:9');
    sources = parseSourcesYaml(yaml, 'corpus/sources.yaml').filter((s) => (feedSites as readonly string[]).includes(s.id));
    const settings = loadSettings({ STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'true', PUBLIC_URL: 'http://127.0.0.1:8080' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    first = await Promise.all(sources.map((s) => pollSource(s, app.pollDeps)));
  });

  afterAll(async () => {
    await app?.close();
    for (const s of servers.values()) await s.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stores every entry on the first poll and alerts nobody', () => {
    for (const r of first) {
      expect(r.outcome, `${r.sourceId}: ${r.error?.message}`).toBe('new');
      expect(r.stored.length).toBe(r.items);
      expect(r.items).toBeGreaterThan(0);
      expect(r.alertable).toEqual([]);
    }
  });

  it('keeps canonical URLs without tracking parameters and dates with explicit offsets', () => {
    for (const a of first.flatMap((r) => r.stored)) {
      expect(a.url).not.toMatch(/[?&](utm_[a-z]+|spm|from)=/);
      expect(a.published).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?[+-]\d\d:\d\d$/);
      expect(a.title.length).toBeGreaterThan(4);
      expect(a.html).not.toMatch(/<script|onerror=|javascript:/i);
    }
  });

  it('takes the full text from the page when the feed carries only a summary (zgrm)', () => {
    const zgrm = first.find((r) => r.sourceId === 'zgrm')!;
    const pages = [...servers.get('zgrm')!.hits.keys()].filter((p) => p.startsWith('/news/'));
    expect(pages.length).toBeGreaterThan(0);
    const long = zgrm.stored.find((a) => a.url.endsWith('/88.html'))!;
    // The feed's summary is cut at about 40 characters; the page has the whole report
    // (pinyin notes and punctuation debris removed by normalization).
    expect(long.text.length).toBeGreaterThan(800);
    expect(long.text).toContain('會議深入學習全國、全省有關會議精神');
    expect(long.text).not.toMatch(/\((?:[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+)\)/);
    const short = zgrm.stored.find((a) => a.url.endsWith('/77.html'))!;
    expect(short.text).toContain('要加快建設無人機產業創新中心');
  });

  it('gets 304s on the second poll and stores nothing new', async () => {
    const second = await Promise.all(sources.map((s) => pollSource(s, app.pollDeps)));
    for (const r of second) {
      expect(r.outcome).toBe('not-modified');
      expect(r.stored).toEqual([]);
    }
    const state = await app.store.getSourceState('mrxw');
    expect(state).toMatchObject({ consecutiveErrors: 0, initialized: true, lastStatus: 304 });
  });

  it('publishes feeds that jing validates against the Atom schema and python3-feedparser reads', async () => {
    const feeds = new FeedService({ store: app.store, sources: () => sources, publicUrl: 'http://127.0.0.1:8080', maxEntries: 100 });
    const out = path.join(tmp, 'out');
    const written = await feeds.publishAll(out);
    expect(written.map((f) => path.relative(out, f))).toEqual(expect.arrayContaining(['all.atom', 'all.rss', 'all.json', 'sources.opml', path.join('source', 'mrxw.atom')]));
    const atoms = walk(out).filter((f) => f.endsWith('.atom'));
    expect(atoms.length).toBeGreaterThanOrEqual(4);

    const storedCount = first.reduce((n, r) => n + r.stored.length, 0);
    const json = JSON.parse(readFileSync(path.join(out, 'all.json'), 'utf8')) as { items: unknown[] };
    expect(json.items).toHaveLength(storedCount);

    if (needs('jing', hasJing())) {
      for (const file of atoms) {
        const r = jing(file);
        expect(r.status, `${file}: ${r.output}`).toBe(0);
      }
    }

    if (needs('python3-feedparser', feedparserPython !== undefined)) {
      const parsed = feedparse(path.join(out, 'all.atom'));
      expect(parsed.bozo, parsed.bozoException ?? '').toBe(false);
      const articles = first.flatMap((r) => r.stored);
      expect(parsed.titles).toHaveLength(articles.length);
      for (const a of articles) {
        expect(parsed.links).toContain(a.url);
        expect(parsed.titles).toContain(a.title);
      }
    }
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
