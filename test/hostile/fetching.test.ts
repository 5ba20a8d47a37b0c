/**
 * Hostile-input matrix, rows 1–10 ("Fetching", docs/hostile-matrix.md): one `describe` per
 * row, named after it, on loopback servers. Where a row needs addresses that are "public"
 * on loopback, the fetcher's test seams are used (never set by settings): `classifyAddress`
 * (127.0.0.2 counts as public, 127.0.0.3 as private) and `resolver` (names → addresses).
 */
import { gzipSync, brotliCompressSync, constants as zlibConstants, createGzip } from 'node:zlib';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FETCHER_DEFAULTS } from '../../src/fetch/http-client.js';
import { classifyAddress } from '../../src/fetch/address-guard.js';
import { MAX_STACKED_CODINGS } from '../../src/fetch/body.js';
import { FetchError } from '../../src/fetch/types.js';
import { loadSettings } from '../../src/config/settings.js';
import { pollSource, type PollDeps, type PollResult } from '../../src/pipeline/poll-source.js';
import { pollAll } from '../../src/cli/poll.js';
import { Scheduler } from '../../src/pipeline/scheduler.js';
import { SourceAlerts } from '../../src/pipeline/source-alerts.js';
import { SourceRegistry } from '../../src/sources/source-registry.js';
import { sourceHealth, startHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/ops/logger.js';
import { runCli } from '../helpers/cli.js';
import { fetcher, rejection, serve, tableResolver } from '../fetch/fetch-helpers.js';
import { articlePage, listPage, makeApp, MiB, peakMemoryGrowth, pump, rss, source, watchSockets } from './fetching-helpers.js';

/** The test seam: on loopback, 127.0.0.2 plays a public address and 127.0.0.3 a private one. */
const seamClassify = (address: string): string | undefined => (address === '127.0.0.2' ? undefined : address === '127.0.0.3' ? 'private' : classifyAddress(address));

const rssHeaders = { 'content-type': 'application/rss+xml; charset=utf-8', connection: 'close' };

const netServers: NetServer[] = [];
afterEach(async () => {
  await Promise.all(
    netServers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
        }),
    ),
  );
});

/** A raw TCP server on 127.0.0.1 (for answers no HTTP server would write). */
async function rawServer(onSocket: (socket: Socket) => void): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origClose = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return origClose(cb);
  }) as typeof server.close;
  netServers.push(server);
  return { port: (server.address() as AddressInfo).port, sockets };
}

