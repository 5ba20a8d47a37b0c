/**
 * The one HTTP client of tidings (`createFetcher`), on undici:
 * - the private-network guard at connect time, for every hop (see `guarded-connect.ts`);
 * - redirects followed by hand (301/302/303/307/308, at most `maxRedirects`, each hop's scheme
 *   checked, credentials dropped when leaving the first origin);
 * - one deadline per request covering connect, headers and the whole body;
 * - gzip/deflate/br decoded here, the size cap applied after decompression while streaming;
 * - conditional GET, `notBefore` from Retry-After / max-age, 4xx/5xx as `http` errors;
 * - per-host and global concurrency limits (FIFO), released on every path; the per-host one
 *   can be an injected `hostGate` shared by several processes (`RedisHostGate`);
 * - one keep-alive undici Agent per distinct TLS configuration.
 */
import { STATUS_CODES } from 'node:http';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { Agent, request as undiciRequest } from 'undici';
import { parseFetchUrl, shortUrl } from './address-guard.js';
import { readBody, formatBytes, type BodyProgress, type ReadBodyResult } from './body.js';
import { notBeforeFrom } from './cache-headers.js';
import { KeyedSemaphore, type Release } from './concurrency.js';
import { toFetchError, type FetchPhase } from './fetch-errors.js';
import { createGuardedConnector, systemResolver, type Resolver } from './guarded-connect.js';
import { FetchError, type Fetcher, type FetcherOptions, type FetchRequest, type FetchResult } from './types.js';

/** The limits `createFetcher` uses for options left out. */
export const FETCHER_DEFAULTS: Readonly<Omit<FetcherOptions, 'userAgent'>> = {
  timeoutMs: 20_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  perHostConcurrency: 2,
  globalConcurrency: 64,
  allowPrivateNetworks: false,
};

export interface CreateFetcherOptions extends Partial<FetcherOptions> {
  /** Sent as User-Agent unless a request's headers name another (required). */
  userAgent: string;
  /**
   * Resolves host names to every address to dial (default: the OS resolver, `dns.lookup`
   * with all answers). Inject one to map test names to loopback or to use another DNS.
   */
  resolver?: Resolver;
  /**
   * Why an address must not be dialled, or undefined to allow it; consulted only when
   * `allowPrivateNetworks` is false (default: `classifyAddress` from `address-guard.ts`).
   */
  classifyAddress?: (address: string) => string | undefined;
  /**
   * The per-host limit, when it must hold across processes (`RedisHostGate` in
   * `src/distributed/redis-limits.ts`); default: a per-host semaphore of this fetcher with
   * `perHostConcurrency` slots. Must reject with the signal's reason when it aborts.
   */
  hostGate?: HostGate;
}

/** Per-host slots: `acquire` resolves with an idempotent release. */
export interface HostGate {
  acquire(host: string, signal?: AbortSignal): Promise<Release>;
}

/** What tidings asks for: feeds first, then XML, JSON and HTML pages. */
export const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, ' +
  'application/json;q=0.8, text/html;q=0.8, application/xhtml+xml;q=0.8, */*;q=0.5';
export const ACCEPT_ENCODING = 'gzip, deflate, br';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Request headers a source may not set: connection management and the Host. */
const RESERVED_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'content-length', 'proxy-connection']);
/** Headers not forwarded once a redirect leaves the original origin. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** How much of a redirect's or an error's body is read to keep the connection reusable. */
const DISCARD_LIMIT = 64 * 1024;

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`fetcher option ${name} must be a positive integer, got ${String(value)}`);
}

/** Lower-cased response headers with repeated ones joined. */
function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(name.toLowerCase() === 'set-cookie' ? '\n' : ', ') : value;
  }
  return out;
}

class DeadlinePassed extends Error {
  override readonly name = 'DeadlinePassed';
}

