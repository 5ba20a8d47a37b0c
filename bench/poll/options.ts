/**
 * The benchmark's command-line flags, validated into BenchOptions. `--sources` may be a
 * comma-separated list (1000,2000,5000): each value is one scenario, run in turn.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BuildSource } from './build.js';

export type StoreKind = 'sqlite' | 'memory' | 'redis';
/**
 * `cli`: each cycle is a `tidings poll --once` process; `process`: both cycles in one
 * long-lived process; `workers`: `--workers` `tidings worker` processes on Redis (distributed
 * mode: BullMQ poll jobs, Redis store), a cycle started by one `tick` job.
 */
export type RunMode = 'cli' | 'process' | 'workers';
export type BodyEncoding = 'gzip' | 'identity';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface BenchOptions {
  sources: number[];
  /** Runs of each scenario (each on a fresh store and server). */
  repeat: number;
  items: number;
  hosts: number;
  store: StoreKind;
  mode: RunMode;
  /** Share of sources answering 304 in the warm cycle (1 = all); the rest publish `freshItems` new items. */
  notModified: number;
  freshItems: number;
  pollConcurrency: number;
  fetchConcurrency: number;
  perHostConcurrency: number;
  /** Server-side delay before each feed response, in ms (stands in for internet round trips). */
  latencyMs: number;
  encoding: BodyEncoding;
  logLevel: LogLevel;
  cpuProf: boolean;
  /** Workers mode: how many `tidings worker` processes. */
  workers: number;
  /** Workers mode: the Redis server (no database number: the run takes a free one, see `redisDb`). */
  redisUrl: string;
  /** Workers mode: the Redis database for the queue and the store; flushed before each scenario. Unset: the first empty one of 1–8. */
  redisDb?: number;
  /** Build tidings from the HEAD commit or from the working tree. */
  build: BuildSource;
  skipBuild: boolean;
  /** Measure this built CLI (e.g. a patched copy of bench/out/build) instead of building; cli and workers modes. */
  cli?: string;
  keep: boolean;
  /** Folder for builds, stores, logs, profiles and results (git-ignored). */
  outDir: string;
}

export const USAGE = `Usage: npx tsx bench/poll/run.ts [flags]
  --sources N[,N…]        feeds to poll (default 2000); a list runs one scenario each
  --repeat N              run each scenario N times, fresh each time (default 1)
  --items N               items per feed (default 20)
  --hosts N               loopback addresses the feeds are spread over, 127.0.0.2… (default 100)
  --store sqlite|memory|redis  tidings store (default sqlite)
  --mode cli|process|workers   cli: two \`tidings poll --once\` runs; process: two cycles in one process
                          (default cli; memory needs process, a memory store does not outlive a run);
                          workers: --workers \`tidings worker\` processes on Redis (REDIS_URL, BullMQ
                          poll jobs, STORE_URL=redis://), each cycle one \`tick\` job (redis needs workers)
  --workers N             workers mode: \`tidings worker\` processes (default 3)
  --redis URL             workers mode: the Redis server (default redis://127.0.0.1:6379)
  --redis-db N            workers mode: database for queue and store, flushed before each scenario
                          and after the run (default: the first empty one of 1–8, claimed with a key)
  --not-modified F        share of sources answering 304 in the warm cycle, 0..1 (default 1)
  --fresh-items N         new items in each feed that changed for the warm cycle (default 2)
  --poll-concurrency N    POLL_CONCURRENCY (default 32, the tidings default)
  --fetch-concurrency N   FETCH_CONCURRENCY (default 64, the tidings default)
  --per-host N            FETCH_PER_HOST_CONCURRENCY (default 2, the tidings default)
  --latency MS            server delay before each feed response (default 0)
  --encoding gzip|identity  how the server sends feeds (default gzip)
  --log-level L           LOG_LEVEL of tidings: debug|info|warn|error (default info; the cli
                          mode reads the stored-article count from the info summary line)
  --cpu-prof              write a V8 CPU profile of each tidings run into the output folder
  --build head|worktree   measure src/ as committed at HEAD (default) or as in the working tree
  --skip-build            reuse the last build (bench/out/build)
  --cli PATH              measure this built dist/src/cli/main.js instead (e.g. a patched copy of
                          bench/out/build; cli and workers modes), recorded as its revision
  --keep                  keep the store files and logs
  --out DIR               output folder (default bench/out/poll)`;