describe('hostile #1: private and loopback source URLs', () => {
  // Spellings with a loopback server behind them (so "0 requests" is measured, and the control
  // run with ALLOW_PRIVATE_NETWORKS=true proves the server is reachable) …
  const LOOPBACK: [string, (port: number) => string, '4' | '6'][] = [
    ['127.0.0.1', (p) => `http://127.0.0.1:${p}/feed.xml`, '4'],
    ['[::1]', (p) => `http://[::1]:${p}/feed.xml`, '6'],
    ['::ffff:127.0.0.1', (p) => `http://[::ffff:127.0.0.1]:${p}/feed.xml`, '4'],
    ['decimal 2130706433', (p) => `http://2130706433:${p}/feed.xml`, '4'],
    ['hex 0x7f000001', (p) => `http://0x7f000001:${p}/feed.xml`, '4'],
    ['0.0.0.0', (p) => `http://0.0.0.0:${p}/feed.xml`, '4'],
  ];
  // … and the private ranges, where no server can listen outside a namespace: there, not one
  // client socket may be opened.
  const RANGES: [string, string][] = [
    ['10/8', 'http://10.20.30.40/feed.xml'],
    ['172.16/12 (low end)', 'http://172.16.0.1/feed.xml'],
    ['172.16/12 (high end)', 'http://172.31.255.254/feed.xml'],
    ['192.168/16', 'http://192.168.1.1/feed.xml'],
    ['169.254.169.254 (cloud metadata)', 'http://169.254.169.254/latest/meta-data/'],
    ['100.64/10', 'http://100.100.100.200/feed.xml'],
    ['decimal 167772161 (10.0.0.1)', 'http://167772161/'],
    ['hex 0xa9fea9fe (169.254.169.254)', 'http://0xa9fea9fe/latest/meta-data/'],
    ['::ffff:192.168.0.1', 'http://[::ffff:192.168.0.1]/'],
  ];

  async function targets(): Promise<{ v4: Awaited<ReturnType<typeof serve>>; v6: Awaited<ReturnType<typeof serve>> }> {
    const handler = (_req: unknown, res: import('node:http').ServerResponse): void => void res.writeHead(200, rssHeaders).end(rss(3));
    return { v4: await serve(handler, '127.0.0.1'), v6: await serve(handler, '::1') };
  }

  it.each(LOOPBACK)('%s: refused when added (registry and `tidings sources add`) and when polled; the target gets 0 requests', async (_label, url, family) => {
    const { v4, v6 } = await targets();
    const target = family === '6' ? v6 : v4;
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'false' });
    const href = url(target.port);

    const added = await app.registry.add(href, [], 'test');
    expect(added.ok).toBe(false);
    expect(added.error).toMatch(/refusing to fetch .*an? (loopback|unspecified) address, and private networks are not allowed \(set ALLOW_PRIVATE_NETWORKS=true to allow\)/);
    expect(app.registry.all()).toEqual([]);
    expect(await app.kv.get('runtime-sources')).toBeUndefined();

    const polled = await pollSource(source('local', href), app.pollDeps);
    expect(polled.outcome).toBe('error');
    expect(polled.error).toMatchObject({ kind: 'blocked-address' });
    expect(await app.store.getSourceState('local')).toMatchObject({ consecutiveErrors: 1, lastErrorKind: 'blocked-address' });
    expect(v4.requests + v6.requests).toBe(0);
    expect(v4.connections + v6.connections).toBe(0);

    // Control: allowed, the very same URL reaches the server.
    const open = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true' });
    const ok = await pollSource(source('local', href), open.pollDeps);
    expect(ok.outcome, ok.error?.message).toBe('new');
    expect(target.requests).toBe(1);
  });

  it('`tidings sources add` refuses decimal and loopback spellings, and sends nothing', async () => {
    const { v4 } = await targets();
    const cwd = mkdtempSync(path.join(tmpdir(), 'tidings-hostile-'));
    const env = { STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'false', LOG_LEVEL: 'silent' };
    for (const url of [`http://2130706433:${v4.port}/feed.xml`, `http://127.0.0.1:${v4.port}/feed.xml`]) {
      const r = await runCli(['sources', 'add', url], { cwd, env });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^tidings: refusing to fetch http:\/\/127\.0\.0\.1:\d+\/feed\.xml: 127\.0\.0\.1 is a loopback address, and private networks are not allowed/);
    }
    expect(v4.requests).toBe(0);
  });

  it.each(RANGES)('%s: refused when added and when polled, without opening a socket', async (_label, href) => {
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'false' });
    const { value, sockets } = await watchSockets(async () => {
      const added = await app.registry.add(href, [], 'test');
      const polled = await pollSource(source('private', href), app.pollDeps);
      return { added, polled };
    });
    expect(value.added.ok).toBe(false);
    expect(value.added.error).toMatch(/refusing to fetch .* is a (private|link-local|shared \(CGNAT\)) address, and private networks are not allowed/);
    expect(value.polled.error?.kind).toBe('blocked-address');
    expect(app.registry.all()).toEqual([]);
    expect(sockets).toEqual([]);
  });

  it('a run-time source accepted when added is checked again at every poll (its name now resolves to a private address)', async () => {
    const publicSide = await serve((_req, res) => void res.writeHead(200, rssHeaders).end(rss(3)), '127.0.0.2');
    const privateSide = await serve((_req, res) => void res.writeHead(200, rssHeaders).end(rss(3)), '127.0.0.3');
    const table: Record<string, string> = { 'news.example.gov.cn': '127.0.0.2' };
    const app = await makeApp();
    const f = fetcher({ allowPrivateNetworks: false, classifyAddress: seamClassify, resolver: tableResolver(table) });
    const registry = new SourceRegistry({ kv: app.kv, store: app.store, fetcher: f, timeZone: 'Asia/Shanghai', loadYaml: () => [] });
    await registry.load();
    const added = await registry.add(`http://news.example.gov.cn:${publicSide.port}/feed.xml`, [], 'test');
    expect(added.ok, added.error).toBe(true);
    const deps: PollDeps = { ...app.pollDeps, fetcher: f };
    expect((await pollSource(added.source!, deps)).outcome).toBe('new');

    table['news.example.gov.cn'] = '127.0.0.3';
    const second = await pollSource(added.source!, deps);
    expect(second.error?.kind).toBe('blocked-address');
    expect(second.error?.message).toContain('news.example.gov.cn resolves to 127.0.0.3, a private address');
    expect(privateSide.requests).toBe(0);
    expect(publicSide.requests).toBe(3); // add (discovery and its check) and the first poll
  });
});

