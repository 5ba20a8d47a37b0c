/**
 * The key-value layer under the Store: keyv with the adapter STORE_URL names (`memory`,
 * `sqlite://PATH`, `redis://…`, `postgresql://…`), plus the one thing keyv lacks, an atomic
 * set-if-absent, built on each backend's own primitive (SQLite and PostgreSQL
 * `INSERT … ON CONFLICT … RETURNING`, Redis `SET NX PX`, an in-process lock for memory).
 * Values are stored in keyv's own format (`{"value":…,"expires":…}`), so keys written by
 * `setIfAbsent` read back through keyv like any other.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Keyv from 'keyv';

export interface KeyValue {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** Several sets at once (one statement where the backend allows). */
  setMany(entries: { key: string; value: unknown; ttlMs?: number }[]): Promise<void>;
  delete(key: string): Promise<void>;
  deleteMany(keys: string[]): Promise<void>;
  /**
   * Store `value` under `key` only when the key is absent (or expired). True when this call
   * stored it. Atomic against every other process using the same store.
   */
  setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  /**
   * `setIfAbsent` for several keys (one statement where the backend allows): for each entry,
   * true when this call stored it. A key listed twice is stored by its first entry only.
   */
  setIfAbsentMany(entries: { key: string; value: unknown; ttlMs?: number }[]): Promise<boolean[]>;
  /**
   * Delete every record whose time to live has passed; returns how many. keyv only skips
   * expired records when it reads them, so without this a SQLite or PostgreSQL store would
   * keep every expired delivery record, seen mark and fingerprint for ever. (Redis expires
   * keys itself.)
   */
  pruneExpired(now?: number): Promise<number>;
  /** Throws when the backend is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
  readonly backend: 'memory' | 'sqlite' | 'redis' | 'postgres';
}

const NAMESPACE = 'tidings';

/** Open the store STORE_URL names; a `sqlite://` file's folder is created when missing. */
export async function openKeyValue(storeUrl: string): Promise<KeyValue> {
  if (storeUrl === 'memory') return new MemoryKeyValue();
  if (storeUrl.startsWith('sqlite://')) return openSqlite(storeUrl);
  if (/^rediss?:\/\//.test(storeUrl)) return openRedis(storeUrl);
  if (/^postgres(ql)?:\/\//.test(storeUrl)) return openPostgres(storeUrl);
  throw new Error(`STORE_URL ${JSON.stringify(storeUrl)}: expected memory, sqlite://PATH, redis://… or postgresql://…`);
}

/**
 * Plain JSON both ways. keyv's default deserializer revives every value through a JSON.parse
 * reviver (for Buffers and `:`-escaped strings, which tidings never stores); on fingerprints
 * and id lists that was a third of the poll's CPU. It also made values written by
 * `setIfAbsent` (plain JSON) read back differently from keyv's own when a string began with `:`.
 */
const JSON_CODEC = {
  serialize: (data: unknown) => JSON.stringify(data),
  deserialize: (data: string) => JSON.parse(data) as { value?: unknown; expires?: number },
} as unknown as { serialize: NonNullable<ConstructorParameters<typeof Keyv>[0]>['serialize']; deserialize: NonNullable<ConstructorParameters<typeof Keyv>[0]>['deserialize'] };

/** The entries with each key once (its last entry): one upsert may not touch a row twice. */
function lastPerKey<E extends { key: string }>(entries: E[]): E[] {
  return [...new Map(entries.map((e) => [e.key, e])).values()];
}

function encode(value: unknown, ttlMs: number | undefined, now = Date.now()): string {
  return JSON.stringify(ttlMs !== undefined ? { value, expires: now + ttlMs } : { value });
}

/** Shared keyv-backed operations; subclasses add `setIfAbsent` with their primitive. */
abstract class KeyvBacked implements KeyValue {
  abstract pruneExpired(now?: number): Promise<number>;
  abstract readonly backend: KeyValue['backend'];
  constructor(protected readonly keyv: Keyv) {
    // Adapters are created with throwOnErrors, so a failing backend rejects the call (an
    // outage must not read as "empty"); keyv also emits the error, which needs a listener.
    keyv.on('error', () => {});
  }
  async get<T>(key: string): Promise<T | undefined> {
    return (await this.keyv.get<T>(key)) ?? undefined;
  }
  async getMany<T>(keys: string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    const out: (T | undefined)[] = [];
    // Bounded batches keep query sizes sane for large feeds.
    for (let i = 0; i < keys.length; i += 500) {
      const batch = (await this.keyv.getMany<T>(keys.slice(i, i + 500))) as (T | undefined | null)[];
      for (const v of batch) out.push(v ?? undefined);
    }
    return out;
  }
  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const ok = await this.keyv.set(key, value, ttlMs);
    if (ok === false) throw new Error(`store: could not write ${key}`);
  }
  async setMany(entries: { key: string; value: unknown; ttlMs?: number }[]): Promise<void> {
    if (entries.length === 0) return;
    await Promise.all(entries.map((e) => this.set(e.key, e.value, e.ttlMs)));
  }
  async delete(key: string): Promise<void> {
    await this.keyv.delete(key);
  }
  async deleteMany(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.keyv.delete(keys);
  }
  abstract setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  async setIfAbsentMany(entries: { key: string; value: unknown; ttlMs?: number }[]): Promise<boolean[]> {
    // Each claim is atomic on its own; a repeated key loses to its first entry (it is then present).
    const first = new Map<string, number>();
    entries.forEach((e, i) => {
      if (!first.has(e.key)) first.set(e.key, i);
    });
    return Promise.all(entries.map((e, i) => (first.get(e.key) === i ? this.setIfAbsent(e.key, e.value, e.ttlMs) : Promise.resolve(false))));
  }
  abstract ping(): Promise<void>;
  async close(): Promise<void> {
    await this.keyv.disconnect();
  }
}

class MemoryKeyValue extends KeyvBacked {
  readonly backend = 'memory';
  private readonly locks = new Map<string, Promise<unknown>>();
  constructor() {
    // Plain JSON here too (a copy in, a copy out): keyv's default codec was a quarter of a poll's CPU on this store.
    super(new Keyv({ namespace: NAMESPACE, ...JSON_CODEC }));
  }
  async setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    // One process owns a memory store: a per-key promise chain makes check-then-set atomic.
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(async () => {
      if ((await this.keyv.get(key)) !== undefined) return false;
      await this.keyv.set(key, value, ttlMs);
      return true;
    });
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }
  private closed = false;
  async pruneExpired(now = Date.now()): Promise<number> {
    // keyv's in-memory store is a Map of prefixed keys to { value, expires }.
    const map = (this.keyv.opts as { store?: unknown }).store;
    if (!(map instanceof Map)) return 0;
    let n = 0;
    for (const [k, v] of map as Map<string, unknown>) {
      const record = (typeof v === 'string' ? JSON.parse(v) : v) as { expires?: number } | undefined;
      if (typeof record?.expires === 'number' && record.expires < now) {
        map.delete(k);
        n++;
      }
    }
    return n;
  }
  async ping(): Promise<void> {
    if (this.closed) throw new Error('store: the memory store is closed');
  }
  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
  }
}

