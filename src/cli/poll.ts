/**
 * `tidings poll --once [--sources PATH] [--emit jsonl] [--dry-run]`: one poll of every source,
 * then exit 0 (also when some sources failed: each failure is logged with its source id and
 * a summary line goes to stderr). `--emit jsonl` prints every article this poll newly stored.
 */
import { loadSettings } from '../config/settings.js';
import { loadSources } from '../config/sources.js';
import { toArticleJson } from '../domain/article-json.js';
import type { Article } from '../domain/article.js';
import { createApp } from '../app.js';
import { pollSource, type PollResult } from '../pipeline/poll-source.js';
import { parse } from './args.js';
import { UsageError } from './usage-error.js';

export async function runPoll(args: string[]): Promise<number> {
  const { values } = parse(args, {
    once: { type: 'boolean', default: false },
    sources: { type: 'string' },
    emit: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  });
  if (values.emit !== undefined && values.emit !== 'jsonl') throw new UsageError(`--emit: expected jsonl, got ${JSON.stringify(values.emit)}`);
  const settings = loadSettings();
  const file = values.sources;
  const app = await createApp(settings, { dryRun: values['dry-run'], ...(file ? { loadYaml: () => loadSources(file) } : {}) });
  try {
    await app.registry.load();
    const sources = app.registry.all().filter((s) => !s.paused);
    const emitted = new Map<string, Article>();
    // Only a summary of each poll is kept: the articles themselves are in the store, and a
    // first poll of thousands of sources would otherwise hold every one of them until the end.
    const results = await pollAll(
      sources,
      async (s) => {
        const r = await pollSource(s, app.pollDeps);
        if (values.emit === 'jsonl') for (const a of r.stored) emitted.set(a.id, a);
        return { sourceId: r.sourceId, outcome: r.outcome, error: r.error, stored: r.stored.length, alertable: r.alertable.length };
      },
      settings.POLL_CONCURRENCY,
    );
    // Printed once every source is done, as the store now has them: a copy stored early is
    // linked to an earlier-published copy another source brought later (its duplicateOf
    // changes), and the output must say so.
    const ids = [...emitted.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const now = new Map((await app.store.getArticles(batch)).map((a) => [a.id, a]));
      // An article already pushed out of its source's index again is printed as stored.
      for (const id of batch) process.stdout.write(`${JSON.stringify(toArticleJson(now.get(id) ?? emitted.get(id)!))}\n`);
    }
    const failed = results.filter((r) => r.outcome === 'error');
    const stored = results.reduce((n, r) => n + r.stored, 0);
    const alertable = results.reduce((n, r) => n + r.alertable, 0);
    app.logger.info(
      { sources: results.length, failed: failed.length, stored, new: alertable, dryRun: values['dry-run'] },
      `polled ${results.length} sources: ${results.length - failed.length} ok, ${failed.length} failed; ${stored} articles stored, ${alertable} new`,
    );
    for (const f of failed) app.logger.warn({ source: f.sourceId, kind: f.error?.kind }, f.error?.message ?? 'failed');
    // The senders (grammY, nodemailer, the renderers) are loaded only when configured.
    if (!values['dry-run'] && settings.TELEGRAM_BOT_TOKEN) {
      const { drainOnce } = await import('../notify/telegram/telegram-runtime.js');
      const sent = await drainOnce(app);
      app.logger.info({ telegram: sent }, `telegram: ${sent.messages} messages sent, ${sent.retried} to retry, ${sent.failed} failed`);
    }
    if (!values['dry-run'] && settings.SMTP_URL) {
      const { createEmailRuntime } = await import('../notify/email/email-runtime.js');
      const email = await createEmailRuntime(app);
      try {
        const sent = await email.drainOnce();
        app.logger.info({ email: sent }, 'email: due deliveries sent');
      } finally {
        await email.stop();
      }
    }
    return 0;
  } finally {
    await app.close();
  }
}

/** Poll all sources with bounded concurrency; `onResult` sees each result as it lands. */
export async function pollAll<S, R = PollResult>(
  sources: S[],
  poll: (s: S) => Promise<R>,
  concurrency: number,
  onResult?: (r: R) => void,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, sources.length) }, async () => {
    while (next < sources.length) {
      const s = sources[next++]!;
      const r = await poll(s);
      results.push(r);
      onResult?.(r);
    }
  });
  await Promise.all(workers);
  return results;
}
