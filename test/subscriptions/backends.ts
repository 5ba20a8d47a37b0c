/**
 * The store backends subscription and outbox tests run on: memory and SQLite always, Redis
 * and PostgreSQL when the machine runs them (skipped with a notice otherwise). Redis and
 * PostgreSQL are shared with other runs, so tests there use subscriber keys unique to the run
 * and assert on their own records only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Article } from '../../src/domain/article.js';
import { hasTcp } from '../helpers/services.js';
import { storedArticle } from '../helpers/articles.js';

export interface Backend {
  name: string;
  url: string;
  available: boolean;
  /** A second connection to the same data is possible (not for memory). */
  shared: boolean;
}

export async function backends(prefix: string): Promise<{ list: Backend[]; cleanup: () => void }> {
  const tmp = mkdtempSync(path.join(tmpdir(), `tidings-${prefix}-`));
  const [redisUp, pgUp] = await Promise.all([hasTcp('127.0.0.1', 6379), hasTcp('127.0.0.1', 5432)]);
  return {
    list: [
      { name: 'memory', url: 'memory', available: true, shared: false },
      { name: 'sqlite', url: `sqlite://${path.join(tmp, 'tidings.sqlite')}`, available: true, shared: true },
      { name: 'redis', url: 'redis://127.0.0.1:6379', available: redisUp, shared: true },
      // @keyv/postgres keeps one pool per URI for the whole process: a second connection is
      // the same pool, and closing both ends it twice (an error), so it is not opened.
      { name: 'postgres', url: 'postgresql://postgres@127.0.0.1:5432/test', available: pgUp, shared: false },
    ],
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}

/** A random positive chat id unlikely to repeat across runs. */
export function chatId(): number {
  return 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
}

export function article(id: string, fields: Partial<Article> = {}): Article {
  return storedArticle({ id, sourceId: 'kjt', url: `https://example.gov.cn/a/${id}.html`, ...fields });
}