describe('hostile #2: a public-looking host that redirects to a private address', () => {
  const METADATA = '/latest/meta-data/iam/security-credentials/';

  it.each([
    ['a private literal', (p: number) => `http://127.0.0.3:${p}${METADATA}`, 'http://127.0.0.3', '127.0.0.3 is a private address'],
    ['a name resolving to a private address', (p: number) => `http://intranet.example:${p}${METADATA}`, 'http://intranet.example', 'intranet.example resolves to 127.0.0.3, a private address'],
    ['the cloud metadata address', () => `http://169.254.169.254${METADATA}`, 'http://169.254.169.254', '169.254.169.254 is a link-local address'],
  ])('%s: blocked at that hop when added and when polled; the target is never requested nor stored', async (_label, location, targetOrigin, why) => {
    const inside = await serve((_req, res) => void res.writeHead(200, rssHeaders).end(rss(3)), '127.0.0.3');
    const outside = await serve((_req, res) => void res.writeHead(302, { location: location(inside.port), connection: 'close' }).end(), '127.0.0.2');
    const resolver = tableResolver({ 'news.example.gov.cn': '127.0.0.2', 'intranet.example': '127.0.0.3' });
    const f = fetcher({ allowPrivateNetworks: false, classifyAddress: seamClassify, resolver });
    const app = await makeApp();
    const registry = new SourceRegistry({ kv: app.kv, store: app.store, fetcher: f, timeZone: 'Asia/Shanghai', loadYaml: () => [] });
    await registry.load();
    const start = `http://news.example.gov.cn:${outside.port}/feed.xml`;

    const { value, sockets } = await watchSockets(async () => {
      const direct = await rejection(f.fetch({ url: start }));
      const added = await registry.add(start, [], 'test');
      const polled = await pollSource(source('redirected', start), { ...app.pollDeps, fetcher: f });
      return { direct, added, polled };
    });
    expect(value.direct).toBeInstanceOf(FetchError);
    expect(value.direct).toMatchObject({ kind: 'blocked-address', url: location(inside.port) });
    expect((value.direct as Error).message).toContain(why);
    expect(value.added).toMatchObject({ ok: false });
    expect(value.added.error).toContain(why);
    expect(value.polled.error?.kind).toBe('blocked-address');

    expect(inside.requests).toBe(0);
    expect(outside.requests).toBe(3);
    // Every connection made went to the public side only.
    const connected = sockets.filter((x) => x.remote !== undefined);
    expect(connected.length).toBeGreaterThan(0);
    expect(connected.every((x) => x.remote === '127.0.0.2')).toBe(true);
    // Never stored: not as a source, not as the source's URL, not as an article.
    expect(registry.all()).toEqual([]);
    expect(JSON.stringify((await app.kv.get('runtime-sources')) ?? [])).not.toContain(targetOrigin);
    expect(await app.store.getSourceIndex('redirected')).toEqual([]);
    const state = await app.store.getSourceState('redirected');
    expect(state).toMatchObject({ consecutiveErrors: 1, lastErrorKind: 'blocked-address', initialized: false });
    expect(state!.etag).toBeUndefined();
  });
});

describe('hostile #3: a name that resolves to a public then a private address (DNS rebinding)', () => {
  // Uses the fetcher's injected resolver, the very function the connector dials with; `unshare
  // -rn` works on this machine, but a name with two answers would also need its own DNS
  // server or /etc/hosts in the namespace, so the resolver seam stands in for it.
  it('checks the address it dials: each connection resolves once, and only checked addresses are dialled', async () => {
    const publicSide = await serve((_req, res) => void res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('public'), '127.0.0.2');
    // The private side listens on the same port: had its answer ever been dialled, it would have answered.
    let privateRequests = 0;
    const privateSide = createHttpServer((_req, res) => {
      privateRequests++;
      res.end('private');
    });
    await new Promise<void>((resolve) => privateSide.listen(publicSide.port, '127.0.0.3', resolve));
    const answers: string[] = [];
    let calls = 0;
    const rebinding = async (hostname: string) => {
      expect(hostname).toBe('rebind.example');
      const address = calls++ % 2 === 0 ? '127.0.0.2' : '127.0.0.3';
      answers.push(address);
      return [{ address, family: 4 as const }];
    };
    const f = fetcher({ allowPrivateNetworks: false, classifyAddress: seamClassify, resolver: rebinding });
    const url = `http://rebind.example:${publicSide.port}/`;

    const { value: outcomes, sockets } = await watchSockets(async () => {
      const out: string[] = [];
      for (let i = 0; i < 4; i++) {
        try {
          out.push((await f.fetch({ url })).body.toString());
        } catch (err) {
          out.push((err as FetchError).kind);
        }
      }
      return out;
    });
    expect(outcomes).toEqual(['public', 'blocked-address', 'public', 'blocked-address']);
    expect(answers).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.2', '127.0.0.3']);
    // One resolution per connection attempt: the answer checked is the answer dialled.
    expect(calls).toBe(4);
    // Sockets for the private answers were refused in their lookup and never connected.
    expect(sockets.filter((x) => x.remote !== undefined).map((x) => x.remote)).toEqual(['127.0.0.2', '127.0.0.2']);
    expect(publicSide.requests).toBe(2);
    expect(privateRequests).toBe(0);
    privateSide.closeAllConnections();
    await new Promise((resolve) => privateSide.close(resolve));
  });

  it('a name answering a public and a private address at once is not dialled at all', async () => {
    const publicSide = await serve((_req, res) => void res.end('public'), '127.0.0.2');
    const privateSide = await serve((_req, res) => void res.end('private'), '127.0.0.3');
    const f = fetcher({ allowPrivateNetworks: false, classifyAddress: seamClassify, resolver: tableResolver({ 'both.example': ['127.0.0.2', '127.0.0.3'] }) });
    const { value, sockets } = await watchSockets(() => rejection(f.fetch({ url: `http://both.example:${publicSide.port}/` })));
    expect(value).toMatchObject({ kind: 'blocked-address', message: expect.stringContaining('both.example resolves to 127.0.0.3, a private address') });
    expect(sockets.filter((x) => x.remote !== undefined)).toEqual([]);
    expect(publicSide.requests + privateSide.requests).toBe(0);
  });
});

