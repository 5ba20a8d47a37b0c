/**
 * Turning whatever a fetch throws (undici, node:net/tls/dns, zlib, the guard, the deadline)
 * into a `FetchError` with one of the contract's kinds and a message that names the URL and
 * says what to do where there is something to do.
 */
import { BlockedAddressError } from './guarded-connect.js';
import { BodyDecodeError, BodyTooLargeError, formatBytes } from './body.js';
import { FetchError, type FetchErrorKind } from './types.js';
import { shortUrl } from './address-guard.js';

/** What the fetch was doing when it failed. */
export type FetchPhase = 'headers' | 'body';

export interface FailureContext {
  /** The URL of the hop that failed. */
  url: URL;
  phase: FetchPhase;
  timeoutMs: number;
  /** Decoded bytes read so far (for timeout messages). */
  receivedBytes: number;
  /** The caller's signal aborted. */
  callerAborted: boolean;
  /** The caller's abort reason, if any. */
  callerReason?: unknown;
  /** The per-request deadline passed. */
  deadlinePassed: boolean;
}

const INTERMEDIATE_MISSING = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);
const SELF_SIGNED = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CRL_HAS_EXPIRED']);
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ETIMEOUT']);
const CONNECT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);
const TIMEOUT = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The error and its causes (and an AggregateError's members), outermost first. */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  const queue: unknown[] = [err];
  while (queue.length && out.length < 10) {
    const e = queue.shift();
    if (e === undefined || e === null || out.includes(e)) continue;
    out.push(e);
    if (e instanceof AggregateError) queue.push(...(e.errors as unknown[]));
    if (e instanceof Error && e.cause !== undefined) queue.push(e.cause);
  }
  return out;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isTlsCode(code: string): boolean {
  return (
    INTERMEDIATE_MISSING.has(code) ||
    SELF_SIGNED.has(code) ||
    EXPIRED.has(code) ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_OSSL_') ||
    code.includes('CERT') ||
    code.startsWith('UNABLE_TO_')
  );
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function hostPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/** The `FetchError` for `err`, thrown while fetching `context.url`. */
export function toFetchError(err: unknown, context: FailureContext): FetchError {
  if (err instanceof FetchError) return err;
  const { url, phase } = context;
  const href = shortUrl(url.href);
  const make = (kind: FetchErrorKind, message: string): FetchError => new FetchError(kind, message, url.href, undefined, undefined, { cause: err });

  if (context.callerAborted) {
    const reason = context.callerReason instanceof Error && context.callerReason.message ? `: ${context.callerReason.message}` : '';
    return make('aborted', `fetch of ${href} was aborted${reason}`);
  }
  if (context.deadlinePassed) {
    return phase === 'body'
      ? make('timeout', `timed out after ${seconds(context.timeoutMs)} reading the body of ${href} (${formatBytes(context.receivedBytes)} received)`)
      : make('timeout', `timed out after ${seconds(context.timeoutMs)} waiting for the response headers from ${href}`);
  }

  const errors = chain(err);
  const blocked = errors.find((e): e is BlockedAddressError => e instanceof BlockedAddressError);
  if (blocked) {
    return make(
      'blocked-address',
      `refusing to fetch ${href}: ${blocked.message}, and private networks are not allowed (set ALLOW_PRIVATE_NETWORKS=true to allow)`,
    );
  }
  const tooLarge = errors.find((e): e is BodyTooLargeError => e instanceof BodyTooLargeError);
  if (tooLarge) {
    return make('too-large', `the body of ${href} is larger than the ${formatBytes(tooLarge.maxBytes)} limit (after decompression); raise maxBytes for this source if it is expected`);
  }
  const decode = errors.find((e): e is BodyDecodeError => e instanceof BodyDecodeError);
  if (decode) return make('decode', `cannot decode the body of ${href}: ${decode.message}`);

  const codes = errors.map(codeOf).filter((c): c is string => c !== undefined);
  const host = url.hostname;
  const tlsCode = codes.find(isTlsCode);
  if (tlsCode) {
    if (INTERMEDIATE_MISSING.has(tlsCode)) {
      return make(
        'tls',
        `the TLS certificate of ${host} could not be verified (${tlsCode}) fetching ${href}: the server probably omits its intermediate certificate ` +
          '(or its CA is not a public one); the source can name the missing CA certificate file with tls: { ca: path }',
      );
    }
    if (SELF_SIGNED.has(tlsCode)) {
      return make(
        'tls',
        `the TLS certificate of ${host} is self-signed or signed by an unknown CA (${tlsCode}) fetching ${href}; ` +
          'the source can name its CA certificate file with tls: { ca: path }, or skip verification with tls: { insecure: true }',
      );
    }
    if (EXPIRED.has(tlsCode)) {
      return make('tls', `the TLS certificate of ${host} is expired or not yet valid (${tlsCode}) fetching ${href}`);
    }
    if (tlsCode === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return make('tls', `the TLS certificate presented by ${host} is not valid for that name fetching ${href}: ${messageOf(err)}`);
    }
    return make('tls', `TLS with ${host} failed (${tlsCode}) fetching ${href}: ${messageOf(err)}`);
  }

  const dnsCode = codes.find((c) => DNS.has(c));
  if (dnsCode) {
    const why = dnsCode === 'EAI_AGAIN' ? 'a temporary DNS failure' : 'the name does not resolve';
    return make('dns', `cannot resolve ${host} (${dnsCode}, ${why}) fetching ${href}`);
  }
  const connectCode = codes.find((c) => CONNECT.has(c));
  if (connectCode) {
    const what = connectCode === 'ECONNREFUSED' ? 'connection refused by' : 'cannot reach';
    return make('connect', `${what} ${hostPort(url)} (${connectCode}) fetching ${href}`);
  }
  const timeoutCode = codes.find((c) => TIMEOUT.has(c));
  if (timeoutCode) {
    const what = timeoutCode === 'UND_ERR_CONNECT_TIMEOUT' || timeoutCode === 'ETIMEDOUT' ? `connecting to ${hostPort(url)}` : 'waiting for the server';
    return make('timeout', `timed out ${what} (${timeoutCode}) fetching ${href}`);
  }
  const resetCode = codes.find((c) => RESET.has(c));
  if (resetCode) {
    const when = phase === 'body' ? 'while sending the body' : 'before the response headers';
    return make('network', `the connection to ${hostPort(url)} was closed ${when} (${resetCode}) fetching ${href}`);
  }
  const parserCode = codes.find((c) => c.startsWith('HPE_'));
  if (parserCode) return make('network', `malformed HTTP response from ${hostPort(url)} (${parserCode}) fetching ${href}`);
  if (codes.includes('UND_ERR_RES_CONTENT_LENGTH_MISMATCH')) {
    return make('network', `the body of ${href} did not match its Content-Length (connection cut short?)`);
  }
  if (codes.includes('UND_ERR_ABORTED') || (err instanceof Error && err.name === 'AbortError')) {
    return make('aborted', `fetch of ${href} was aborted`);
  }
  const code = codes[0] ? ` (${codes[0]})` : '';
  return make('network', `fetching ${href} failed${code}: ${messageOf(err)}`);
}
