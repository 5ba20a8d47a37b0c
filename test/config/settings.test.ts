import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadSettings, settingNames } from '../../src/config/settings.js';

describe('settings', () => {
  it('has the documented defaults', () => {
    const s = loadSettings({});
    expect(s).toMatchObject({
      TIDINGS_SOURCES: './feeds',
      STORE_URL: 'sqlite://./data/tidings.sqlite',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: 8080,
      PUBLIC_URL: 'http://127.0.0.1:8080',
      DEFAULT_TIMEZONE: 'Asia/Shanghai',
      ALLOW_PRIVATE_NETWORKS: false,
      FETCH_TIMEOUT: 20_000,
      FETCH_MAX_BYTES: 10 * 1024 * 1024,
      FETCH_MAX_REDIRECTS: 5,
      FETCH_PER_HOST_CONCURRENCY: 2,
      FEED_MAX_ENTRIES: 100,
      SEEN_RETENTION_DAYS: 400,
      ALERT_SPAM: false,
    });
    expect(s.userAgent).toMatch(/^tidings\/\d+\.\d+\.\d+ \(\+https:\/\//);
  });

  it('reads values, sizes, durations and booleans; empty strings count as unset', () => {
    const s = loadSettings({ HTTP_PORT: '9090', FETCH_MAX_BYTES: '512KiB', FETCH_TIMEOUT: '5s', ALLOW_PRIVATE_NETWORKS: 'true', PUBLIC_URL: 'https://news.example.org/', TELEGRAM_ADMIN_IDS: '12, 34', LOG_LEVEL: '' });
    expect(s).toMatchObject({ HTTP_PORT: 9090, FETCH_MAX_BYTES: 524_288, FETCH_TIMEOUT: 5000, ALLOW_PRIVATE_NETWORKS: true, PUBLIC_URL: 'https://news.example.org', adminIds: [12, 34], LOG_LEVEL: 'info' });
  });

  it.each([
    ['HTTP_PORT', 'eighty', /HTTP_PORT: expected a whole number/],
    ['DEFAULT_TIMEZONE', 'Mars/Olympus', /DEFAULT_TIMEZONE: expected an IANA time zone/],
    ['STORE_URL', 'mysql://x', /STORE_URL: expected memory, sqlite:\/\/PATH/],
    ['ALLOW_PRIVATE_NETWORKS', 'maybe', /ALLOW_PRIVATE_NETWORKS: expected true or false/],
    ['TELEGRAM_ADMIN_IDS', '12,bob', /TELEGRAM_ADMIN_IDS: expected comma-separated numeric user ids/],
  ])('names the bad variable %s', (name, value, message) => {
    expect(() => loadSettings({ [name]: value })).toThrow(message);
  });

  it('documents every setting in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(settingNames.filter((n) => !documented.has(n))).toEqual([]);
  });
});