describe('hostile #4: file:, gopher:, data:, ftp: URLs', () => {
  const URLS: [string, string][] = [
    ['file:', 'file:///etc/passwd'],
    ['gopher:', 'gopher://127.0.0.1:70/1'],
    ['data:', `data:application/rss+xml,${encodeURIComponent(rss(1))}`],
    ['ftp:', 'ftp://ftp.example.gov.cn/pub/feed.xml'],
  ];

  it.each(URLS)('%s refused when added, fetched and polled, with a message naming the scheme', async (scheme, url) => {
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true' });
    const { value, sockets } = await watchSockets(async () => ({
      added: await app.registry.add(url, [], 'test'),
      fetched: await rejection(app.fetcher.fetch({ url })),
      polled: await pollSource(source('scheme', url), app.pollDeps),
    }));
    expect(value.added).toEqual({ ok: false, error: `only http:// and https:// URLs can be sources (got ${scheme})` });
    expect(value.fetched).toMatchObject({ kind: 'bad-scheme' });
    const message = (value.fetched as Error).message;
    expect(message).toMatch(new RegExp(`^cannot fetch ${scheme}.*: only http: and https: URLs are fetched, not ${scheme}$`));
    expect(message.length).toBeLessThan(300); // a long data: URL is shortened
    expect(value.polled.error).toEqual({ kind: 'bad-scheme', message: `scheme: ${message}` });
    expect(sockets).toEqual([]);
  });

  it.each(URLS)('a redirect to %s is refused at that hop', async (scheme, url) => {
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true' });
    const server = await serve((_req, res) => void res.writeHead(301, { location: url }).end());
    const r = await pollSource(source('redirect', `${server.origin}/feed.xml`), app.pollDeps);
    expect(r.error?.kind).toBe('bad-scheme');
    expect(r.error?.message).toContain(`redirect from ${server.origin}/feed.xml to ${scheme}`);
    expect(r.error?.message).toContain(`refused: only http: and https: URLs are fetched, not ${scheme}`);
  });
});

describe('hostile #5: redirect loop, or more than 5 hops', () => {
  it('fails with "too many redirects" and marks the source failing; 5 hops are still followed', async () => {
    const server = await serve((req, res) => {
      const p = req.url ?? '';
      if (p === '/loop/a') return void res.writeHead(302, { location: '/loop/b' }).end();
      if (p === '/loop/b') return void res.writeHead(302, { location: '/loop/a' }).end();
      const m = /^\/hops(\d)\/(\d+)$/.exec(p);
      if (m) {
        const [max, n] = [Number(m[1]), Number(m[2])];
        if (n < max) return void res.writeHead(301, { location: `/hops${max}/${n + 1}` }).end();
        return void res.writeHead(200, rssHeaders).end(rss(2));
      }
      res.writeHead(404).end();
    });
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true' });
    expect(app.settings.FETCH_MAX_REDIRECTS).toBe(5);
    const loop = source('loop', `${server.origin}/loop/a`);
    const six = source('six', `${server.origin}/hops6/0`);
    const five = source('five', `${server.origin}/hops5/0`);
    const [rLoop, rSix, rFive] = await Promise.all([loop, six, five].map((s) => pollSource(s, app.pollDeps)));
    for (const [r, s] of [[rLoop, loop], [rSix, six]] as const) {
      expect(r!.outcome).toBe('error');
      expect(r!.error?.kind).toBe('too-many-redirects');
      expect(r!.error?.message).toMatch(new RegExp(`^${s.id}: too many redirects \\(more than 5\\) fetching ${s.url.replace(/[/.?]/g, '\\$&')}`));
      const state = await app.store.getSourceState(s.id);
      expect(state).toMatchObject({ consecutiveErrors: 1, lastErrorKind: 'too-many-redirects' });
      expect(sourceHealth(s, state)).toBe('failing');
    }
    expect(server.paths.filter((p) => p.startsWith('/loop/'))).toHaveLength(6);
    expect(server.paths.filter((p) => p.startsWith('/hops6/'))).toEqual(['/hops6/0', '/hops6/1', '/hops6/2', '/hops6/3', '/hops6/4', '/hops6/5']);
    expect(rFive!.outcome, rFive!.error?.message).toBe('new');
  });
});

