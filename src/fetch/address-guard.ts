/**
 * What tidings refuses to fetch: URL schemes other than http/https, and — unless private
 * networks are allowed — IP addresses that are not on the public internet (loopback, private,
 * link-local, CGNAT, unspecified, multicast, reserved, and IPv6 forms that embed such an IPv4
 * address). Addresses are parsed into bytes and compared against prefixes; host strings are
 * never pattern-matched. The connection-time enforcement lives in `guarded-connect.ts`.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { FetchError } from './types.js';

/** Why an address is refused; `undefined` from `classifyAddress` means public. */
export type AddressCategory =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared (CGNAT)'
  | 'link-local'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'not an IP address';

interface Prefix {
  bytes: readonly number[];
  bits: number;
  category: AddressCategory;
}

const IPV4_PREFIXES: readonly Prefix[] = [
  { bytes: [0], bits: 8, category: 'unspecified' }, // "this network"
  { bytes: [10], bits: 8, category: 'private' },
  { bytes: [100, 64], bits: 10, category: 'shared (CGNAT)' },
  { bytes: [127], bits: 8, category: 'loopback' },
  { bytes: [169, 254], bits: 16, category: 'link-local' },
  { bytes: [172, 16], bits: 12, category: 'private' },
  { bytes: [192, 0, 0], bits: 24, category: 'reserved' }, // IETF protocol assignments
  { bytes: [192, 0, 2], bits: 24, category: 'documentation' },
  { bytes: [192, 88, 99], bits: 24, category: 'reserved' }, // former 6to4 relay anycast
  { bytes: [192, 168], bits: 16, category: 'private' },
  { bytes: [198, 18], bits: 15, category: 'benchmarking' },
  { bytes: [198, 51, 100], bits: 24, category: 'documentation' },
  { bytes: [203, 0, 113], bits: 24, category: 'documentation' },
  { bytes: [224], bits: 4, category: 'multicast' },
  { bytes: [240], bits: 4, category: 'reserved' }, // includes 255.255.255.255
];

/** IPv6 prefixes refused outright (embedded-IPv4 forms are handled before these). */
const IPV6_PREFIXES: readonly Prefix[] = [
  { bytes: [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], bits: 48, category: 'private' }, // local-use NAT64
  { bytes: [0x00], bits: 8, category: 'reserved' }, // rest of ::/8 (e.g. IPv4-compatible ::a.b.c.d)
  { bytes: [0x01, 0x00, 0, 0, 0, 0, 0, 0], bits: 64, category: 'reserved' }, // discard-only
  { bytes: [0x20, 0x01, 0x0d, 0xb8], bits: 32, category: 'documentation' },
  { bytes: [0x3f, 0xff], bits: 20, category: 'documentation' }, // 3fff::/20
  { bytes: [0xfc], bits: 7, category: 'private' }, // unique local fc00::/7
  { bytes: [0xfe, 0x80], bits: 10, category: 'link-local' },
  { bytes: [0xfe, 0xc0], bits: 10, category: 'private' }, // deprecated site-local
  { bytes: [0xff], bits: 8, category: 'multicast' },
];