/** Create the fetcher. Call `close()` at shutdown to close pooled connections. */
export function createFetcher(options: CreateFetcherOptions): Fetcher {
  const { resolver: injectedResolver, classifyAddress: injectedClassify, hostGate, ...limits } = options;
  const settings: FetcherOptions = { ...FETCHER_DEFAULTS, ...stripUndefined(limits), userAgent: options.userAgent };
  checkPositiveInteger('timeoutMs', settings.timeoutMs);
  checkPositiveInteger('maxBytes', settings.maxBytes);
  checkPositiveInteger('perHostConcurrency', settings.perHostConcurrency);
  checkPositiveInteger('globalConcurrency', settings.globalConcurrency);
  if (!Number.isInteger(settings.maxRedirects) || settings.maxRedirects < 0) {
    throw new RangeError(`fetcher option maxRedirects must be a non-negative integer, got ${String(settings.maxRedirects)}`);
  }
  if (!settings.userAgent) throw new RangeError('fetcher option userAgent must not be empty');

  const resolver = injectedResolver ?? systemResolver;
  const perHost: HostGate = hostGate ?? new KeyedSemaphore(settings.perHostConcurrency);
  const overall = new KeyedSemaphore(settings.globalConcurrency);
  const agents = new Map<string, Agent>();
  let closed = false;

  function agentFor(tls: FetchRequest['tls'], url: URL): Agent {
    const key = JSON.stringify([tls?.ca ?? null, tls?.insecure === true]);
    let agent = agents.get(key);
    if (agent) return agent;
    let ca: string[] | undefined;
    if (tls?.ca) {
      const problem = pemProblem(tls.ca);
      if (problem) throw new FetchError('tls', `the CA certificate configured for ${shortUrl(url.href)} is not usable: ${problem}`, url.href);
      ca = [...rootCertificates, tls.ca];
    }
    agent = new Agent({
      connect: createGuardedConnector({
        resolver,
        allowPrivateNetworks: settings.allowPrivateNetworks,
        classify: injectedClassify,
        ca,
        rejectUnauthorized: tls?.insecure !== true,
        connectTimeoutMs: settings.timeoutMs,
      }),
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
    });
    agents.set(key, agent);
    return agent;
  }

  function requestHeaders(req: FetchRequest, crossOrigin: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': settings.userAgent,
      accept: ACCEPT,
      'accept-encoding': ACCEPT_ENCODING,
    };
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      const key = name.trim().toLowerCase();
      if (!key || RESERVED_HEADERS.has(key)) continue;
      if (crossOrigin && CREDENTIAL_HEADERS.has(key)) continue;
      headers[key] = value;
    }
    if (req.etag) headers['if-none-match'] = req.etag;
    if (req.lastModified) headers['if-modified-since'] = req.lastModified;
    return headers;
  }

  /**
   * A slot for `host`, then a global one. Nothing waits for a host slot while holding a global
   * one, so one busy host cannot hold up the others (and redirect hops cannot deadlock).
   */
  async function acquireSlots(url: URL, signal: AbortSignal | undefined): Promise<Release> {
    let releaseHost: Release;
    try {
      releaseHost = await perHost.acquire(url.host, signal);
    } catch (err) {
      // An injected gate can fail on its own (its Redis is down): say so, not "aborted".
      if (signal?.aborted || !hostGate) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new FetchError('network', `cannot fetch ${shortUrl(url.href)}: no per-host slot for ${url.host}: ${why}`, url.href, undefined, undefined, { cause: err });
    }
    try {
      const releaseOverall = await overall.acquire('*', signal);
      return () => {
        releaseOverall();
        releaseHost();
      };
    } catch (err) {
      releaseHost();
      throw err;
    }
  }

  async function fetch(req: FetchRequest): Promise<FetchResult> {
    let url = parseFetchUrl(req.url);
    const closedError = (): FetchError => new FetchError('aborted', `cannot fetch ${shortUrl(url.href)}: the fetcher is closed`, url.href);
    if (closed) throw closedError();
    const timeoutMs = req.timeoutMs ?? settings.timeoutMs;
    const maxBytes = req.maxBytes ?? settings.maxBytes;
    const agent = agentFor(req.tls, url);
    const callerSignal = req.signal;

    let releaseSlots: Release | undefined;
    try {
      releaseSlots = await acquireSlots(url, callerSignal);
    } catch (err) {
      throw toFetchError(err, { url, phase: 'headers', timeoutMs, receivedBytes: 0, callerAborted: true, callerReason: callerSignal?.reason, deadlinePassed: false });
    }
    if (closed) {
      releaseSlots();
      throw closedError();
    }

    // The deadline starts once the request may run, so time spent queued behind other requests
    // for the same host (or behind the global limit) does not count against it.
    const started = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DeadlinePassed(`deadline of ${timeoutMs} ms passed`)), timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;
    const origin = url.origin;
    const progress: BodyProgress = { wireBytes: 0, decodedBytes: 0 };
    let phase: FetchPhase = 'headers';

    try {
      for (let redirects = 0; ; redirects++) {
        releaseSlots ??= await acquireSlots(url, signal);
        phase = 'headers';
        const response = await undiciRequest(url, {
          dispatcher: agent,
          method: 'GET',
          headers: requestHeaders(req, url.origin !== origin),
          signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const headers = flattenHeaders(response.headers);
        const status = response.statusCode;
        const location = headers['location'];

        if (REDIRECT_STATUSES.has(status) && location !== undefined) {
          await response.body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
          releaseSlots();
          releaseSlots = undefined;
          if (redirects >= settings.maxRedirects) {
            throw new FetchError(
              'too-many-redirects',
              `too many redirects (more than ${settings.maxRedirects}) fetching ${shortUrl(req.url)}; the last hop ${shortUrl(url.href)} pointed to ${shortUrl(location)}`,
              url.href,
              status,
            );
          }
          url = parseFetchUrl(location, url.href);
          continue;
        }

        const notBefore = notBeforeFrom(status, headers, new Date());
        const base = {
          status,
          url: url.href,
          headers,
          contentType: headers['content-type'],
          notBefore,
          redirects,
        };

        if (status === 304) {
          await response.body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
          return {
            ...base,
            body: Buffer.alloc(0),
            notModified: true,
            // A 304 need not repeat the validators; keep the ones that matched.
            etag: headers['etag'] ?? req.etag,
            lastModified: headers['last-modified'] ?? req.lastModified,
            durationMs: performance.now() - started,
            wireBytes: 0,
          };
        }

        if (status < 200 || status >= 300) {
          await response.body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
          throw httpError(status, response.statusText, url, headers, notBefore, redirects, req.url);
        }

        const declaredLength = Number(headers['content-length']);
        if (headers['content-length'] !== undefined && Number.isFinite(declaredLength) && declaredLength > maxBytes) {
          discard(response.body);
          throw new FetchError(
            'too-large',
            `the body of ${shortUrl(url.href)} is ${formatBytes(declaredLength)} by its Content-Length, larger than the ${formatBytes(maxBytes)} limit; raise maxBytes for this source if it is expected`,
            url.href,
            status,
          );
        }

        phase = 'body';
        let read: ReadBodyResult;
        try {
          read = await readBody(response.body, headers['content-encoding'], maxBytes, progress);
        } catch (err) {
          discard(response.body);
          throw err;
        }
        // undici frees the connection just after the body ends; let it, so the next request
        // for this host (queued on our slot) reuses it instead of opening another.
        await yieldToEventLoop();
        return {
          ...base,
          body: read.body,
          notModified: false,
          etag: headers['etag'],
          lastModified: headers['last-modified'],
          durationMs: performance.now() - started,
          wireBytes: read.wireBytes,
        };
      }
    } catch (err) {
      throw toFetchError(err, {
        url,
        phase,
        timeoutMs,
        receivedBytes: progress.wireBytes,
        callerAborted: callerSignal?.aborted === true,
        callerReason: callerSignal?.reason,
        deadlinePassed: deadline.signal.aborted,
      });
    } finally {
      clearTimeout(timer);
      releaseSlots?.();
    }
  }

  async function close(): Promise<void> {
    closed = true;
    const open = [...agents.values()];
    agents.clear();
    await Promise.all(open.map((agent) => agent.close()));
  }

  return { fetch, close };
}