describe('hostile #6: a 2 GB body, or no Content-Length streaming forever', () => {
  it('aborts each at the default 10 MiB cap, with memory flat', async () => {
    const sent = { declared: { bytes: 0 }, chunked: { bytes: 0 }, endless: { bytes: 0 } };
    const TWO_GB = 2 * 1024 * MiB;
    const server = await serve((req, res) => {
      if (req.url === '/declared.xml') {
        res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': String(TWO_GB) });
        return pump(res, sent.declared, TWO_GB);
      }
      res.writeHead(200, { 'content-type': 'application/rss+xml' }); // chunked
      pump(res, req.url === '/chunked.xml' ? sent.chunked : sent.endless, req.url === '/chunked.xml' ? TWO_GB : Infinity);
    });
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true' });
    expect(app.settings.FETCH_MAX_BYTES).toBe(10 * MiB);
    expect(FETCHER_DEFAULTS.maxBytes).toBe(10 * MiB);
    for (const name of ['declared', 'chunked', 'endless'] as const) {
      const started = Date.now();
      const { value: r, rss: rssGrowth, heap } = await peakMemoryGrowth(() => pollSource(source(name, `${server.origin}/${name}.xml`), app.pollDeps));
      console.info(`row 6 ${name}: server wrote ${(sent[name].bytes / MiB).toFixed(1)} MiB; peak RSS +${(rssGrowth / MiB).toFixed(1)} MiB, heap+buffers +${(heap / MiB).toFixed(1)} MiB`);
      expect(r.error?.kind, name).toBe('too-large');
      expect(r.error?.message).toContain('10 MiB limit');
      if (name === 'declared') expect(r.error?.message).toContain('is 2048 MiB by its Content-Length');
      expect(Date.now() - started).toBeLessThan(10_000);
      // The client hung up near the cap: the server never got far into its 2 GB …
      expect(sent[name].bytes, name).toBeLessThan(64 * MiB);
      // … and memory stayed within a few times the cap (reading 2 GB would need 2 GB).
      expect(rssGrowth, name).toBeLessThan(128 * MiB);
      expect(heap, name).toBeLessThan(64 * MiB);
    }
    // Refused on its Content-Length before reading (what was sent is socket buffers).
    expect(sent.declared.bytes).toBeLessThan(16 * MiB);
  });
});

describe('hostile #7: gzip/brotli bombs and stacked Content-Encodings', () => {
  const bombs: Record<string, { body: Buffer; encoding: string }> = {};

  beforeAll(async () => {
    // 256 MiB of zeros, compressed while streaming (never held whole).
    const gzip = createGzip({ level: 9 });
    const parts: Buffer[] = [];
    gzip.on('data', (c: Buffer) => parts.push(c));
    const ended = new Promise((resolve) => gzip.on('end', resolve));
    const block = Buffer.alloc(MiB);
    for (let i = 0; i < 256; i++) if (!gzip.write(block)) await new Promise((r) => gzip.once('drain', r));
    gzip.end();
    await ended;
    const gz = Buffer.concat(parts);
    const zeros = Buffer.alloc(64 * MiB);
    const br = brotliCompressSync(zeros, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } });
    bombs['gzip'] = { body: gz, encoding: 'gzip' };
    bombs['br'] = { body: br, encoding: 'br' };
    bombs['gzip, gzip'] = { body: gzipSync(gz, { level: 9 }), encoding: 'gzip, gzip' };
    bombs['gzip, br'] = { body: brotliCompressSync(gz), encoding: 'gzip, br' };
    bombs['x-gzip, gzip, br'] = { body: brotliCompressSync(gzipSync(Buffer.from(gz))), encoding: 'x-gzip, gzip, br' };
  }, 60_000);

  it.each(['gzip', 'br', 'gzip, gzip', 'gzip, br', 'x-gzip, gzip, br'])('%s bomb: aborted on the decompressed-size cap, memory flat', async (name) => {
    const bomb = bombs[name]!;
    expect(bomb.body.length).toBeLessThan(MiB);
    const server = await serve((_req, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': bomb.encoding, 'content-length': bomb.body.length }).end(bomb.body));
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true' });
    const { value: r, rss: rssGrowth } = await peakMemoryGrowth(() => pollSource(source('bomb', `${server.origin}/bomb.xml`), app.pollDeps));
    console.info(`row 7 ${name}: ${bomb.body.length} bytes on the wire; peak RSS +${(rssGrowth / MiB).toFixed(1)} MiB`);
    expect(r.error?.kind).toBe('too-large');
    expect(r.error?.message).toContain('larger than the 10 MiB limit (after decompression)');
    expect(rssGrowth).toBeLessThan(128 * MiB);
  });

  it('more stacked codings than tidings undoes: refused before decoding, with a clear message', async () => {
    let body = Buffer.from(rss(1));
    const layers = 2000;
    for (let i = 0; i < layers; i++) body = gzipSync(body);
    const server = await serve((_req, res) => void res.writeHead(200, { 'content-encoding': Array(layers).fill('gzip').join(', ') }).end(body));
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true' });
    const r = await pollSource(source('layers', `${server.origin}/feed.xml`), app.pollDeps);
    expect(r.error?.kind).toBe('decode');
    expect(r.error?.message).toContain(`the server stacked 2000 content codings (gzip, gzip, gzip, gzip, gzip, gzip, gzip, gzip, …); tidings undoes at most ${MAX_STACKED_CODINGS}`);
    // Up to the limit, stacked codings decode.
    const fine = await serve((_req, res) => {
      let b = Buffer.from(rss(2));
      for (let i = 0; i < MAX_STACKED_CODINGS; i++) b = gzipSync(b);
      res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': Array(MAX_STACKED_CODINGS).fill('gzip').join(', ') }).end(b);
    });
    const ok = await pollSource(source('layers-ok', `${fine.origin}/feed.xml`), app.pollDeps);
    expect(ok.outcome, ok.error?.message).toBe('new');
    expect(ok.items).toBe(2);
  });
});

