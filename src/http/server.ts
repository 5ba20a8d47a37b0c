/**
 * The HTTP server (node:http, no framework): feeds, `/healthz`, `/metrics` and a small
 * index page. Routes are tried in order; each answers or passes. Errors never leak stack
 * traces to clients.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Source } from '../domain/source.js';
import type { Store, SourceState } from '../store/store.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface HttpServerDeps {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  sources: () => Source[];
  metricsToken?: string;
  /** Extra routes (feeds, later subscriptions), tried before the built-in ones. */
  routes: Route[];
  publicUrl: string;
  /** Sources reported to admins and not recovered (`SourceAlerts`), shown per source as `alert`. */
  sourceAlerts?: { alerts(ids: string[]): Promise<Map<string, { kind: string; since: string }>> };
}

export interface RunningHttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(deps: HttpServerDeps, host: string, port: number): Promise<RunningHttpServer> {
  const server = createServer((req, res) => {
    void handle(req, res, deps);
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    url: `http://${shownHost}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: HttpServerDeps): Promise<void> {
  let url: URL;
  try {
    // Parse the target as a path: `//host/x` must stay a path, not become another authority.
    const target = req.url ?? '/';
    if (!target.startsWith('/')) throw new Error('not origin-form');
    url = new URL(`http://localhost${target}`);
  } catch {
    send(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
    return;
  }
  try {
    for (const route of deps.routes) {
      if (await route(req, res, url)) return;
    }
    const builtIn = url.pathname === '/healthz' || url.pathname === '/metrics' || url.pathname === '/' || url.pathname === '/index.html';
    if (builtIn && req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    if (url.pathname === '/healthz') return await health(res, deps);
    if (url.pathname === '/metrics') return await metrics(req, res, deps);
    if (url.pathname === '/' || url.pathname === '/index.html') return index(res, deps);
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  } catch (err) {
    deps.logger.error({ err, path: url.pathname }, 'request failed');
    if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
    else res.destroy();
  }
}

export function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

export type SourceHealth = 'ok' | 'failing' | 'never-polled' | 'paused';

export function sourceHealth(source: Source, state: SourceState | undefined): SourceHealth {
  if (source.paused) return 'paused';
  if (!state?.lastPolledAt) return 'never-polled';
  return state.consecutiveErrors > 0 ? 'failing' : 'ok';
}

async function health(res: ServerResponse, deps: HttpServerDeps): Promise<void> {
  try {
    await deps.store.ping();
  } catch (err) {
    send(res, 503, 'application/json; charset=utf-8', `${JSON.stringify({ status: 'unavailable', store: 'unreachable', error: (err as Error).message })}\n`, { 'cache-control': 'no-store' });
    return;
  }
  const sources = deps.sources();
  const states = await deps.store.getSourceStates(sources.map((s) => s.id));
  const alerts = (await deps.sourceAlerts?.alerts(sources.map((s) => s.id))) ?? new Map<string, { kind: string; since: string }>();
  const list = sources.map((s) => {
    const st = states.get(s.id);
    return {
      id: s.id,
      status: sourceHealth(s, st),
      lastPolledAt: st?.lastPolledAt ?? null,
      lastSuccessAt: st?.lastSuccessAt ?? null,
      nextDueAt: st?.nextDueAt ?? null,
      consecutiveErrors: st?.consecutiveErrors ?? 0,
      failingSince: st?.failingSince ?? null,
      lastError: st?.lastError ?? null,
      items: st?.itemsLastSeen ?? null,
      encoding: st?.encoding ?? null,
      alert: alerts.get(s.id) ?? null,
    };
  });
  const counts: Record<string, number> = { ok: 0, failing: 0, 'never-polled': 0, paused: 0 };
  for (const s of list) counts[s.status] = (counts[s.status] ?? 0) + 1;
  for (const [state, n] of Object.entries(counts)) deps.metrics.sources.set({ state: state.replace('-', '_') }, n);
  const body = { status: 'ok', store: deps.store.backend, counts, sources: list };
  send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(body, null, 1)}\n`, { 'cache-control': 'no-store' });
}

function tokenMatches(given: string, expected: string): boolean {
  // Compare digests so lengths never leak and the comparison is constant-time.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

async function metrics(req: IncomingMessage, res: ServerResponse, deps: HttpServerDeps): Promise<void> {
  if (deps.metricsToken) {
    // The auth scheme is case-insensitive (RFC 9110 §11.1): `bearer TOKEN` is the same credential.
    const given = /^bearer[ \t]+(.*)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
    if (!tokenMatches(given, deps.metricsToken)) {
      send(res, 401, 'text/plain; charset=utf-8', 'metrics need a bearer token\n', { 'www-authenticate': 'Bearer' });
      return;
    }
  }
  const body = await deps.metrics.registry.metrics();
  send(res, 200, deps.metrics.registry.contentType, body, { 'cache-control': 'no-store' });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function index(res: ServerResponse, deps: HttpServerDeps): void {
  const sources = deps.sources();
  const tags = [...new Set(sources.flatMap((s) => s.tags))].sort();
  const link = (path: string, label: string) =>
    `<li>${escapeHtml(label)}: <a href="${escapeHtml(path)}.atom">Atom</a> · <a href="${escapeHtml(path)}.rss">RSS</a> · <a href="${escapeHtml(path)}.json">JSON Feed</a></li>`;
  const body = `<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tidings</title>
<link rel="alternate" type="application/atom+xml" title="tidings: all sources" href="/feeds/all.atom">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}</style></head>
<body><h1>tidings</h1>
<h2>Merged feeds · 合并订阅源</h2><ul>${link('/feeds/all', 'All sources · 全部')}</ul>
${tags.length ? `<h2>By tag · 按标签</h2><ul>${tags.map((t) => link(`/feeds/tag/${encodeURIComponent(t)}`, t)).join('')}</ul>` : ''}
<h2>By source · 按来源</h2><ul>${sources.map((s) => link(`/feeds/source/${s.id}`, s.name)).join('')}</ul>
<p><a href="/feeds/sources.opml">sources.opml</a> · <a href="/healthz">health</a></p>
</body></html>
`;
  send(res, 200, 'text/html; charset=utf-8', body);
}
