/**
 * The fetch layer's public surface: the one HTTP client (`createFetcher`), charset decoding
 * (`decodeText`) and the address/scheme policy, with the contract types.
 */
export * from './types.js';
export { createFetcher, FETCHER_DEFAULTS, ACCEPT, ACCEPT_ENCODING, type CreateFetcherOptions } from './http-client.js';
export { decodeText, sniffDeclaredCharset, type SniffedCharset } from './decode.js';
export { normalizeCharset } from './charset-labels.js';
export { classifyAddress, isForbiddenAddress, parseFetchUrl, assertAllowedScheme, type AddressCategory } from './address-guard.js';
export { systemResolver, resolveChecked, type Resolver, type ResolvedAddress } from './guarded-connect.js';
export { notBeforeFrom, parseRetryAfter, freshnessSeconds } from './cache-headers.js';
export { KeyedSemaphore, type Release } from './concurrency.js';
