/**
 * The one HTTP client's contract. Everything tidings fetches for sources and articles goes
 * through a `Fetcher`; infrastructure (Telegram, SMTP, Redis, the store) does not.
 */

export interface FetchRequest {
  url: string;
  /** Extra headers (a source's `headers`); never overrides Host. */
  headers?: Record<string, string>;
  /** Conditional GET validators kept from the previous response. */
  etag?: string;
  lastModified?: string;
  /** For logs and errors: which source asked. */
  sourceId?: string;
  signal?: AbortSignal;
  /** Extra CA certificates (PEM text) and explicit opt-out of verification, per source. */
  tls?: { ca?: string; insecure?: boolean };
  /** Overrides of the client's limits for this request. */
  timeoutMs?: number;
  maxBytes?: number;
}

export interface FetchResult {
  /** Final status (after redirects); 304 when the validators matched. */
  status: number;
  /** URL of the last hop. */
  url: string;
  /** Lower-cased header names of the final response. */
  headers: Record<string, string>;
  /** Decompressed body bytes (empty for 304). */
  body: Buffer;
  notModified: boolean;
  etag?: string;
  lastModified?: string;
  contentType?: string;
  /**
   * Earliest moment the server wants to be asked again, from `Retry-After`
   * (seconds or HTTP date) or `Cache-Control: max-age`; undefined when it said nothing.
   */
  notBefore?: Date;
  /** Number of redirects followed. */
  redirects: number;
  durationMs: number;
  /** Bytes received on the wire (before decompression). */
  wireBytes: number;
}

export type FetchErrorKind =
  | 'bad-url'
  | 'bad-scheme'
  | 'blocked-address'
  | 'dns'
  | 'connect'
  | 'tls'
  | 'timeout'
  | 'too-large'
  | 'too-many-redirects'
  | 'http'
  | 'decode'
  | 'aborted'
  | 'network';

/** A fetch that did not yield a usable response. `message` says what to do where it can. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  constructor(
    readonly kind: FetchErrorKind,
    message: string,
    readonly url: string,
    readonly status?: number,
    /** For `http` errors: the server's Retry-After / max-age, if any. */
    readonly notBefore?: Date,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Fetcher {
  fetch(request: FetchRequest): Promise<FetchResult>;
  /** Close pooled connections. */
  close(): Promise<void>;
}

export interface FetcherOptions {
  /** Total deadline per request, headers and body included (default 20 000). */
  timeoutMs: number;
  /** Body cap after decompression (default 10 MiB). */
  maxBytes: number;
  /** At most this many redirects (default 5). */
  maxRedirects: number;
  /** Concurrent requests per host (default 2). */
  perHostConcurrency: number;
  /** Concurrent requests overall (default 64). */
  globalConcurrency: number;
  userAgent: string;
  /** When false, loopback/private/link-local/unspecified addresses are refused at connect time. */
  allowPrivateNetworks: boolean;
}

/** Decoded text of a fetched document. */
export interface DecodedText {
  text: string;
  /** The charset actually used (WHATWG-ish label, e.g. `utf-8`, `gb18030`, `big5`, `utf-16le`). */
  encoding: string;
  /** The charset the document declared (header, BOM, prolog or meta), if any. */
  declared?: string;
  /** How the charset was chosen. */
  via: 'override' | 'bom' | 'header' | 'prolog' | 'meta' | 'detected' | 'default' | 'fallback';
  /** Set when the declared charset was wrong and another was used: a sentence for the log. */
  note?: string;
}
