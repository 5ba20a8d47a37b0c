/**
 * Settings from the environment (and a `.env` file, read by the CLI before this runs),
 * validated once into a typed value that is passed down. Every variable here is listed in
 * `.env.example` with its default; a bad value is a ConfigError naming the variable.
 */
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { parseDuration } from './interval.js';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''].includes(v), 'expected true or false')
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `expected a number from ${min} to ${max}`);

/** Sizes like `10485760`, `10MiB`, `512KiB`, `1MB`. */
const bytes = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const m = /^(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(v);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: 'expected a size such as 10485760, 512KiB or 10MiB' });
      return z.NEVER;
    }
    const unit = (m[2] ?? 'b').toLowerCase();
    const mult: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
    return Number(m[1]) * mult[unit]!;
  });

/**
 * How long a delivery that keeps failing transiently (SMTP 4xx, network faults, Telegram 5xx)
 * is retried, from its first failure, before it fails as `expired`: an alert older than a
 * long weekend is no longer news, and an MTA gives up after a few days too.
 */
export const DEFAULT_DELIVERY_RETRY_FOR_MS = 3 * 86_400_000;

const duration = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const ms = /^\d+$/.test(v) ? Number(v) : parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 20s, 15m, 24h (or milliseconds)' });
      return z.NEVER;
    }
    return ms;
  });

const timeZone = z
  .string()
  .trim()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as Asia/Shanghai');

const url = (schemes: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return schemes.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    }, `expected a URL (${schemes.join(', ')})`);

const storeUrl = z
  .string()
  .trim()
  .refine(
    (v) => v === 'memory' || /^(sqlite|redis|rediss|postgres|postgresql):\/\/.+/.test(v),
    'expected memory, sqlite://PATH, redis://… or postgresql://…',
  );

/** Every setting: [variable, schema, default]. The order is the order of `.env.example`. */
const schema = z.object({
  TIDINGS_SOURCES: z.string().trim().min(1).default('./feeds'),
  STORE_URL: storeUrl.default('sqlite://./data/tidings.sqlite'),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  QUEUE_PREFIX: z.string().trim().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, _ . -').default('tidings'),
  QUEUE_LOCK_DURATION: duration.refine((ms) => ms >= 1000, 'expected at least 1s').default(30_000),
  HTTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
  HTTP_PORT: int(0, 65535).default(8080),
  PUBLIC_URL: url(['http', 'https']).optional(),
  TELEGRAM_BOT_TOKEN: z.string().trim().optional(),
  TELEGRAM_API_ROOT: url(['http', 'https']).default('https://api.telegram.org'),
  TELEGRAM_ADMIN_IDS: z.string().trim().default(''),
  TELEGRAM_WEBHOOK_URL: url(['https', 'http']).optional(),
  SMTP_URL: url(['smtp', 'smtps']).optional(),
  MAIL_FROM: z.string().trim().default('tidings <tidings@localhost>'),
  MAIL_UNSUBSCRIBE_MAILTO: z.string().trim().regex(/^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/, 'expected an address like unsubscribe@example.com').optional(),
  EMAIL_MAX_FAILURES: int(1, 1000).default(3),
  DEFAULT_TIMEZONE: timeZone.default('Asia/Shanghai'),
  ALLOW_PRIVATE_NETWORKS: bool.default(false),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  TIDINGS_SECRET: z.string().trim().min(16, 'expected at least 16 characters').optional(),
  ALERT_SPAM: bool.default(false),
  METRICS_TOKEN: z.string().trim().optional(),
  FETCH_TIMEOUT: duration.default(20_000),
  FETCH_MAX_BYTES: bytes.default(10 * 1024 * 1024),
  FETCH_MAX_REDIRECTS: int(0, 20).default(5),
  FETCH_PER_HOST_CONCURRENCY: int(1, 64).default(2),
  FETCH_CONCURRENCY: int(1, 4096).default(64),
  USER_AGENT: z.string().trim().optional(),
  POLL_CONCURRENCY: int(1, 4096).default(32),
  POLL_JITTER: z
    .string()
    .trim()
    .transform(Number)
    .refine((n) => Number.isFinite(n) && n >= 0 && n <= 0.5, 'expected a fraction from 0 to 0.5')
    .default(0.1),
  BACKOFF_MAX: duration.default(24 * 3_600_000),
  SOURCE_FAILING_ALERT_AFTER: duration.default(3_600_000),
  SCHEDULER_TICK: z
    .string()
    .trim()
    .default('*/5 * * * * *'),
  FEED_MAX_ENTRIES: int(1, 10_000).default(100),
  SOURCE_MAX_ARTICLES: int(10, 100_000).default(500),
  SEEN_RETENTION_DAYS: int(1, 10_000).default(400),
  DEDUPE_WINDOW_DAYS: int(1, 365).default(30),
  FEEDS_CACHE_SECONDS: int(0, 86_400).default(60),
  QUERY_MAX_LENGTH: int(10, 10_000).default(500),
  SUBS_PER_SUBSCRIBER: int(1, 10_000).default(50),
  DELIVERY_RETENTION_DAYS: int(1, 3650).default(90),
  DELIVERY_RETRY_FOR: duration.refine((ms) => ms >= 60_000, 'expected at least 1m').default(DEFAULT_DELIVERY_RETRY_FOR_MS),
  TELEGRAM_RATE: int(1, 10_000).default(25),
  TELEGRAM_GROUP_RATE: int(1, 1000).default(20),
  ALERT_FOLD_THRESHOLD: int(1, 100).default(3),
});

type Raw = z.output<typeof schema>;

export interface Settings extends Omit<Raw, 'PUBLIC_URL'> {
  PUBLIC_URL: string;
  adminIds: number[];
  userAgent: string;
}

export const VERSION = '0.1.0';
export const PROJECT_URL = 'https://github.com/tidings-news/tidings';

/**
 * Validate the environment. Empty strings count as unset, so `.env.example` can be copied
 * as it is. Throws ConfigError naming each bad variable.
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') input[key] = v;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems: ConfigProblem[] = parsed.error.issues.map((issue) => ({
      file: 'environment',
      field: String(issue.path[0] ?? ''),
      message: `${issue.message}; got ${JSON.stringify(input[String(issue.path[0])] ?? '')}`,
    }));
    throw new ConfigError(problems);
  }
  const raw = parsed.data;
  const adminIds: number[] = [];
  for (const part of raw.TELEGRAM_ADMIN_IDS.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!/^-?\d+$/.test(part)) {
      throw new ConfigError([
        { file: 'environment', field: 'TELEGRAM_ADMIN_IDS', message: `expected comma-separated numeric user ids; got ${JSON.stringify(part)}` },
      ]);
    }
    adminIds.push(Number(part));
  }
  const host = raw.HTTP_HOST.includes(':') ? `[${raw.HTTP_HOST}]` : raw.HTTP_HOST;
  const publicUrl = (raw.PUBLIC_URL ?? `http://${host}:${raw.HTTP_PORT}`).replace(/\/+$/, '');
  return {
    ...raw,
    PUBLIC_URL: publicUrl,
    adminIds,
    userAgent: raw.USER_AGENT ?? `tidings/${VERSION} (+${PROJECT_URL})`,
  };
}

/** Names of every setting, for `.env.example` checks. */
export const settingNames = Object.keys(schema.shape);