describe('hostile #8: a server that sends 1 byte every 5 s, or never sends headers', () => {
  it('each is aborted at the total deadline (FETCH_TIMEOUT=1.5s here; 20 s by default)', async () => {
    expect(loadSettings({}).FETCH_TIMEOUT).toBe(20_000);
    expect(FETCHER_DEFAULTS.timeoutMs).toBe(20_000);
    const drip = (socket: Socket, text: string): void => {
      let i = 0;
      const next = (): void => {
        if (socket.destroyed || i >= text.length) return;
        socket.write(text[i++]!);
      };
      next();
      const timer = setInterval(next, 5_000);
      socket.on('close', () => clearInterval(timer));
    };
    const response = `HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: 5000\r\n\r\n${rss(3)}`;
    const silent = await rawServer(() => undefined); // accepts, never answers
    const headerDrip = await rawServer((s) => drip(s, response));
    const bodyDrip = await rawServer((s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ntransfer-encoding: chunked\r\n\r\n');
      drip(s, rss(3).replace(/./g, (c) => `1\r\n${c}\r\n`));
    });
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true', FETCH_TIMEOUT: '1.5s' });
    expect(app.settings.FETCH_TIMEOUT).toBe(1_500);
    const run = async (id: string, port: number): Promise<{ r: PollResult; ms: number }> => {
      const started = Date.now();
      const r = await pollSource(source(id, `http://127.0.0.1:${port}/feed.xml`), app.pollDeps);
      return { r, ms: Date.now() - started };
    };
    const results = await Promise.all([run('silent', silent.port), run('header-drip', headerDrip.port), run('body-drip', bodyDrip.port)]);
    for (const { r, ms } of results) {
      expect(r.error?.kind, r.sourceId).toBe('timeout');
      expect(r.error?.message, r.sourceId).toContain('timed out after 1.5 s');
      expect(ms, r.sourceId).toBeGreaterThanOrEqual(1_400);
      expect(ms, r.sourceId).toBeLessThan(3_000);
    }
    expect(results[2]!.r.error?.message).toMatch(/reading the body of .* \(\d+ bytes received\)/);
    expect(silent.sockets.length + headerDrip.sockets.length + bodyDrip.sockets.length).toBe(3);
  });
});

