/**
 * What a correct cycle looks like, checked against what tidings reported and what the feed
 * server counted: every source polled without failure, the expected number of articles
 * stored, 200s and 304s where they belong, no article pages fetched, each feed asked for on
 * its own address, and never more requests at once on one address than the per-host limit.
 */
import type { CycleMeasurement } from './measurement.js';

export interface Expected {
  sources: number;
  /** Sources whose feed changed since the last cycle (all of them on a cold cycle). */
  changed: number;
  /** New articles each changed source should yield. */
  newPerChanged: number;
  hosts: number;
  perHostConcurrency: number;
  /** tidings processes polling at once (the per-host limit holds per process). */
  processes: number;
}

export function checkCycle(m: CycleMeasurement, e: Expected): string[] {
  const problems: string[] = [];
  const expect = (what: string, got: number | undefined, want: number): void => {
    if (got !== undefined && got !== want) problems.push(`${m.phase}: ${what} ${got}, expected ${want}`);
  };
  expect('sources polled', m.polled, e.sources);
  expect('sources failed', m.failed, 0);
  expect('articles stored', m.stored, e.changed * e.newPerChanged);
  expect('200 responses', m.server.ok200, e.changed);
  expect('304 responses', m.server.notModified304, e.sources - e.changed);
  expect('requests other than feeds (article pages)', m.server.otherRequests, 0);
  expect('requests on the wrong address', m.server.misrouted, 0);
  expect('addresses used', m.server.addressesUsed, Math.min(e.hosts, e.sources));
  expect('feed requests while the same feed had one open (a source polled twice at once)', m.server.overlappingFeedRequests, 0);
  expect('feed requests for a feed already requested in the cycle', m.server.repeatedFeedRequests, 0);
  const limit = e.perHostConcurrency * e.processes;
  if (m.server.maxInFlightPerAddress > limit) {
    problems.push(`${m.phase}: ${m.server.maxInFlightPerAddress} requests at once on one address, above the per-host limit ${e.perHostConcurrency}${e.processes > 1 ? ` × ${e.processes} processes` : ''}`);
  }
  return problems;
}