export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

function int(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new OptionsError(`--${name}: expected a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new OptionsError(`--${name}: expected ${min}..${max}, got ${n}`);
  return n;
}

function fraction(name: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new OptionsError(`--${name}: expected a number from 0 to 1, got ${JSON.stringify(raw)}`);
  return n;
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new OptionsError(`--${name}: expected ${allowed.join('|')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      sources: { type: 'string', default: '2000' },
      repeat: { type: 'string', default: '1' },
      items: { type: 'string', default: '20' },
      hosts: { type: 'string', default: '100' },
      store: { type: 'string', default: 'sqlite' },
      mode: { type: 'string' },
      'not-modified': { type: 'string', default: '1' },
      'fresh-items': { type: 'string', default: '2' },
      'poll-concurrency': { type: 'string', default: '32' },
      'fetch-concurrency': { type: 'string', default: '64' },
      'per-host': { type: 'string', default: '2' },
      latency: { type: 'string', default: '0' },
      encoding: { type: 'string', default: 'gzip' },
      'log-level': { type: 'string', default: 'info' },
      'cpu-prof': { type: 'boolean', default: false },
      workers: { type: 'string', default: '3' },
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
      'redis-db': { type: 'string' },
      build: { type: 'string', default: 'head' },
      'skip-build': { type: 'boolean', default: false },
      cli: { type: 'string' },
      keep: { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench/out/poll' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const store = oneOf('store', values.store, ['sqlite', 'memory', 'redis'] as const);
  const mode = oneOf('mode', values.mode ?? (store === 'memory' ? 'process' : store === 'redis' ? 'workers' : 'cli'), ['cli', 'process', 'workers'] as const);
  if (store === 'memory' && mode === 'cli') throw new OptionsError('--store memory needs --mode process: a memory store is gone when a `poll --once` process exits');
  if ((store === 'redis') !== (mode === 'workers')) throw new OptionsError('--mode workers and --store redis go together: workers share the Redis that holds their queue');
  if (values.cli !== undefined && mode === 'process') throw new OptionsError('--cli: the process mode runs the cycle driver of bench/out/build, not a CLI');
  if (!/^redis:\/\/[^/]+\/?$/.test(values.redis)) throw new OptionsError(`--redis: expected redis://HOST:PORT without a database, got ${JSON.stringify(values.redis)}`);
  const sources = values.sources.split(',').map((s) => int('sources', s, 1, 100_000));
  const hosts = int('hosts', values.hosts, 1, 60_000);
  return {
    sources,
    repeat: int('repeat', values.repeat, 1, 100),
    items: int('items', values.items, 1, 1000),
    hosts,
    store,
    mode,
    notModified: fraction('not-modified', values['not-modified']),
    freshItems: int('fresh-items', values['fresh-items'], 1, 1000),
    pollConcurrency: int('poll-concurrency', values['poll-concurrency'], 1, 4096),
    fetchConcurrency: int('fetch-concurrency', values['fetch-concurrency'], 1, 4096),
    perHostConcurrency: int('per-host', values['per-host'], 1, 64),
    latencyMs: int('latency', values.latency, 0, 60_000),
    encoding: oneOf('encoding', values.encoding, ['gzip', 'identity'] as const),
    logLevel: oneOf('log-level', values['log-level'], ['debug', 'info', 'warn', 'error'] as const),
    cpuProf: values['cpu-prof'],
    workers: int('workers', values.workers, 1, 64),
    redisUrl: values.redis.replace(/\/$/, ''),
    ...(values['redis-db'] !== undefined ? { redisDb: int('redis-db', values['redis-db'], 0, 15) } : {}),
    build: oneOf('build', values.build, ['head', 'worktree'] as const),
    skipBuild: values['skip-build'],
    ...(values.cli !== undefined ? { cli: path.resolve(values.cli) } : {}),
    keep: values.keep,
    outDir: path.resolve(values.out),
  };
}