describe('hostile #9: 429/503 with Retry-After; 500s for hours', () => {
  it('429 and 503 with Retry-After: the next poll is not before it, and the scheduler waits for it', async () => {
    const retryAt = new Date(Math.ceil((Date.now() + 2 * 3_600_000) / 1000) * 1000);
    const server = await serve((req, res) => {
      if (req.url === '/429.xml') return void res.writeHead(429, { 'retry-after': '900' }).end();
      res.writeHead(503, { 'retry-after': retryAt.toUTCString() }).end();
    });
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true' });
    const s429 = source('s429', `${server.origin}/429.xml`);
    const s503 = source('s503', `${server.origin}/503.xml`);
    const t0 = Date.now();
    const r429 = await pollSource(s429, app.pollDeps);
    const r503 = await pollSource(s503, app.pollDeps);
    expect(r429.error).toMatchObject({ kind: 'http' });
    expect(r429.error?.message).toContain('HTTP 429');
    expect(Date.parse(r429.nextDueAt)).toBeGreaterThanOrEqual(t0 + 900_000);
    expect(r503.error?.message).toContain(`the server asks not to retry before ${retryAt.toISOString()}`);
    expect(Date.parse(r503.nextDueAt)).toBeGreaterThanOrEqual(retryAt.getTime());

    const polled: string[] = [];
    const scheduler = new Scheduler([s429, s503], app.store, async (s) => {
      polled.push(s.id);
      return pollSource(s, app.pollDeps);
    }, { tick: '0 0 1 1 *', concurrency: 8, timeZone: 'UTC' }, silentLogger());
    // The backoff alone (interval 1 min) would poll them again within a minute.
    // (A finished poll makes the scheduler tick by itself; let that tick settle before the next.)
    const tickAt = async (at: number): Promise<void> => {
      await Promise.all(await scheduler.tick(new Date(at)));
      await new Promise((r) => setTimeout(r, 50));
    };
    await tickAt(t0 + 5 * 60_000);
    await tickAt(t0 + 899_000);
    expect(polled).toEqual([]);
    await tickAt(t0 + 901_000);
    expect(polled).toEqual(['s429']);
    await tickAt(retryAt.getTime() + 1000);
    // s429 is due again by then (its second 429 asked for another 900 s); s503 only now.
    expect(polled).toEqual(['s429', 's429', 's503']);
    await scheduler.stop();
    expect(server.requests).toBe(5);
  });

  it('500s for hours: exponential backoff with jitter, capped; admins told once after the configured time, and once when it recovers', async () => {
    let failing = true;
    const server = await serve((_req, res) => (failing ? void res.writeHead(500).end('boom') : void res.writeHead(200, rssHeaders).end(rss(3))));
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true', BACKOFF_MAX: '1h', SOURCE_FAILING_ALERT_AFTER: '1h', POLL_JITTER: '0.1' });
    const notes: string[] = [];
    const alerts = new SourceAlerts({ kv: app.kv, store: app.store, notifyAdmins: async (t) => void notes.push(t), failingAfterMs: app.settings.SOURCE_FAILING_ALERT_AFTER, metrics: app.metrics });
    let clock = new Date('2024-10-13T00:00:00Z');
    const randoms = [1, 0, 0.5, 1, 0, 1, 0.25, 0.75, 1, 0];
    let n = 0;
    const deps: PollDeps = { ...app.pollDeps, now: () => clock, random: () => randoms[n++ % randoms.length]!, onPolled: (s, r, st) => alerts.onPolled(s, r, st) };
    const s = source('flaky', `${server.origin}/feed.xml`, { interval: { kind: 'every', ms: 5 * 60_000 } });
    const delays: number[] = [];
    const notesAfter: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await pollSource(s, deps);
      expect(r.error?.kind).toBe('http');
      const delay = Date.parse(r.nextDueAt) - clock.getTime();
      delays.push(delay / 60_000);
      notesAfter.push(notes.length);
      clock = new Date(r.nextDueAt);
    }
    // Nominal delays 5, 10, 20, 40, 60 (cap), 60 … min; jitter keeps each in [d/2, d].
    const nominal = [5, 10, 20, 40, 60, 60, 60, 60, 60, 60];
    delays.forEach((d, i) => {
      expect(d, `poll ${i + 1}`).toBeGreaterThanOrEqual(nominal[i]! / 2);
      expect(d, `poll ${i + 1}`).toBeLessThanOrEqual(nominal[i]!);
    });
    expect(delays[0]).toBe(5); // random 1 → the full delay
    expect(delays[1]).toBe(5); // random 0 → half of 10
    expect(new Set(delays).size).toBeGreaterThan(3);
    expect(Math.max(...delays)).toBe(60);
    expect(server.requests).toBe(10);
    // Failing since the first poll; the alert goes out at the first poll ≥ 1 h later, once.
    const elapsed = delays.map((_, i) => delays.slice(0, i).reduce((a, b) => a + b, 0)); // minutes since the first failure
    const firstOverHour = elapsed.findIndex((m) => m >= 60);
    expect(notesAfter.findIndex((c) => c > 0)).toBe(firstOverHour);
    expect(notesAfter[9]).toBe(1);
    expect(notes[0]).toMatch(/^⚠️ Source flaky has been failing for \d+ h( \d+ min)? \(\d+ polls in a row\)\.\nLast error: flaky: HTTP 500/);
    expect(await app.metrics.sourcesInAlert.get()).toMatchObject({ values: expect.arrayContaining([expect.objectContaining({ labels: { alert: 'failing' }, value: 1 })]) });

    failing = false;
    await pollSource(s, deps);
    await pollSource(s, { ...deps, now: () => new Date(clock.getTime() + 3_600_000) });
    expect(notes).toHaveLength(2);
    expect(notes[1]).toMatch(/^✅ Source flaky recovered: it was failing/);
  });

  it('many sources failing together do not stampede: their next polls are spread', async () => {
    const server = await serve((_req, res) => void res.writeHead(500).end());
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true', FETCH_PER_HOST_CONCURRENCY: '8' });
    const sources = Array.from({ length: 30 }, (_, i) => source(`down-${i}`, `${server.origin}/feed-${i}.xml`, { interval: { kind: 'every', ms: 10 * 60_000 } }));
    const t0 = Date.now();
    const results = await pollAll(sources, (s) => pollSource(s, app.pollDeps), 30);
    const due = results.map((r) => Date.parse(r.nextDueAt) - t0);
    expect(results.every((r) => r.outcome === 'error')).toBe(true);
    // Backoff 10 min, jittered over its upper half: 5–10 min, each source its own time.
    expect(Math.min(...due)).toBeGreaterThanOrEqual(5 * 60_000 - 2_000);
    expect(Math.max(...due)).toBeLessThanOrEqual(10 * 60_000);
    expect(new Set(due).size).toBe(30);
    expect(Math.max(...due) - Math.min(...due)).toBeGreaterThan(60_000);

    // Whatever moment the scheduler ticks, only part of them is due.
    let polled = 0;
    const scheduler = new Scheduler(sources, app.store, async (s) => {
      polled++;
      return pollSource(s, app.pollDeps);
    }, { tick: '0 0 1 1 *', concurrency: 64, timeZone: 'UTC' }, silentLogger());
    await Promise.all(await scheduler.tick(new Date(t0 + 7.5 * 60_000)));
    await scheduler.stop();
    expect(polled).toBeGreaterThan(0);
    expect(polled).toBeLessThan(30);
  });
});

