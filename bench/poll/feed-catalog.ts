/**
 * The feed server's documents: each feed's current generation and its response body, built
 * (and gzipped) ahead of time so that serving costs the server next to nothing while tidings
 * is being measured.
 */
import { gzipSync } from 'node:zlib';
import { renderFeed, type FeedShape } from './feed-document.js';
import type { BodyEncoding } from './options.js';

export interface PreparedFeed {
  etag: string;
  lastModified: string;
  /** Epoch ms of lastModified, for If-Modified-Since. */
  lastModifiedMs: number;
  body: Buffer;
  encoding: BodyEncoding;
}

/** The feeds `changed` evenly spread over `total` (every 10th for 10 %). */
export function spreadEvenly(total: number, changed: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < total; i++) {
    if (Math.floor(((i + 1) * changed) / total) > Math.floor((i * changed) / total)) out.push(i);
  }
  return out;
}

export class FeedCatalog {
  readonly #generations: Uint32Array;
  readonly #prepared: PreparedFeed[] = [];

  constructor(
    readonly size: number,
    private readonly shape: FeedShape,
    private readonly encoding: BodyEncoding,
  ) {
    this.#generations = new Uint32Array(size);
    for (let feed = 0; feed < size; feed++) this.#prepare(feed);
  }

  get(feed: number): PreparedFeed | undefined {
    return this.#prepared[feed];
  }

  bodyBytes(): number {
    return this.#prepared.reduce((n, p) => n + p.body.length, 0);
  }

  /** Move `share` of the feeds to their next generation; returns how many moved. */
  advance(share: number): number {
    const moved = spreadEvenly(this.size, Math.round(this.size * share));
    for (const feed of moved) {
      this.#generations[feed]! += 1;
      this.#prepare(feed);
    }
    return moved.length;
  }

  #prepare(feed: number): void {
    const doc = renderFeed(feed, this.#generations[feed]!, this.shape);
    const raw = Buffer.from(doc.xml, 'utf8');
    this.#prepared[feed] = {
      etag: doc.etag,
      lastModified: doc.lastModified,
      lastModifiedMs: Date.parse(doc.lastModified),
      body: this.encoding === 'gzip' ? gzipSync(raw) : raw,
      encoding: this.encoding,
    };
  }
}
