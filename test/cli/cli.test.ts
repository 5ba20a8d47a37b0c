/**
 * The `tidings` command as users run it: a child process, exit codes, stdout/stderr.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { stripVTControlCharacters } from 'node:util';
import { runCli, spawnCli } from '../helpers/cli.js';
import { corpusDir, hasCorpus, serveSite, type RunningServer } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('usage and configuration errors', () => {
  it('exits 2 naming file, line and field for a bad sources file', async () => {
    const file = path.join(tmp, 'bad.yaml');
    writeFileSync(file, 'sources:\n  - id: ok\n    url: https://example.gov.cn/\n  - id: typo\n    url: https://example.gov.cn/x\n    intervall: 15m\n');
    const r = await runCli(['poll', '--once', '--sources', file], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:6: sources[1].intervall: unknown key "intervall"`);
  });

  it('exits 2 for a bad setting, naming the variable', async () => {
    const r = await runCli(['sources', 'list'], { cwd: tmp, env: { HTTP_PORT: 'eighty' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/environment: HTTP_PORT: expected a whole number/);
  });

  it('exits 2 for an unknown command or option', async () => {
    expect((await runCli(['frobnicate'], { cwd: tmp })).code).toBe(2);
    const r = await runCli(['poll', '--once', '--emit', 'xml'], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--emit: expected jsonl/);
  });
});

describe('log format', () => {
  const empty = () => {
    const file = path.join(tmp, 'none.yaml');
    writeFileSync(file, 'sources: []\n');
    return file;
  };
  it('LOG_FORMAT=json writes one JSON object a line on stderr', async () => {
    const r = await runCli(['poll', '--once', '--sources', empty()], { cwd: tmp, env: { STORE_URL: 'memory', LOG_FORMAT: 'json' } });
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { msg: string; level: number };
    expect(last).toMatchObject({ level: 30, msg: 'polled 0 sources: 0 ok, 0 failed; 0 articles stored, 0 new' });
  });
  it('LOG_FORMAT=pretty writes readable lines (pino-pretty, loaded only then)', async () => {
    const r = await runCli(['poll', '--once', '--sources', empty()], { cwd: tmp, env: { STORE_URL: 'memory', LOG_FORMAT: 'pretty' } });
    expect(r.code).toBe(0);
    const plain = stripVTControlCharacters(r.stderr);
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: polled 0 sources: 0 ok, 0 failed; 0 articles stored, 0 new$/m);
    expect(plain).not.toContain('{"level"');
  });
});

describe.skipIf(!needs('the shared corpus (../shared/corpus)', hasCorpus))('poll --once --emit jsonl', () => {
  const servers: RunningServer[] = [];
  let sourcesFile: string;

  beforeAll(async () => {
    let yaml = readFileSync(path.join(corpusDir, 'sources.yaml'), 'utf8');
    for (const site of ['mrxw', 'zgrm', 'spun']) {
      const s = await serveSite(site);
      servers.push(s);
      yaml = yaml.replaceAll(`{${site}}`, s.origin);
    }
    // The other corpus sites are not served here: their sources fail, and the run goes on.
    yaml = yaml.replace(/\{[a-z]+\}/g, 'http://127.0.0.1:9');
    sourcesFile = path.join(tmp, 'corpus-sources.yaml');
    writeFileSync(sourcesFile, yaml);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('prints every newly stored article as one JSON line, logs a summary, and exits 0 despite failed sources', async () => {
    const env = { STORE_URL: `sqlite://${path.join(tmp, 'poll.sqlite')}`, ALLOW_PRIVATE_NETWORKS: 'true', FETCH_TIMEOUT: '5s' };
    const r = await runCli(['poll', '--once', '--emit', 'jsonl', '--dry-run', '--sources', sourcesFile], { cwd: tmp, env });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(new Set(lines.map((l) => l.sourceId))).toEqual(new Set(['mrxw', 'zgrm', 'spun']));
    for (const l of lines) {
      expect(Object.keys(l).slice(0, 16)).toEqual(['id', 'sourceId', 'url', 'title', 'published', 'author', 'origin', 'text', 'summary', 'html', 'lang', 'script', 'tags', 'originalTitle', 'duplicateOf', 'flags']);
      expect(String(l.url)).not.toMatch(/utm_/);
      expect(String(l.published)).toMatch(/[+-]\d\d:\d\d$/);
    }
    expect(r.stderr).toMatch(/polled 6 sources: 3 ok, 3 failed; \d+ articles stored/);
    expect(r.stderr).toMatch(/"source":"kjxx"/);

    // A second run stores nothing new, so it prints nothing.
    const again = await runCli(['poll', '--once', '--emit', 'jsonl', '--sources', sourcesFile], { cwd: tmp, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');

    // And publish writes the merged feeds from that store.
    const out = path.join(tmp, 'public');
    const pub = await runCli(['publish', '--out', out, '--sources', sourcesFile], { cwd: tmp, env });
    expect(pub.code, pub.stderr).toBe(0);
    const atom = readFileSync(path.join(out, 'all.atom'), 'utf8');
    expect(atom.match(/<entry>/g)).toHaveLength(lines.length);
    expect(existsSync(path.join(out, 'sources.opml'))).toBe(true);
  });
});

describe.skipIf(!needs('the shared corpus (../shared/corpus)', hasCorpus))('extract', () => {
  it('reads a GBK file that declares gb2312 and prints the normalized article', async () => {
    const file = path.join(corpusDir, 'sites/qysti/xwdt/202211/t20221118_1190211.html');
    const r = await runCli(['extract', file, '--base-url', 'https://kjj.example.gov.cn/xwdt/202211/t20221118_1190211.html'], { cwd: tmp });
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(a).toMatchObject({ url: 'https://kjj.example.gov.cn/xwdt/202211/t20221118_1190211.html', encoding: 'gb18030', lang: 'zh', script: 'hans' });
    expect(String(a.title)).toContain('庆阳市科技局召开');
    expect(String(a.published)).toBe('2022-11-18T09:36:00+08:00');
    expect(String(a.text)).toContain('谭文枫主持会议并讲话');
    expect(String(a.text)).not.toMatch(/32px|打印本页|关闭窗口|用户名/);
  });

  it('fetches a URL through the guarded client', async () => {
    const site = await serveSite('mrxw');
    try {
      const r = await runCli(['extract', `${site.origin}/kjqy/2024-10-13/8832.html`], { cwd: tmp, env: { ALLOW_PRIVATE_NETWORKS: 'true' } });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ origin: '央视新闻客户端', published: '2024-10-13T18:44:04+08:00' });
      const refused = await runCli(['extract', `${site.origin}/kjqy/2024-10-13/8832.html`], { cwd: tmp });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/ALLOW_PRIVATE_NETWORKS/);
    } finally {
      await site.close();
    }
  });

  it('exits 2 for a missing file', async () => {
    const r = await runCli(['extract', path.join(tmp, 'nope.html')], { cwd: tmp });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read/);
  });
});

describe('start with no settings', () => {
  it('serves /healthz and /feeds/all.atom on the embedded SQLite store while sources fail, and stops on SIGTERM', async () => {
    const dir = path.join(tmp, 'fresh');
    cpSync(path.resolve(import.meta.dirname, '../../feeds'), path.join(dir, 'feeds'), { recursive: true });
    const port = await freePort();
    // Only the port is set (a test cannot count on 8080 being free); sources point at the
    // internet, which this machine may not reach: they fail per source, the server serves.
    const child = spawnCli(['start'], { cwd: dir, env: { HTTP_PORT: String(port) } });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    try {
      const base = `http://127.0.0.1:${port}`;
      let health: Response | undefined;
      for (let i = 0; i < 100 && !health; i++) {
        health = await fetch(`${base}/healthz`).catch(() => undefined);
        if (!health) await new Promise((r) => setTimeout(r, 200));
      }
      expect(health?.status, stderr).toBe(200);
      const body = (await health!.json()) as { status: string; sources: { id: string }[] };
      expect(body.status).toBe('ok');
      expect(body.sources.length).toBeGreaterThan(5);
      const feed = await fetch(`${base}/feeds/all.atom`);
      expect(feed.status).toBe(200);
      expect(feed.headers.get('content-type')).toMatch(/application\/atom\+xml/);
      expect(await feed.text()).toMatch(/^<\?xml[^>]*\?>\s*<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
      expect(existsSync(path.join(dir, 'data', 'tidings.sqlite'))).toBe(true);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(stderr).toMatch(/tidings started/);
    expect(stderr).toMatch(/stopped/);
  });
});