describe('hostile #10: a list page that changes from 20 items to 0 (site redesign)', () => {
  it.each([
    ['an HTML list page (no list found any more)', 'html'],
    ['a feed (an empty channel)', 'feed'],
  ] as const)('%s: flagged "yielded nothing", admins told once, stored items kept, recovered once', async (_label, kind) => {
    let redesigned = false;
    const server = await serve((req, res) => {
      const p = req.url ?? '';
      if (p === '/xwdt/index.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(listPage(redesigned ? 0 : 20));
      if (p === '/feed.xml') return void res.writeHead(200, rssHeaders).end(rss(redesigned ? 0 : 20, `http://${req.headers.host}`));
      const m = /^\/xwdt\/(\d+)\.html$/.exec(p);
      if (m) return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(articlePage(Number(m[1])));
      res.writeHead(404).end();
    });
    const app = await makeApp({ ALLOW_PRIVATE_NETWORKS: 'true' });
    const notes: string[] = [];
    const alerts = new SourceAlerts({ kv: app.kv, store: app.store, notifyAdmins: async (t) => void notes.push(t), failingAfterMs: app.settings.SOURCE_FAILING_ALERT_AFTER, metrics: app.metrics });
    const deps: PollDeps = { ...app.pollDeps, onPolled: (s, r, st) => alerts.onPolled(s, r, st) };
    const s =
      kind === 'html'
        ? source('column', `${server.origin}/xwdt/index.html`, { kind: 'html', fulltext: 'auto' })
        : source('column', `${server.origin}/feed.xml`, { kind: 'feed' });

    const first = await pollSource(s, deps);
    expect(first.outcome, first.error?.message).toBe('new');
    expect(first.items).toBe(20);
    expect(first.stored).toHaveLength(20);
    const indexBefore = await app.store.getSourceIndex('column');
    expect(indexBefore).toHaveLength(20);
    expect(notes).toEqual([]);

    redesigned = true;
    await pollSource(s, deps);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^⚠️ Source column yielded nothing: the previous poll found 20 items, this one none/);
    expect(notes[0]).toContain('Stored articles are kept.');
    await pollSource(s, deps);
    await pollSource(s, deps);
    expect(notes).toHaveLength(1);

    // Stored items kept, and what /healthz and the metrics show.
    expect(await app.store.getSourceIndex('column')).toEqual(indexBefore);
    expect(await app.store.getArticles(indexBefore.map((e) => e.id))).toHaveLength(20);
    const http = await startHttpServer({ store: app.store, logger: silentLogger(), metrics: app.metrics, sources: () => [s], routes: [], publicUrl: 'http://127.0.0.1', sourceAlerts: alerts }, '127.0.0.1', 0);
    try {
      const health = (await (await globalThis.fetch(`${http.url}/healthz`)).json()) as { sources: { id: string; alert: { kind: string; since: string } | null }[] };
      expect(health.sources[0]).toMatchObject({ id: 'column', alert: { kind: 'empty', since: expect.any(String) } });
      const metrics = await app.metrics.registry.metrics();
      expect(metrics).toContain('tidings_sources_in_alert{alert="empty"} 1');
    } finally {
      await http.close();
    }

    redesigned = false;
    const back = await pollSource(s, deps);
    expect(back.items).toBe(20);
    expect(back.stored).toEqual([]); // nothing was lost, so nothing is new
    await pollSource(s, deps);
    expect(notes).toHaveLength(2);
    expect(notes[1]).toMatch(/^✅ Source column recovered: it was yielding nothing .*; this poll found 20 items\.$/);
    expect(await app.metrics.registry.metrics()).toContain('tidings_sources_in_alert{alert="empty"} 0');
  });
});
