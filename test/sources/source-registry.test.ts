/**
 * Sources added at run time: discovered from a page, checked once through the guarded
 * fetcher, kept in the store beside the YAML sources; OPML in and out through the CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadSettings } from '../../src/config/settings.js';
import { parseSourcesYaml } from '../../src/config/sources.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { opmlFeeds } from '../../src/cli/sources.js';
import { listen, type RunningServer } from '../helpers/corpus.js';
import { runCli } from '../helpers/cli.js';

const rss = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>某市科技局 工作动态</title>
<item><title>市科技局召开工作会议</title><link>http://example.gov.cn/a/1.html</link><pubDate>Sun, 13 Oct 2024 10:44:04 GMT</pubDate></item></channel></rss>`;
const day = new Date().toISOString().slice(0, 10);

describe('run-time sources', () => {
  let server: RunningServer;
  let app: App;
  const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-registry-'));

  beforeAll(async () => {
    server = await listen((req: IncomingMessage, res: ServerResponse) => {
      const p = new URL(req.url ?? '/', 'http://x').pathname;
      const html = (b: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(b);
      if (p === '/rss.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss);
      if (p === '/home.html') return html('<html><head><title>某市科技局</title><link rel="alternate" type="application/rss+xml" title="工作动态" href="/rss.xml"></head><body>首页</body></html>');
      if (p === '/list.html')
        return html(`<html><head><title>工作动态</title></head><body><ul class="list">${[1, 2, 3, 4].map((n) => `<li><a href="/a/${n}.html">市科技局工作动态第${n}篇报道</a><span>${day}</span></li>`).join('')}</ul></body></html>`);
      if (p === '/empty.html') return html('<html><head><title>空</title></head><body><a href="/">首页</a></body></html>');
      res.writeHead(404).end();
    });
    const yaml = parseSourcesYaml('sources:\n  - id: from-yaml\n    url: https://example.gov.cn/feed.xml\n', 'feeds/test.yaml');
    app = await createApp(loadSettings({ STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'true' }), {
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
      loadYaml: () => yaml,
    });
    await app.registry.load();
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('accepts a feed URL, a page that names its feed, and a list page; refuses a page with no list', async () => {
    const feed = await app.registry.add(`${server.origin}/rss.xml`, ['科技'], 'telegram:42');
    expect(feed).toMatchObject({ ok: true, source: { kind: 'feed', name: '某市科技局 工作动态', tags: ['科技'] } });
    expect(feed.source!.origin).toBe('store (added by telegram:42)');

    const again = await app.registry.add(`${server.origin}/home.html`, [], 'cli');
    expect(again.ok).toBe(false);
    expect(again.error).toMatch(/already a source/);

    const list = await app.registry.add(`${server.origin}/list.html`, [], 'cli');
    expect(list).toMatchObject({ ok: true, source: { kind: 'html', name: '工作动态' } });

    const empty = await app.registry.add(`${server.origin}/empty.html`, [], 'cli');
    expect(empty.ok).toBe(false);
    expect(empty.error).toMatch(/no article list found/);
    expect((await app.registry.add('file:///etc/passwd', [], 'cli')).error).toMatch(/only http/);

    expect(app.registry.all().map((s) => s.id)).toEqual(['from-yaml', feed.source!.id, list.source!.id]);
  });

  it('discovers the feed a page names in <link rel="alternate">', async () => {
    await app.registry.remove(app.registry.all().find((s) => s.url.endsWith('/rss.xml'))!.id);
    const r = await app.registry.add(`${server.origin}/home.html`, [], 'cli');
    expect(r).toMatchObject({ ok: true, source: { kind: 'feed', url: `${server.origin}/rss.xml`, name: '工作动态' } });
  });

  it('refuses a private address unless allowed, through the same guard as polling', async () => {
    const guarded = await createApp(loadSettings({ STORE_URL: 'memory' }), { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [] });
    await guarded.registry.load();
    const r = await guarded.registry.add(`${server.origin}/rss.xml`, [], 'cli');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/ALLOW_PRIVATE_NETWORKS/);
    await guarded.close();
  });

  it('pauses and resumes any source, removes only run-time ones', async () => {
    expect((await app.registry.setPaused('from-yaml', true)).ok).toBe(true);
    expect(app.registry.get('from-yaml')!.paused).toBe(true);
    await app.registry.setPaused('from-yaml', false);
    expect(app.registry.get('from-yaml')!.paused).toBeFalsy();
    const refused = await app.registry.remove('from-yaml');
    expect(refused.error).toBe('from-yaml is defined in feeds/test.yaml:2; remove it there (or pause it)');
    expect((await app.registry.remove('nope')).error).toMatch(/no such source/);
  });

  it('imports OPML and exports it again through the CLI', async () => {
    const opml = `<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="工作动态" type="rss" xmlUrl="${server.origin}/rss.xml" category="科技,新疆"/>
<outline text="broken" type="rss" xmlUrl="${server.origin}/missing.xml"/></body></opml>`;
    expect(opmlFeeds(opml)).toEqual([
      { url: `${server.origin}/rss.xml`, title: '工作动态', tags: ['科技', '新疆'] },
      { url: `${server.origin}/missing.xml`, title: 'broken', tags: [] },
    ]);
    const file = path.join(tmp, 'in.opml');
    writeFileSync(file, opml);
    writeFileSync(path.join(tmp, 'empty.yaml'), 'sources: []\n');
    const env = { STORE_URL: `sqlite://${path.join(tmp, 's.sqlite')}`, ALLOW_PRIVATE_NETWORKS: 'true', TIDINGS_SOURCES: path.join(tmp, 'empty.yaml') };
    const imp = await runCli(['sources', 'import', file], { cwd: tmp, env });
    expect(imp.code).toBe(1);
    expect(imp.stdout).toMatch(/^added\t[a-z0-9-]+\thttp:\/\/127\.0\.0\.1:\d+\/rss\.xml$/m);
    expect(imp.stdout).toMatch(/^skipped\t.*missing\.xml\t.*HTTP 404/m);
    const exp = await runCli(['sources', 'export'], { cwd: tmp, env });
    expect(exp.code).toBe(0);
    expect(exp.stdout).toContain(`xmlUrl="${server.origin}/rss.xml"`);
    const listed = await runCli(['sources', 'list'], { cwd: tmp, env });
    expect(listed.stdout).toMatch(/127-0-0-1-rss/);
  });
});
