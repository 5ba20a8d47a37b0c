/**
 * Where each benchmark feed lives. Linux routes all of 127.0.0.0/8 to the loopback interface,
 * so 127.0.0.2, 127.0.0.3, … can be bound without setup; each address is a distinct host to
 * tidings' per-host limit (it keys on the URL's host), as separate sites are on the internet.
 * Feed `i` is served from host `i % hosts`.
 */

/** The `h`-th loopback address (0 → 127.0.0.2), counting on into 127.0.1.x and beyond. */
export function hostAddress(h: number): string {
  const n = h + 2;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export function hostIndexOfFeed(feed: number, hosts: number): number {
  return feed % hosts;
}

export function feedPath(feed: number): string {
  return `/feeds/${feed}.xml`;
}

export function feedUrl(feed: number, hosts: number, port: number): string {
  return `http://${hostAddress(hostIndexOfFeed(feed, hosts))}:${port}${feedPath(feed)}`;
}

export function sourceId(feed: number): string {
  return `bench-${String(feed).padStart(5, '0')}`;
}