type SqlQuery = (sql: string, ...params: unknown[]) => Promise<unknown[]>;

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

/**
 * Reads and writes issued while others are in flight are sent together: every `get` (and
 * `getMany`) waiting is one `SELECT … IN`, every `set` waiting one multi-row upsert. Each call
 * still resolves only once its own statement has run, so a caller that awaits a write and
 * then reads sees it. Concurrent polls issue many small statements at once (state, index,
 * hashes, version, leases); one statement per batch instead of one each is most of what the
 * store costs them (node-sqlite3 spends ~0.1 ms of CPU a statement, whatever its size).
 */
class SqliteBatcher {
  private reads = new Map<string, Waiter<unknown>[]>();
  private writes: { key: string; value: unknown; ttlMs?: number; waiter: Waiter<void> }[] = [];
  private readsBusy = false;
  private writesBusy = false;
  private readsScheduled = false;
  private writesScheduled = false;

  constructor(private readonly query: SqlQuery) {}

  get(key: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const list = this.reads.get(key);
      if (list) list.push({ resolve, reject });
      else this.reads.set(key, [{ resolve, reject }]);
      this.scheduleReads();
    });
  }

  set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push({ key, value, ttlMs, waiter: { resolve, reject } });
      this.scheduleWrites();
    });
  }

  private scheduleReads(): void {
    if (this.readsBusy || this.readsScheduled) return;
    this.readsScheduled = true;
    setImmediate(() => {
      this.readsScheduled = false;
      void this.flushReads();
    });
  }

  private scheduleWrites(): void {
    if (this.writesBusy || this.writesScheduled) return;
    this.writesScheduled = true;
    setImmediate(() => {
      this.writesScheduled = false;
      void this.flushWrites();
    });
  }

  private async flushReads(): Promise<void> {
    if (this.reads.size === 0) return;
    const batch = this.reads;
    this.reads = new Map();
    this.readsBusy = true;
    const keys = [...batch.keys()];
    try {
      const now = Date.now();
      for (let i = 0; i < keys.length; i += 500) {
        const chunk = keys.slice(i, i + 500);
        const rows = (await this.query(
          `SELECT key, value FROM keyv WHERE key IN (SELECT value FROM json_each(?))`,
          JSON.stringify(chunk.map((k) => `${NAMESPACE}:${k}`)),
        )) as { key: string; value: string | null }[];
        const found = new Map(rows.map((r) => [r.key, r.value]));
        for (const key of chunk) {
          let value: unknown;
          const raw = found.get(`${NAMESPACE}:${key}`);
          try {
            const data = typeof raw === 'string' ? (JSON.parse(raw) as { value?: unknown; expires?: number } | null) : undefined;
            // As keyv reads: an expired record is absent.
            value = data && !(typeof data.expires === 'number' && now > data.expires) ? (data.value ?? undefined) : undefined;
          } catch (err) {
            for (const w of batch.get(key)!) w.reject(err);
            continue;
          }
          for (const w of batch.get(key)!) w.resolve(value);
        }
        for (const key of chunk) batch.delete(key);
      }
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    } finally {
      this.readsBusy = false;
      if (this.reads.size > 0) this.scheduleReads();
    }
  }

  private async flushWrites(): Promise<void> {
    if (this.writes.length === 0) return;
    const batch = this.writes;
    this.writes = [];
    this.writesBusy = true;
    try {
      // The last write of a key wins, as when they ran one after another.
      const entries = lastPerKey(batch);
      const now = Date.now();
      // SQLite allows 32,766 parameters per statement; 400 rows use 800.
      for (let i = 0; i < entries.length; i += 400) {
        const chunk = entries.slice(i, i + 400);
        await this.query(
          `INSERT INTO keyv(key, value) VALUES ${chunk.map(() => '(?, ?)').join(', ')}
           ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
          ...chunk.flatMap((e): unknown[] => [`${NAMESPACE}:${e.key}`, encode(e.value, e.ttlMs, now)]),
        );
      }
      for (const e of batch) e.waiter.resolve();
    } catch (err) {
      for (const e of batch) e.waiter.reject(err);
    } finally {
      this.writesBusy = false;
      if (this.writes.length > 0) this.scheduleWrites();
    }
  }
}

class SqliteKeyValue extends KeyvBacked {
  readonly backend = 'sqlite';
  private readonly batcher: SqliteBatcher;
  constructor(
    keyv: Keyv,
    private readonly query: SqlQuery,
  ) {
    super(keyv);
    this.batcher = new SqliteBatcher(query);
  }
  override async get<T>(key: string): Promise<T | undefined> {
    return (await this.batcher.get(key)) as T | undefined;
  }
  override async getMany<T>(keys: string[]): Promise<(T | undefined)[]> {
    return (await Promise.all(keys.map((k) => this.batcher.get(k)))) as (T | undefined)[];
  }
  override async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    // keyv refuses some values (undefined, symbols): those keep its path and its errors.
    if (value === undefined || typeof value === 'symbol') return super.set(key, value, ttlMs);
    await this.batcher.set(key, value, ttlMs);
  }
  async setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    return (await this.setIfAbsentMany([{ key, value, ttlMs }]))[0]!;
  }
  override async setIfAbsentMany(entries: { key: string; value: unknown; ttlMs?: number }[]): Promise<boolean[]> {
    const out: boolean[] = new Array<boolean>(entries.length).fill(false);
    // One upsert may not touch a row twice: a repeated key is claimed by its first entry only.
    const firsts: number[] = [];
    const listed = new Set<string>();
    entries.forEach((e, i) => {
      if (listed.has(e.key)) return;
      listed.add(e.key);
      firsts.push(i);
    });
    const now = Date.now();
    for (let b = 0; b < firsts.length; b += 400) {
      const batch = firsts.slice(b, b + 400);
      const rows = (await this.query(
        `INSERT INTO keyv(key, value) VALUES ${batch.map(() => '(?, ?)').join(', ')}
         ON CONFLICT(key) DO UPDATE SET value = excluded.value
         WHERE json_extract(keyv.value, '$.expires') IS NOT NULL AND json_extract(keyv.value, '$.expires') < ?
         RETURNING key`,
        ...batch.flatMap((i): unknown[] => [`${NAMESPACE}:${entries[i]!.key}`, encode(entries[i]!.value, entries[i]!.ttlMs, now)]),
        now,
      )) as { key: string }[];
      const stored = new Set(rows.map((r) => r.key));
      for (const i of batch) out[i] = stored.has(`${NAMESPACE}:${entries[i]!.key}`);
    }
    return out;
  }
  async pruneExpired(now = Date.now()): Promise<number> {
    const rows = await this.query(
      `DELETE FROM keyv WHERE key LIKE ? AND json_extract(value, '$.expires') IS NOT NULL AND json_extract(value, '$.expires') < ? RETURNING key`,
      `${NAMESPACE}:%`,
      now,
    );
    return rows.length;
  }
  override async setMany(entries: { key: string; value: unknown; ttlMs?: number }[]): Promise<void> {
    // Queued together, they go out in one upsert (with any other writes waiting); the last entry of a key wins.
    await Promise.all(entries.map((e) => this.batcher.set(e.key, e.value, e.ttlMs)));
  }
  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }
}

async function openSqlite(storeUrl: string): Promise<KeyValue> {
  const file = storeUrl.replace(/^sqlite:\/\//, '');
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const { default: KeyvSqlite } = await import('@keyv/sqlite');
  const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 10_000 });
  const query = adapter.query as unknown as SqlQuery;
  // WAL lets readers (the HTTP server, a second process) proceed while a poll writes.
  await query('PRAGMA journal_mode=WAL');
  await query('PRAGMA synchronous=NORMAL');
  const keyv = new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true, ...JSON_CODEC });
  return new SqliteKeyValue(keyv, query);
}

interface RedisLike {
  set(key: string, value: string, options: { NX: true; PX?: number }): Promise<string | null>;
  ping(): Promise<string>;
}

class RedisKeyValue extends KeyvBacked {
  readonly backend = 'redis';
  constructor(
    keyv: Keyv,
    private readonly client: RedisLike,
    private readonly prefix: (key: string) => string,
  ) {
    super(keyv);
  }
  async setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    const options: { NX: true; PX?: number } = { NX: true };
    if (ttlMs !== undefined) options.PX = Math.max(1, Math.round(ttlMs));
    const reply = await this.client.set(this.prefix(key), encode(value, ttlMs), options);
    return reply === 'OK';
  }
  async pruneExpired(): Promise<number> {
    return 0; // Redis removes expired keys itself (PX on every write with a TTL).
  }
  async ping(): Promise<void> {
    await this.client.ping();
  }
}

async function openRedis(storeUrl: string): Promise<KeyValue> {
  const { default: KeyvRedis } = await import('@keyv/redis');
  const adapter = new KeyvRedis(storeUrl, { namespace: NAMESPACE, throwOnConnectError: true, throwOnErrors: true });
  const keyv = new Keyv({ store: adapter, namespace: NAMESPACE, useKeyPrefix: false, throwOnErrors: true, ...JSON_CODEC });
  const client = (await adapter.getClient()) as unknown as RedisLike;
  return new RedisKeyValue(keyv, client, (key) => adapter.createKeyPrefix(key, NAMESPACE));
}

class PostgresKeyValue extends KeyvBacked {
  readonly backend = 'postgres';
  constructor(
    keyv: Keyv,
    private readonly query: (sql: string, values?: unknown[]) => Promise<unknown[]>,
    private readonly table: string,
  ) {
    super(keyv);
  }
  async setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    const now = Date.now();
    const rows = await this.query(
      `INSERT INTO ${this.table}(key, value) VALUES($1, $2)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value
       WHERE (${this.table}.value::jsonb ->> 'expires') IS NOT NULL AND (${this.table}.value::jsonb ->> 'expires')::bigint < $3
       RETURNING key`,
      [`${NAMESPACE}:${key}`, encode(value, ttlMs, now), now],
    );
    return rows.length === 1;
  }
  async pruneExpired(now = Date.now()): Promise<number> {
    const rows = await this.query(
      `DELETE FROM ${this.table} WHERE key LIKE $1 AND (value::jsonb ->> 'expires') IS NOT NULL AND (value::jsonb ->> 'expires')::bigint < $2 RETURNING key`,
      [`${NAMESPACE}:%`, now],
    );
    return rows.length;
  }
  override async setMany(input: { key: string; value: unknown; ttlMs?: number }[]): Promise<void> {
    const entries = lastPerKey(input);
    const now = Date.now();
    for (let i = 0; i < entries.length; i += 400) {
      const batch = entries.slice(i, i + 400);
      await this.query(
        `INSERT INTO ${this.table}(key, value) VALUES ${batch.map((_, n) => `($${2 * n + 1}, $${2 * n + 2})`).join(', ')}
         ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        batch.flatMap((e): unknown[] => [`${NAMESPACE}:${e.key}`, encode(e.value, e.ttlMs, now)]),
      );
    }
  }
  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }
}

async function openPostgres(storeUrl: string): Promise<KeyValue> {
  const { default: KeyvPostgres } = await import('@keyv/postgres');
  const adapter = new KeyvPostgres({ uri: storeUrl, table: 'tidings_kv' });
  const keyv = new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true, ...JSON_CODEC });
  const query = adapter.query as unknown as (sql: string, values?: unknown[]) => Promise<unknown[]>;
  await query('SELECT 1');
  return new PostgresKeyValue(keyv, query, 'tidings_kv');
}