function httpError(
  status: number,
  statusText: string,
  url: URL,
  headers: Record<string, string>,
  notBefore: Date | undefined,
  redirects: number,
  requested: string,
): FetchError {
  const reason = statusText || STATUS_CODES[status] || 'Unknown Status';
  let message = `HTTP ${status} ${reason} from ${shortUrl(url.href)}`;
  if (redirects > 0) message += ` (redirected from ${shortUrl(requested)})`;
  if (status >= 300 && status < 400) message += headers['location'] === undefined ? ': a redirect without a Location header' : ': not a redirect tidings follows';
  if (status === 403) message += '; some sites refuse unknown clients, a source can send other headers (e.g. User-Agent)';
  if (notBefore) message += `; the server asks not to retry before ${notBefore.toISOString()}`;
  return new FetchError('http', message, url.href, status, notBefore);
}

/** Why `pem` is not a list of PEM certificates, or undefined when it is. */
function pemProblem(pem: string): string | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!blocks) return 'it contains no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (err) {
      return `certificate ${i + 1} of ${blocks.length} cannot be parsed (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  return undefined;
}

/** Drop a response body we will not read (its connection is closed, not reused). */
function discard(body: NodeJS.ReadableStream & { destroy(error?: Error): unknown }): void {
  body.on('error', () => undefined);
  body.destroy();
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
