/**
 * Where connections are made: an undici connector that resolves the host itself, checks every
 * address it could dial against the private-network policy, and hands only checked addresses
 * to the socket (so a second DNS answer cannot slip past the check). IP-literal hosts — which
 * `net.connect` never passes to a lookup function — are checked before connecting. Every
 * connection goes through here, so the policy holds for redirect hops too.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { classifyAddress } from './address-guard.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name resolves to. Rejects like `dns.lookup` (code ENOTFOUND, …). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The operating system's resolver (`dns.lookup`, honouring /etc/hosts), all addresses. */
export const systemResolver: Resolver = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** A connection refused by the private-network policy. */
export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  readonly code = 'ERR_TIDINGS_BLOCKED_ADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly category: string,
  ) {
    super(
      host === address
        ? `${address} is a ${category} address`
        : `${host} resolves to ${address}, a ${category} address`,
    );
  }
}

export interface AddressPolicy {
  /** When true, nothing is refused. */
  allowPrivateNetworks: boolean;
  /** Why an address is refused, or undefined to allow it (default: `classifyAddress`). */
  classify?: (address: string) => string | undefined;
}

function notFound(hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  err.code = 'ENOTFOUND';
  err.syscall = 'getaddrinfo';
  return err;
}

/**
 * Resolve `hostname` (an IP literal stands for itself) and check every address against the
 * policy. Rejects with `BlockedAddressError` when any address is refused: a host that mixes
 * public and private answers is not dialled at all.
 */
export async function resolveChecked(hostname: string, resolver: Resolver, policy: AddressPolicy): Promise<ResolvedAddress[]> {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const family = isIP(bare);
  const addresses: ResolvedAddress[] = family === 4 || family === 6 ? [{ address: bare, family }] : await resolver(bare);
  if (addresses.length === 0) throw notFound(bare);
  if (!policy.allowPrivateNetworks) {
    const classify = policy.classify ?? classifyAddress;
    for (const { address } of addresses) {
      const why = classify(address);
      if (why !== undefined) throw new BlockedAddressError(bare, address, why);
    }
  }
  return addresses;
}

function wantedFamily(options: LookupOptions): 4 | 6 | undefined {
  const f = options.family;
  if (f === 4 || f === 'IPv4') return 4;
  if (f === 6 || f === 'IPv6') return 6;
  return undefined;
}

/** A `net.connect` lookup function over `resolveChecked`. */
export function createLookup(resolver: Resolver, policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(hostname, resolver, policy).then(
      (addresses) => {
        const family = wantedFamily(options);
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        const first = usable[0];
        if (!first) {
          callback(notFound(hostname), options.all ? [] : '', undefined);
        } else if (options.all) {
          callback(null, usable.map((a): LookupAddress => ({ address: a.address, family: a.family })));
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        callback(error, options.all ? [] : '', undefined);
      },
    );
  };
}

export interface GuardedConnectorOptions extends AddressPolicy {
  resolver: Resolver;
  /** PEM CA certificates trusted for https (replaces the default list; pass it included). */
  ca?: string[];
  /** Verify server certificates (default true). */
  rejectUnauthorized?: boolean;
  /** Give up connecting after this long. */
  connectTimeoutMs: number;
}

/** An undici `connect` function enforcing the policy for every socket it opens. */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const policy: AddressPolicy = { allowPrivateNetworks: options.allowPrivateNetworks, classify: options.classify };
  const base = buildConnector({
    lookup: createLookup(options.resolver, policy),
    timeout: options.connectTimeoutMs,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
  });
  const classify = options.classify ?? classifyAddress;
  return (connectOptions, callback) => {
    const host = connectOptions.hostname;
    if (!options.allowPrivateNetworks && isIP(host) !== 0) {
      const why = classify(host);
      if (why !== undefined) {
        const err = new BlockedAddressError(host, host, why);
        process.nextTick(() => callback(err, null));
        return;
      }
    }
    base(connectOptions, callback);
  };
}