function matches(address: Uint8Array, prefix: Prefix): boolean {
  let bits = prefix.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((address[i] ?? 0) & mask) !== ((prefix.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Dotted-quad IPv4 into 4 bytes, or undefined when `text` is not exactly that. */
export function parseIPv4(text: string): Uint8Array | undefined {
  if (!isIPv4(text)) return undefined;
  const parts = text.split('.').map((p) => Number.parseInt(p, 10));
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return undefined;
  return Uint8Array.from(parts);
}

/** Any textual IPv6 form (`::`, embedded dotted IPv4, `%zone`) into 16 bytes, or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf('%');
  const addr = zone === -1 ? text : text.slice(0, zone);
  if (!isIPv6(addr)) return undefined;

  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (!v4) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        const n = Number.parseInt(piece, 16);
        if (!Number.isInteger(n) || n < 0 || n > 0xffff) return undefined;
        out.push(n);
      }
    }
    return out;
  };

  let groups: number[] | undefined;
  const gap = addr.indexOf('::');
  if (gap === -1) {
    groups = groupsOf(addr);
  } else {
    const head = groupsOf(addr.slice(0, gap));
    const tail = groupsOf(addr.slice(gap + 2));
    if (head && tail && head.length + tail.length < 8) {
      groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
    }
  }
  if (!groups || groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

function classifyIPv4Bytes(bytes: Uint8Array): AddressCategory | undefined {
  return IPV4_PREFIXES.find((p) => matches(bytes, p))?.category;
}

const isZero = (bytes: Uint8Array, from: number, to: number): boolean => bytes.subarray(from, to).every((b) => b === 0);

/** The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4, Teredo), if any. */
export function embeddedIPv4(bytes: Uint8Array): Uint8Array | undefined {
  // ::ffff:a.b.c.d (IPv4-mapped)
  if (isZero(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12, 16);
  // 64:ff9b::a.b.c.d (well-known NAT64 prefix)
  if (matches(bytes, { bytes: [0x00, 0x64, 0xff, 0x9b], bits: 32, category: 'reserved' }) && isZero(bytes, 4, 12)) {
    return bytes.slice(12, 16);
  }
  // 2002:aabb:ccdd::/48 (6to4)
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  // 2001:0000::/32 (Teredo): the client address is stored inverted in the last 32 bits
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0 && bytes[3] === 0) {
    return bytes.slice(12, 16).map((b) => b ^ 0xff);
  }
  return undefined;
}

/**
 * Why `address` (an IPv4 or IPv6 literal, as a resolver or a parsed URL gives it; IPv6 may be
 * bracketed) must not be dialled without ALLOW_PRIVATE_NETWORKS, or undefined when it is a
 * public address. Anything that is not an IP address is refused ('not an IP address').
 */
export function classifyAddress(address: string): AddressCategory | undefined {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v4 = parseIPv4(text);
  if (v4) return classifyIPv4Bytes(v4);
  const v6 = parseIPv6(text);
  if (!v6) return 'not an IP address';
  if (isZero(v6, 0, 16)) return 'unspecified';
  if (isZero(v6, 0, 15) && v6[15] === 1) return 'loopback';
  const inner = embeddedIPv4(v6);
  if (inner) return classifyIPv4Bytes(inner);
  return IPV6_PREFIXES.find((p) => matches(v6, p))?.category;
}

/** True when `address` is not a public internet address (see `classifyAddress`). */
export function isForbiddenAddress(address: string): boolean {
  return classifyAddress(address) !== undefined;
}

/** The schemes tidings fetches. */
export const ALLOWED_SCHEMES: readonly string[] = ['http:', 'https:'];

/** A URL shortened for messages (data: URLs can be megabytes long). */
export function shortUrl(url: string, max = 200): string {
  return url.length <= max ? url : `${url.slice(0, max)}…`;
}

/**
 * Parse `raw` (relative to `base` when given, as for a redirect's Location) and check that it
 * can be fetched: a valid http: or https: URL with a host. Throws `FetchError` of kind
 * `bad-url` or `bad-scheme`; the message says which URL and what was expected.
 */
export function parseFetchUrl(raw: string, base?: string): URL {
  const where = base ? `redirect from ${shortUrl(base)}` : 'cannot fetch';
  let url: URL;
  try {
    url = base ? new URL(raw, base) : new URL(raw);
  } catch (cause) {
    const what = base ? `has an invalid Location ${JSON.stringify(shortUrl(raw))}` : `${JSON.stringify(shortUrl(raw))}: not a valid absolute URL`;
    throw new FetchError('bad-url', `${where} ${what}`, base ?? raw, undefined, undefined, { cause });
  }
  assertAllowedScheme(url, base);
  if (!url.hostname) {
    throw new FetchError('bad-url', `${where} to ${shortUrl(url.href)}: the URL has no host`, url.href);
  }
  return url;
}

/** Throw `FetchError('bad-scheme')` unless `url` is http: or https:. */
export function assertAllowedScheme(url: URL, redirectedFrom?: string): void {
  if (ALLOWED_SCHEMES.includes(url.protocol)) return;
  const target = shortUrl(url.href);
  const message = redirectedFrom
    ? `redirect from ${shortUrl(redirectedFrom)} to ${target} refused: only http: and https: URLs are fetched, not ${url.protocol}`
    : `cannot fetch ${target}: only http: and https: URLs are fetched, not ${url.protocol}`;
  throw new FetchError('bad-scheme', message, url.href);
}
