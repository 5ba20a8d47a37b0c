/**
 * The benchmark's feed server, run as a child process of run.ts (so tidings' CPU and memory
 * are measured alone). It listens on one port on each of `hosts` loopback addresses
 * (127.0.0.2, 127.0.0.3, …) and serves `/feeds/<n>.xml` from the address feed n belongs to,
 * with ETag and Last-Modified, answering 304 to a matching If-None-Match (or, without one,
 * If-Modified-Since). It counts what it served; the runner asks over IPC.
 *
 * Started by server-handle.ts: `node --import tsx bench/poll/feed-server.ts '<FeedServerConfig JSON>'`.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { FeedCatalog } from './feed-catalog.js';
import { hostAddress, hostIndexOfFeed } from './loopback.js';
import type { FeedServerConfig, FromServer, ServerStats, ToServer } from './server-protocol.js';

const FEED_PATH = /^\/feeds\/(\d+)\.xml$/;

function send(message: FromServer): void {
  process.send?.(message);
}

class Counters {
  ok200 = 0;
  notModified304 = 0;
  otherRequests = 0;
  misrouted = 0;
  bytesSent = 0;
  connections = 0;
  maxInFlightPerAddress = 0;
  overlappingFeedRequests = 0;
  repeatedFeedRequests = 0;
  readonly addresses = new Set<string>();
  /** Requests in flight per feed (live state) and requests per feed since the last reset. */
  readonly feedInFlight: Uint16Array;
  readonly feedRequests: Uint16Array;
  /** Requests in flight per local address (not reset: it is live state). */
  readonly inFlight = new Map<string, number>();
  cpuAtReset = process.cpuUsage();

  constructor(feeds: number) {
    this.feedInFlight = new Uint16Array(feeds);
    this.feedRequests = new Uint16Array(feeds);
  }

  reset(): void {
    this.ok200 = this.notModified304 = this.otherRequests = this.misrouted = this.bytesSent = this.connections = this.maxInFlightPerAddress = 0;
    this.overlappingFeedRequests = this.repeatedFeedRequests = 0;
    this.feedRequests.fill(0);
    this.addresses.clear();
    this.cpuAtReset = process.cpuUsage();
  }

  snapshot(): ServerStats {
    const cpu = process.cpuUsage(this.cpuAtReset);
    return {
      ok200: this.ok200,
      notModified304: this.notModified304,
      otherRequests: this.otherRequests,
      misrouted: this.misrouted,
      bytesSent: this.bytesSent,
      connections: this.connections,
      addressesUsed: this.addresses.size,
      maxInFlightPerAddress: this.maxInFlightPerAddress,
      overlappingFeedRequests: this.overlappingFeedRequests,
      repeatedFeedRequests: this.repeatedFeedRequests,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
  }
}

function isNotModified(req: IncomingMessage, etag: string, lastModifiedMs: number): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return inm.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
  const ims = req.headers['if-modified-since'];
  return ims !== undefined && Date.parse(ims) >= lastModifiedMs;
}

function createHandler(config: FeedServerConfig, catalog: FeedCatalog, counters: Counters) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const local = req.socket.localAddress ?? '?';
    counters.addresses.add(local);
    const inFlight = (counters.inFlight.get(local) ?? 0) + 1;
    counters.inFlight.set(local, inFlight);
    counters.maxInFlightPerAddress = Math.max(counters.maxInFlightPerAddress, inFlight);
    res.once('close', () => counters.inFlight.set(local, (counters.inFlight.get(local) ?? 1) - 1));

    const match = FEED_PATH.exec(req.url ?? '');
    const feed = match ? Number(match[1]) : -1;
    const doc = catalog.get(feed);
    if (!doc) {
      counters.otherRequests++;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (local !== hostAddress(hostIndexOfFeed(feed, config.hosts))) counters.misrouted++;
    if (counters.feedRequests[feed]! > 0) counters.repeatedFeedRequests++;
    counters.feedRequests[feed]! += 1;
    if (counters.feedInFlight[feed]! > 0) counters.overlappingFeedRequests++;
    counters.feedInFlight[feed]! += 1;
    res.once('close', () => {
      counters.feedInFlight[feed]! -= 1;
    });

    const respond = (): void => {
      const validators = { etag: doc.etag, 'last-modified': doc.lastModified };
      if (isNotModified(req, doc.etag, doc.lastModifiedMs)) {
        counters.notModified304++;
        res.writeHead(304, validators).end();
        return;
      }
      counters.ok200++;
      const gzipOk = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      const sendGzip = doc.encoding === 'gzip' && gzipOk;
      const body = doc.encoding === 'gzip' && !gzipOk ? gunzipSync(doc.body) : doc.body;
      counters.bytesSent += body.length;
      res.writeHead(200, {
        'content-type': 'application/rss+xml; charset=utf-8',
        'content-length': body.length,
        ...(sendGzip ? { 'content-encoding': 'gzip' } : {}),
        vary: 'Accept-Encoding',
        ...validators,
      });
      res.end(body);
    };
    if (config.latencyMs > 0) setTimeout(respond, config.latencyMs);
    else respond();
  };
}

function listen(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 4096 }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as FeedServerConfig;
  const counters = new Counters(config.sources);

  // One port on every address: the first listener picks it, the others take the same.
  const listeners: NetServer[] = [];
  let port = 0;
  for (let h = 0; h < config.hosts; h++) {
    const listener = createNetServer();
    port = await listen(listener, hostAddress(h), port);
    listeners.push(listener);
  }

  const started = performance.now();
  const catalog = new FeedCatalog(config.sources, { items: config.items, freshItems: config.freshItems, hosts: config.hosts, port, epochMs: Date.now() - 30 * 86_400_000 }, config.encoding);
  const http = createHttpServer({ keepAliveTimeout: 15_000 }, createHandler(config, catalog, counters));
  const onConnection = (socket: Socket): void => {
    counters.connections++;
    http.emit('connection', socket);
  };
  for (const listener of listeners) listener.on('connection', onConnection);
  send({ type: 'ready', port, prepareMs: Math.round(performance.now() - started), bodyBytes: catalog.bodyBytes() });

  process.on('message', (message: ToServer) => {
    if (message.type === 'stats') {
      send({ type: 'stats', stats: counters.snapshot() });
      if (message.reset) counters.reset();
    } else if (message.type === 'advance') {
      const t = performance.now();
      const changed = catalog.advance(message.share);
      send({ type: 'advanced', changed, prepareMs: Math.round(performance.now() - t) });
    }
  });
  // The runner going away ends the server.
  process.on('disconnect', () => process.exit(0));
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
