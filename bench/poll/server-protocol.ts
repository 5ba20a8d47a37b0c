/**
 * What the benchmark runner and the feed-server child process say to each other over the
 * Node IPC channel, and what the server counts.
 */
import type { BodyEncoding } from './options.js';

export interface FeedServerConfig {
  sources: number;
  items: number;
  freshItems: number;
  hosts: number;
  latencyMs: number;
  encoding: BodyEncoding;
}

export interface ServerStats {
  /** Feed responses by status. */
  ok200: number;
  notModified304: number;
  /** Requests for anything but a listed feed (article pages would mean full-text fetches). */
  otherRequests: number;
  /** Feed requests that arrived on another address than the feed's own. */
  misrouted: number;
  bytesSent: number;
  connections: number;
  /** Distinct local addresses that served a request. */
  addressesUsed: number;
  /** Most requests in flight at once on one address (tidings' per-host limit caps it). */
  maxInFlightPerAddress: number;
  /** Feed requests that arrived while a request for the same feed was still open (a source polled twice at once). */
  overlappingFeedRequests: number;
  /** Feed requests for a feed already requested since the last reset (a source polled twice in one cycle). */
  repeatedFeedRequests: number;
  /** CPU the server spent, in ms (user + system). */
  cpuMs: number;
}

export type ToServer =
  | { type: 'stats'; reset: boolean }
  /** Move `share` of the feeds to their next generation (new items, new validators). */
  | { type: 'advance'; share: number };

export type FromServer =
  | { type: 'ready'; port: number; prepareMs: number; bodyBytes: number }
  | { type: 'stats'; stats: ServerStats }
  | { type: 'advanced'; changed: number; prepareMs: number }
  | { type: 'failed'; message: string };
